"""Supplementary evidence (legaldocs supplement, evidence.supplement.build_supplement): evidence
added to the case after its packet was filed becomes 补充证据材料 whose exhibit and page numbers
continue the filed bundle's (read from the stamps with pdftotext), the filed packet staying
byte for byte as it was; a second supplement continues the first.

The packet is the demo's, built once in a copy of examples/demo; each test adds evidence to its
own copy of the case file (files from ../shared/evidence-samples, skipped when absent).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from evidence.packet import build_packet
from evidence.supplement import build_supplement, read_filed
from legaldocs.documents.reproducible import verify_packet
from legaldocs.errors import LegalDocsError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
SAMPLES = ROOT / ".." / "shared" / "evidence-samples"
FOUR_PAGES = "004-pdflatex-4-pages_pdflatex-4-pages.pdf"
PHOTO = "007-imagemagick-images_smile.png"
PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")


def _hashes(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _case_with(folder: Path, lines: list[str], files: dict[str, str]) -> Path:
    """A copy of the demo case in ``folder`` with evidence ``lines`` appended (YAML flow mappings)
    and ``files`` (exhibit name -> sample file) beside its exhibits."""
    shutil.copytree(DEMO, folder)
    for name, sample in files.items():
        shutil.copyfile(SAMPLES / sample, folder / "exhibits" / name)
    case = folder / "case.yaml"
    case.write_text(case.read_text(encoding="utf-8").rstrip("\n") + "\n" + "".join(f"  - {line}\n" for line in lines),
                    encoding="utf-8")
    return case


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    """The demo packet, built from a copy of the demo, and the hashes of its files."""
    if not all((SAMPLES / name).is_file() for name in (FOUR_PAGES, PHOTO)):
        pytest.skip(f"../shared/evidence-samples not present: {SAMPLES} lacks {FOUR_PAGES} or {PHOTO}")
    root = tmp_path_factory.mktemp("filed")
    shutil.copytree(DEMO, root / "case")
    result = build_packet(root / "case" / "case.yaml", root / "out")
    return result, _hashes(result.folder)


NEW = ["{id: E12, title: 还款记录, files: [exhibits/12-repayments.pdf], purpose: 被告陈立最后一次还款的时间和金额, group: 补充事实}",
       "{id: E13, title: 抵押房屋现状照片, files: [exhibits/13-photo.png], purpose: 抵押房屋的现状}"]
NEW_FILES = {"12-repayments.pdf": FOUR_PAGES, "13-photo.png": PHOTO}


def test_supplement_continues_the_numbers_and_leaves_the_filed_packet_unchanged(filed, tmp_path):
    packet, before = filed
    case = _case_with(tmp_path / "case", NEW, NEW_FILES)
    result = build_supplement(case, packet.folder, tmp_path / "out")
    assert _hashes(packet.folder) == before, "the filed packet is byte for byte as it was"
    last_page = packet.bundle_pages
    assert (result.number, result.first_number, result.last_number) == (1, 12, 13)
    assert result.first_page == last_page + 1
    assert result.folder.name == "DEMO-2025-001-supplement-1"
    bundle = result.folder / "补充证据材料（一）.pdf"
    assert [v["file"] for v in result.volumes] == [bundle.name]
    # the index first, numbered on from the filed bundle; exhibit 12 (4 pages), then 13 (1 page)
    with pikepdf.open(bundle) as pdf:
        count = len(pdf.pages)
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        with pdf.open_outline() as outline:
            marks = [(item.title, pages[item.destination[0].objgen], [c.title for c in item.children])
                     for item in outline.root]
        links = [pages[annotation.A.D[0].objgen] for annotation in pdf.pages[0].obj.get("/Annots", [])]
    assert count == result.index_pages + 5 == result.last_page - result.first_page + 1
    for offset in range(count):
        assert PAGE_NUMBER.findall(_text(bundle, offset + 1)) == [str(result.first_page + offset)]
    first12 = result.index_pages + 1
    assert "证据12-1" in _text(bundle, first12) and "证据12-4" in _text(bundle, first12 + 3)
    assert "证据13-1" in _text(bundle, first12 + 4)
    assert marks == [("补充证据目录", 0, []), ("第一组　补充事实", first12 - 1, ["证据12 还款记录"]),
                     ("证据13 抵押房屋现状照片", first12 + 3, [])]
    assert sorted(links) == [first12 - 1, first12 + 3]
    index = re.sub(r"\s+", "", _text(result.folder / "补充证据目录.pdf"))
    assert f"证据序号自12起，页码自{last_page + 1}起" in index
    assert f"第{last_page + 1}页至第{result.last_page}页" in index
    assert f"{last_page + 2}-{last_page + 5}" in index
    # its own packet: verifiable, uploads, and a record of everything filed so far
    assert verify_packet(result.folder).ok
    assert sorted(p.name for p in (result.folder / "online-filing").iterdir()) == ["01-补充证据材料（一）.pdf"]
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert [e["evidence"] for e in manifest["exhibits"]] == ["E12", "E13"]
    assert len(manifest["evidence_filed"]["exhibits"]) == 13
    assert manifest["evidence_filed"]["last_page"] == result.last_page
    assert read_filed(result.folder).last_number == 13


def test_a_second_supplement_continues_the_first(filed, tmp_path):
    packet, before = filed
    case = _case_with(tmp_path / "case", NEW, NEW_FILES)
    first = build_supplement(case, packet.folder, tmp_path / "out")
    first_hashes = _hashes(first.folder)
    case.write_text(case.read_text(encoding="utf-8")
                    + "  - {id: E14, title: 催收电话录音文字记录, files: [exhibits/14-call.pdf], purpose: 再次催收}\n",
                    encoding="utf-8")
    shutil.copyfile(SAMPLES / FOUR_PAGES, case.parent / "exhibits" / "14-call.pdf")
    done = subprocess.run([sys.executable, "-m", "evidence.cli", "--lang", "en", "supplement", str(case),
                           "--filed", str(first.folder), "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    second = tmp_path / "out" / "DEMO-2025-001-supplement-2"
    assert f"exhibit 14, pages {first.last_page + 1}-{first.last_page + 5} (1 index page)" in done.stdout
    bundle = second / "补充证据材料（二）.pdf"
    assert PAGE_NUMBER.findall(_text(bundle, 1)) == [str(first.last_page + 1)]
    assert "证据14-1" in _text(bundle, 2)
    assert _hashes(first.folder) == first_hashes and _hashes(packet.folder) == before
    assert "补充证据材料（二）" in _text(second / "补充证据目录.pdf")


def test_nothing_new_to_supplement_is_refused(filed, tmp_path):
    packet, before = filed
    case = _case_with(tmp_path / "case", [], {})
    with pytest.raises(LegalDocsError, match="filed already|均已提交"):
        build_supplement(case, packet.folder, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert _hashes(packet.folder) == before


def test_a_filed_exhibit_changed_since_is_in_the_review_list(filed, tmp_path):
    packet, _before = filed
    case = _case_with(tmp_path / "case", NEW[1:], {"13-photo.png": PHOTO})
    (case.parent / "exhibits" / "10-lawyer-fee.pdf").write_bytes((SAMPLES / FOUR_PAGES).read_bytes())
    result = build_supplement(case, packet.folder, tmp_path / "out")
    assert (result.first_number, result.last_number) == (12, 12)
    texts = [item.text for item in result.review]
    assert any(text.startswith("证据11“委托代理合同及律师费发票”已于此前提交") for text in texts), texts
    assert "证据11“委托代理合同及律师费发票”已于此前提交" in (result.folder / "审查意见.md").read_text(encoding="utf-8")
