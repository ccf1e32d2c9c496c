"""Benchmark of the stamps: drawing page numbers and labels, and making room for them.

    .venv/bin/python bench/bench_stamps.py [--pages 2000]

Figures, best of three runs each:

* **stamping**: the page numbers and exhibit labels of a ``--pages`` page bundle drawn into its
  pages (the font embedded once, one content stream a page) as :func:`evidence.assemble_bundle`
  does it, writing the bundle not counted; the pages are those of the 117-page sample of
  ../shared/evidence-samples (from the project root) repeated, or A4 pages with a line when it
  is absent;
* **making room** (:func:`evidence.pdf.make_room_for_stamps`, run when an exhibit is prepared),
  per page: a text PDF (the same sample), generated 300 dpi A4 JPEG scans, photos placed on A4
  pages by :func:`evidence.prepare_exhibit`.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import img2pdf
import pikepdf
from PIL import Image, ImageDraw

from evidence import pdf, prepare_exhibit, stamp

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "evidence-samples"
TEXT = SAMPLES / "009-pdflatex-geotopo_GeoTopo-komprimiert.pdf"
A4 = (595.2756, 841.8898)


def _pages(count: int) -> pikepdf.Pdf:
    if TEXT.is_file():
        document = pikepdf.open(TEXT)
        originals = list(document.pages)
        while len(document.pages) < count:
            document.pages.extend(originals[:count - len(document.pages)])
        del document.pages[count:]
        return document
    document = pikepdf.new()
    for _ in range(count):
        page = document.add_blank_page(page_size=A4)
        page.obj.Contents = document.make_stream(b"0 g 72 720 m 300 720 l S")
    return document


def _best(function, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _stamping(count: int) -> float:
    labels = [None] * 2 + [stamp.exhibit_label(1 + i // 10, 1 + i % 10) for i in range(count - 2)]
    times = []
    for _ in range(3):
        document = _pages(count)
        start = time.perf_counter()
        stamper = stamp.Stamper()
        font = pdf._embed_stamp_font(document, stamper.font)
        plate = document.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, ca=0.85))
        opener = document.make_stream(b"q\n")
        for number, (page, label) in enumerate(zip(document.pages, labels, strict=True), start=1):
            pdf._stamp_page(page, number, label, stamper, font, plate, opener, document.make_stream, fit_a4=False)
        times.append(time.perf_counter() - start)
        document.close()
    return min(times)


def _scans(path: Path, count: int) -> Path:
    pages = []
    for number in range(count):
        image = Image.new("L", (2480, 3508), 248)
        draw = ImageDraw.Draw(image)
        for row in range(300, 3200, 60):
            draw.text((250, row), f"page {number} line {row} of a scanned contract " * 4, fill=20)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        pages.append(buffer.getvalue())
    path.write_bytes(img2pdf.convert(pages, layout_fun=img2pdf.get_layout_fun(A4)))
    return path


def _room(name: str, source: Path, folder: Path) -> None:
    exhibit = folder / "exhibit.pdf"
    pages = pdf.write_exhibit([(source, source)], exhibit)

    def once() -> None:
        pdf.write_exhibit([(source, source)], exhibit)
        pdf.make_room_for_stamps(exhibit)

    written = _best(lambda: pdf.write_exhibit([(source, source)], exhibit))
    both = _best(once)
    pdf.write_exhibit([(source, source)], exhibit)
    placed = pdf.make_room_for_stamps(exhibit)
    print(f"  {name:28s}{1000 * (both - written) / pages:7.2f} ms a page "
          f"({pages} pages, {placed} placed anew; writing the exhibit {1000 * written / pages:.2f} ms a page)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="pages of the stamped bundle")
    arguments = parser.parse_args()
    seconds = _stamping(arguments.pages)
    print(f"stamping {arguments.pages} pages: {seconds:.3f} s, {1000 * seconds / arguments.pages:.3f} ms a page")
    print("making room for the stamps (when exhibits are prepared):")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if TEXT.is_file():
            _room("text (117-page sample)", TEXT, folder)
        _room("300 dpi JPEG scans", _scans(folder / "scans.pdf", 5), folder)
        photo = folder / "photo.jpg"
        Image.new("RGB", (4000, 3000), (30, 90, 40)).save(photo, "JPEG")
        photos = prepare_exhibit(1, "照片", [photo] * 10, folder / "photos").pdf
        _room("photos on A4 pages", photos, folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
