"""Every exhibit file the product once got wrong (../shared/cases/found/exhibits/, whose README gives
the expected behaviour) and every real sample (../shared/evidence-samples/) as an exhibit of a copy
of the demo case, each with its expected outcome.

Accepted files go into one packet: the bundle holds each with its pages, every PDF of the packet
has every font embedded, and what was done to a file is in the review list. Refused files go into
another: the packet fails with one problem per file, naming the file and why; nothing is written.
Skipped with a message when ../shared is absent.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pikepdf
import pytest
import yaml

from evidence.packet import build_packet
from legaldocs.errors import CaseValidationError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
FOUND = ROOT.parent / "shared" / "cases" / "found" / "exhibits"
SAMPLES = ROOT.parent / "shared" / "evidence-samples"

# file: pages it must have in the bundle, and the review-list words that must name it (None: none needed)
ACCEPTED_FOUND = {
    "cmyk.tiff": (1, None),
    "highlight-without-appearance.pdf": (1, "highlight-without-appearance.pdf"),
    "text-at-bottom-edge.pdf": (1, None),
    "unembedded-helvetica.pdf": (1, "unembedded-helvetica.pdf"),
}
# file: words its refusal must contain besides the file name
REFUSED_FOUND = {
    "truncated.pdf": ("4",),  # the page count the file declares
    "flate-bomb.pdf": (),
    "broken.pdf": (),
}
# slow.pdf is "within the budget, or refused by it": either outcome, in bounded time (below)


def _need(folder: Path) -> None:
    if not folder.is_dir():
        pytest.skip(f"../shared not present: {folder} is missing")


def _case(tmp_path: Path, files: list[Path], name: str = "case.yaml") -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    for n, path in enumerate(files, start=1):
        data["evidence"].append({"id": f"X{n}", "title": f"补充材料{n}（{path.stem[:20]}）", "files": [str(path)],
                                 "purpose": "证明有关事实", "group": "其他"})
    case = tmp_path / name
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return case


def _samples() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".pdf", ".jpg", ".png", ".tiff"))


def _unembedded(path: Path) -> list[str]:
    from evidence import unembedded_fonts

    return unembedded_fonts(path)


@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    _need(FOUND)
    _need(SAMPLES)
    tmp = tmp_path_factory.mktemp("found-accepted")
    files = [FOUND / name for name in ACCEPTED_FOUND] + _samples()
    case = _case(tmp, files)
    result = build_packet(case, tmp / "out", filing_date=dt.date(2025, 7, 10))
    return files, result


def test_every_accepted_file_is_in_the_bundle_with_its_pages(accepted):
    files, result = accepted
    exhibits = {e["title"]: e for e in result.exhibits}
    with pikepdf.open(result.folder / "证据材料.pdf") as bundle:
        assert len(bundle.pages) == result.bundle_pages
    for n, path in enumerate(files, start=1):
        title = f"补充材料{n}（{path.stem[:20]}）"
        assert title in exhibits, title
        if path.name in ACCEPTED_FOUND:
            assert exhibits[title]["pages"] == ACCEPTED_FOUND[path.name][0], path.name
        elif path.suffix.lower() == ".pdf":
            with pikepdf.open(path) as original:
                assert exhibits[title]["pages"] == len(original.pages), path.name


def test_every_pdf_of_the_packet_has_every_font_embedded(accepted):
    _, result = accepted
    pdfs = sorted(result.folder.rglob("*.pdf"))
    assert len(pdfs) > 5
    for pdf in pdfs:
        assert _unembedded(pdf) == [], pdf.name


def test_what_was_done_to_a_file_is_in_the_review_list(accepted):
    _, result = accepted
    review = json.loads((result.folder / "审查意见.json").read_text(encoding="utf-8"))
    texts = "\n".join(item["text"] for item in review)
    for name, (_, words) in ACCEPTED_FOUND.items():
        if words:
            assert words in texts, name


def test_refused_files_are_each_named_with_the_reason(tmp_path):
    _need(FOUND)
    files = [FOUND / name for name in REFUSED_FOUND]
    case = _case(tmp_path, files)
    out = tmp_path / "out"
    start = time.monotonic()
    with pytest.raises(CaseValidationError) as raised:
        build_packet(case, out, filing_date=dt.date(2025, 7, 10))
    assert time.monotonic() - start < 120
    message = str(raised.value)
    for name, words in REFUSED_FOUND.items():
        line = next((line for line in message.splitlines() if name in line), None)
        assert line is not None, f"{name} not named in: {message}"
        for word in words:
            assert word in line, (name, word, line)
    assert not out.exists() or not any(out.iterdir())


def test_slow_pdf_is_bundled_or_refused_within_the_budget(tmp_path):
    _need(FOUND)
    case = _case(tmp_path, [FOUND / "slow.pdf"])
    start = time.monotonic()
    try:
        result = build_packet(case, tmp_path / "out", filing_date=dt.date(2025, 7, 10))
    except CaseValidationError as exc:
        assert "slow.pdf" in str(exc)
    else:
        assert any(e["title"].startswith("补充材料1") for e in result.exhibits)
    assert time.monotonic() - start < 120
