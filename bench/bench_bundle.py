"""Benchmark of the evidence bundle: prints seconds and pages per second.

    .venv/bin/python bench/bench_bundle.py [--copies N]

Uses the real files in ../shared/evidence-samples (from the project root) and LibreOffice for
the 证据目录. Figures:

* preparing one exhibit per sample file, and the whole bundle of them;
* a large bundle: the 117-page sample as N exhibits (default 10, i.e. 1170 pages);
* images: 20 phone-sized JPEG photos (4000x3000) and 5 scans needing downscaling.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import docx
from PIL import Image, ImageDraw

from evidence import assemble_bundle, prepare_exhibit
from legaldocs.documents.office import docx_to_pdf

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "evidence-samples"
BIG = "009-pdflatex-geotopo_GeoTopo-komprimiert.pdf"


def _index(folder: Path, lines: list[str]) -> Path:
    document = docx.Document()
    document.add_heading("证据目录", level=1)
    for line in lines:
        document.add_paragraph(line)
    document.save(folder / "index.docx")
    return docx_to_pdf([folder / "index.docx"], folder / "index")[0]


def _timed(function):
    start = time.perf_counter()
    value = function()
    seconds = time.perf_counter() - start
    return value, seconds


def _report(label: str, result, seconds: float) -> None:
    size_mb = result.path.stat().st_size / 1e6
    print(f"{label:32s}{seconds:6.2f} s  ({result.page_count} pages, "
          f"{result.page_count / seconds:6.0f} pages/s, {size_mb:.1f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="exhibits in the large bundle")
    arguments = parser.parse_args()
    if not SAMPLES.is_dir():
        print(f"../shared/evidence-samples not present ({SAMPLES}); nothing to measure")
        return 1
    kinds = (".pdf", ".jpg", ".png", ".tiff")
    samples = sorted(path for path in SAMPLES.iterdir() if path.suffix in kinds)
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as scratch:
        root = Path(scratch)
        index, seconds = _timed(lambda: _index(root, ["证据1"]))
        print(f"证据目录 via LibreOffice:        {seconds:6.2f} s")

        start = time.perf_counter()
        exhibits = [
            prepare_exhibit(number, path.stem, [path], root / "work")
            for number, path in enumerate(samples, start=1)
        ]
        prepared = time.perf_counter() - start
        pages = sum(exhibit.page_count for exhibit in exhibits)
        print(f"prepare {len(exhibits)} sample exhibits:   {prepared:6.2f} s  ({pages} pages, "
              f"{pages / prepared:6.0f} pages/s)")
        result, seconds = _timed(lambda: assemble_bundle(index, exhibits, root / "all.pdf"))
        _report("assemble all samples:", result, seconds)

        big = [
            prepare_exhibit(number, "大文件", [SAMPLES / BIG], root / "big")
            for number in range(1, arguments.copies + 1)
        ]
        result, seconds = _timed(lambda: assemble_bundle(index, big, root / "large.pdf"))
        _report(f"assemble {arguments.copies} x the 117-page file:", result, seconds)

        photos = []
        for number in range(20):
            photo = Image.new("RGB", (4000, 3000), (30 + number * 10, 120, 200))
            ImageDraw.Draw(photo).ellipse((500, 500, 3500, 2500), fill=(240, 220, 10))
            photo.save(root / f"photo-{number:02d}.jpg", quality=85)
            photos.append(root / f"photo-{number:02d}.jpg")
        _, seconds = _timed(lambda: prepare_exhibit(1, "照片", photos, root / "photos"))
        print(f"prepare 20 photos 4000x3000:    {seconds:6.2f} s  ({20 / seconds:6.1f} images/s)")

        scans = []
        for number in range(5):
            scan = Image.new("L", (9920, 14032), 255)  # A4 at 1200 dpi
            ImageDraw.Draw(scan).rectangle((1000, 1000, 8000, 3000), fill=0)
            scan.save(root / f"scan-{number}.png")
            scans.append(root / f"scan-{number}.png")
        _, seconds = _timed(lambda: prepare_exhibit(1, "扫描件", scans, root / "scans"))
        print(f"prepare 5 scans 9920x14032 PNG: {seconds:6.2f} s  ({5 / seconds:6.2f} images/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
