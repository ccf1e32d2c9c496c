"""Bundle speed and memory at scale, side by side with a plain qpdf merge and a plain pikepdf merge.

    .venv/bin/python bench/bench_bundle_scale.py [--sizes 100,500,2000] [--scan-mb 1000] [--repeat 3] [--profile N]

For each size (pages in the bundle, index included) the same prepared exhibit PDFs are merged three
ways, each in its own child process:

* ``qpdf``: ``qpdf --empty --pages index.pdf exhibit... -- out.pdf`` (Debian package qpdf; the
  column is skipped with a message when it is not installed);
* ``pikepdf``: a plain pikepdf merge that stamps a page number on every page (one shared
  Helvetica) and adds one bookmark per exhibit;
* ``bundle``: :func:`evidence.assemble_bundle` (normalising, numbering in an embedded font, outline).

Printed per case: seconds of the merge itself (the child's interpreter start-up and imports not
counted; the least of ``--repeat`` runs, the three kinds taking turns, so that a machine busy
with other work disturbs the ratios less), the ratio to qpdf, the bundle's size, and each child's peak resident memory (``ru_maxrss``
of that child alone, from ``os.wait4``; the Python children include the interpreter and pikepdf,
whose floor is printed as ``idle``).

The exhibits are real files (../shared/evidence-samples, from the project root) and generated
200 dpi greyscale JPEG scans, each prepared once with :func:`evidence.prepare_exhibit` and then
linked under new names as often as a size needs, so every exhibit is a separate file as in a
real bundle. The ``scans`` case is about ``--scan-mb`` megabytes (1000: 1 GB) of generated
300 dpi colour JPEG scans.

``--profile N``: also profile ``assemble_bundle`` on the N-page case in this process (cProfile,
top functions by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "evidence-samples"
SAMPLE_KINDS = (".pdf", ".jpg", ".png", ".tiff")
TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time, for qpdf's peak memory


# -- making the inputs -------------------------------------------------------------------------------


def _scan(path: Path, size: tuple[int, int], seed: int, *, colour: bool, quality: int) -> Path:
    """A scan-like JPEG: paper grain, lines of 'text' and a stamp, different for every seed."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = size
    grain = Image.effect_noise(size, 18).point(lambda v: 225 + (v - 128) // 6)
    page = grain.convert("RGB") if colour else grain
    draw = ImageDraw.Draw(page)
    ink = (20, 20, 30) if colour else 25
    line_height = height // 60
    for row in range(6, 54):
        x = width // 10
        y = row * line_height
        while x < width * 9 // 10:
            word = rng.randint(width // 60, width // 12)
            draw.rectangle((x, y, x + word, y + line_height // 2), fill=ink)
            x += word + width // 80
    if colour:
        centre = (rng.randint(width // 2, width * 4 // 5), rng.randint(height * 3 // 4, height * 9 // 10))
        radius = width // 10
        draw.ellipse((centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
                     outline=(200, 30, 30), width=width // 150)
    page = page.filter(ImageFilter.GaussianBlur(1))
    page.save(path, quality=quality, dpi=(300, 300) if colour else (200, 200))
    return path


def _index_pdf(folder: Path) -> Path:
    import docx

    from legaldocs.documents.office import docx_to_pdf

    document = docx.Document()
    document.add_heading("证据目录", level=1)
    for number in range(1, 31):
        document.add_paragraph(f"证据{number}　借款合同及借据　第{number}页")
    document.save(folder / "index.docx")
    return docx_to_pdf([folder / "index.docx"], folder / "index")[0]


def _pool(root: Path) -> list[dict]:
    """Prepared exhibits to draw from: every sample file and 20 generated scans (one per exhibit)."""
    from evidence import prepare_exhibit

    sources = sorted(path for path in SAMPLES.iterdir() if path.suffix in SAMPLE_KINDS)
    scans_dir = root / "scans"
    scans_dir.mkdir()
    sources += [_scan(scans_dir / f"scan-{n:02d}.jpg", (1654, 2339), n, colour=False, quality=80) for n in range(20)]
    pool = []
    for number, source in enumerate(sources, start=1):
        exhibit = prepare_exhibit(number, source.stem, [source], root / "pool")
        pool.append({"pdf": str(exhibit.pdf), "pages": exhibit.page_count, "title": source.stem})
    # small exhibits first, so that every size can be filled exactly
    pool.sort(key=lambda item: (item["pages"], item["title"]))
    return pool


def _fill(pool: list[dict], pages: int, folder: Path) -> list[dict]:
    """Exhibits summing to ``pages`` pages, cycling through the pool, each a link under a new name."""
    folder.mkdir()
    chosen = []
    remaining = pages
    position = 0
    misses = 0
    while remaining > 0:
        item = pool[position % len(pool)]
        position += 1
        if item["pages"] > remaining:
            misses += 1
            if misses > len(pool):
                raise SystemExit(f"cannot fill {pages} pages from the pool")
            continue
        misses = 0
        link = folder / f"exhibit-{len(chosen) + 1:05d}.pdf"
        os.link(item["pdf"], link)
        chosen.append({"pdf": str(link), "pages": item["pages"], "title": item["title"]})
        remaining -= item["pages"]
    return chosen


def _scan_case(root: Path, megabytes: int) -> list[dict]:
    """About ``megabytes`` MB of A4 colour scans at 300 dpi, one scan per exhibit."""
    from evidence import prepare_exhibit

    folder = root / "big-scans"
    folder.mkdir()
    distinct = []
    for n in range(8):
        jpeg = _scan(folder / f"big-{n}.jpg", (2480, 3508), 100 + n, colour=True, quality=92)
        exhibit = prepare_exhibit(n + 1, jpeg.stem, [jpeg], folder / "prepared")
        distinct.append(exhibit.pdf)
    chosen = []
    total = 0
    while total < megabytes * 1_000_000:
        source = distinct[len(chosen) % len(distinct)]
        link = folder / f"exhibit-{len(chosen) + 1:05d}.pdf"
        os.link(source, link)
        chosen.append({"pdf": str(link), "pages": 1, "title": f"扫描件{len(chosen) + 1}"})
        total += link.stat().st_size
    return chosen


# -- the three merges (run in child processes) -------------------------------------------------------


def _merge_pikepdf(plan: dict) -> None:
    import pikepdf
    from pikepdf import Dictionary, Name

    out = pikepdf.new()
    sources = []
    bookmarks = [("证据目录", 0)]
    for number, path in enumerate([plan["index"]] + [e["pdf"] for e in plan["exhibits"]]):
        source = pikepdf.open(path)
        sources.append(source)
        if number:
            bookmarks.append((f"证据{number} {plan['exhibits'][number - 1]['title']}", len(out.pages)))
        out.pages.extend(source.pages)
    font = out.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for number, page in enumerate(out.pages, start=1):
        page.add_resource(font, Name.Font, name=Name.Stamp)
        width = float(page.mediabox[2])
        page.contents_add(f"q BT /Stamp 10 Tf {width / 2 - 10:.2f} 17 Td (- {number} -) Tj ET Q".encode())
    with out.open_outline() as outline:
        for title, page in bookmarks:
            outline.root.append(pikepdf.OutlineItem(title, page))
    out.save(plan["out"])
    for source in sources:
        source.close()


def _merge_bundle(plan: dict) -> None:
    from evidence import PreparedExhibit, assemble_bundle

    exhibits = [PreparedExhibit(n, e["title"], Path(e["pdf"]), e["pages"], (Path(e["pdf"]),))
                for n, e in enumerate(plan["exhibits"], start=1)]
    assemble_bundle(Path(plan["index"]), exhibits, Path(plan["out"]))


def _child(kind: str, plan_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    import pikepdf  # noqa: F401 - imports are not timed
    import evidence.bundle  # noqa: F401

    start = time.perf_counter()
    if kind == "pikepdf":
        _merge_pikepdf(plan)
    elif kind == "bundle":
        _merge_bundle(plan)
    print(json.dumps({"seconds": time.perf_counter() - start, "peak_mib": _own_peak_mib()}))


def _own_peak_mib() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _run(command: list[str]) -> tuple[float, str]:
    """Run a child; return (wall seconds, stdout)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def _measure(kind: str, plan: dict, plan_path: Path) -> tuple[float, float]:
    """(seconds, peak MiB) of one merge in a child process."""
    if kind == "qpdf":
        command = ["qpdf", "--empty", "--pages", plan["index"], *[e["pdf"] for e in plan["exhibits"]],
                   "--", plan["out"]]
        if TIME is None:
            return _run(command)[0], float("nan")
        report = plan_path.with_name("time.txt")
        seconds = _run([TIME, "-f", "%M", "-o", str(report), *command])[0]
        return seconds, int(report.read_text().split()[-1]) / 1024
    text = _run([sys.executable, __file__, "--child", kind, str(plan_path)])[1]
    figures = json.loads(text.strip().splitlines()[-1])
    return figures["seconds"], figures["peak_mib"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,2000", help="bundle sizes in pages, comma-separated")
    parser.add_argument("--scan-mb", type=int, default=1000, help="megabytes of scans in the scans case (0: skip)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each merge; the fastest is shown")
    parser.add_argument("--profile", type=int, default=0, help="profile assemble_bundle on this size")
    parser.add_argument("--keep", type=Path, help="keep the inputs and outputs in this folder")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PLAN"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        _child(*arguments.child)
        return 0
    if not SAMPLES.is_dir():
        print(f"../shared/evidence-samples not present ({SAMPLES}); nothing to measure")
        return 1
    kinds = ["qpdf", "pikepdf", "bundle"]
    if shutil.which("qpdf") is None:
        print("qpdf not installed (Debian package qpdf): the qpdf column is skipped")
        kinds.remove("qpdf")
    elif TIME is None:
        print("/usr/bin/time not installed (Debian package time): qpdf's memory is not measured")
    sizes = [int(size) for size in arguments.sizes.split(",") if size]
    root = Path(tempfile.mkdtemp(prefix="bench-scale-")) if arguments.keep is None else arguments.keep
    root.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        from evidence import pdf_page_count

        index = _index_pdf(root)
        index_pages = pdf_page_count(index)
        pool = _pool(root)
        cases = [(f"{size} pages", _fill(pool, size - index_pages, root / f"case-{size}")) for size in sizes]
        if arguments.scan_mb:
            cases.append((f"{arguments.scan_mb} MB scans", _scan_case(root, arguments.scan_mb)))
        print(f"inputs prepared in {time.perf_counter() - start:.1f} s ({len(pool)} distinct exhibits)")
        idle = json.loads(_run([sys.executable, "-c", "import pikepdf, evidence.bundle, json, sys; "
                                "sys.path.insert(0, %r); import bench_bundle_scale as b; "
                                "print(json.dumps(b._own_peak_mib()))" % str(Path(__file__).parent)])[1])
        print(f"idle: a Python child importing pikepdf and evidence.bundle peaks at {idle:.0f} MiB")
        header = f"{'case':16s}{'pages':>6s}{'files':>6s}{'MB in':>8s}"
        for kind in kinds:
            header += f"{kind + ' s':>11s}" + ("" if kind == "qpdf" else f"{'x qpdf':>7s}")
        header += "".join(f"{kind + ' MiB':>13s}" for kind in kinds) + f"{'MB out':>8s}"
        print(header)
        for label, exhibits in cases:
            pages = index_pages + sum(e["pages"] for e in exhibits)
            size_in = sum(Path(e["pdf"]).stat().st_size for e in exhibits) / 1e6
            row = f"{label:16s}{pages:6d}{len(exhibits):6d}{size_in:8.1f}"
            memory = ""
            qpdf_seconds = None
            size_out = 0.0
            figures: dict[str, tuple[float, float]] = {}
            for _run_number in range(max(arguments.repeat, 1)):
                for kind in kinds:
                    out = root / f"out-{kind}.pdf"
                    plan = {"index": str(index), "exhibits": exhibits, "out": str(out)}
                    plan_path = root / f"plan-{kind}.json"
                    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
                    seconds, rss = _measure(kind, plan, plan_path)
                    best = figures.get(kind, (seconds, rss))
                    figures[kind] = (min(seconds, best[0]), max(rss, best[1]))
            for kind in kinds:
                out = root / f"out-{kind}.pdf"
                seconds, rss = figures[kind]
                if kind == "qpdf":
                    qpdf_seconds = seconds
                    row += f"{seconds:11.2f}"
                else:
                    ratio = f"{seconds / qpdf_seconds:7.1f}" if qpdf_seconds else f"{'-':>7s}"
                    row += f"{seconds:11.2f}{ratio}"
                memory += f"{rss:13.0f}"
                if kind == "bundle":
                    size_out = out.stat().st_size / 1e6
                out.unlink()
            print(row + memory + f"{size_out:8.1f}", flush=True)
        if arguments.profile:
            exhibits = next((e for label, e in cases if label == f"{arguments.profile} pages"), None)
            if exhibits is None:
                exhibits = _fill(pool, arguments.profile - index_pages, root / "case-profile")
            plan = {"index": str(index), "exhibits": exhibits, "out": str(root / "out-profile.pdf")}
            import evidence.bundle  # noqa: F401 - imports are not profiled

            profiler = cProfile.Profile()
            profiler.runcall(_merge_bundle, plan)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        if arguments.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
