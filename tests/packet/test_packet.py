"""The filing packet of every example, checked by content: the text of the complaint, the
bundle's pages, bookmarks and index ranges, the manifest's hashes, the fonts, the fee."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from legaldocs.chinese import amount_in_capitals, format_amount
from legaldocs.filings.filing import build_filing
from legaldocs.case.model import NaturalPerson

from pdfcheck import example_params, fonts, outline, page_texts

# Acceptance fees the courts stated (real-cases.yaml); examples not listed state none exactly.
COURT_FEES = {"rc01": Decimal("1291"), "rc02": Decimal("910")}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _source_pages(path: Path) -> int | None:
    """Pages an exhibit file should take, counted independently of the bundle code."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return len(PdfReader(str(path)).pages)
    if suffix in (".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        with Image.open(path) as im:
            return getattr(im, "n_frames", 1)
    return None  # DOCX: pages depend on the layout engine


@pytest.mark.parametrize("case_path", example_params())
def test_complaint_states_parties_amounts_and_capitals(case_path, packets):
    loaded, result = packets(case_path)
    case = loaded.case
    text = _squash("".join(page_texts(result.folder / "民事起诉状.pdf")))
    assert "民事起诉状" in text
    assert case.creditor.name in text and case.court in text
    for ref in case.defendant_ids():
        party = case.party(ref)
        assert party.name in text
        assert (party.id_number if isinstance(party, NaturalPerson) else party.uscc) in text
    totals = build_filing(case).totals
    assert format_amount(totals.principal) in text
    assert amount_in_capitals(totals.principal) in text
    assert amount_in_capitals(totals.total) in text
    for guarantee in case.guarantees:
        assert ("连带清偿责任" if guarantee.kind.value == "连带责任保证" else "仍不能履行的部分") in text
    if case.collateral:
        assert "优先受偿权" in text
    assert "实际清偿之日止" in text


@pytest.mark.parametrize("case_path", example_params())
def test_bundle_pages_bookmarks_and_index_agree(case_path, packets):
    loaded, result = packets(case_path)
    case = loaded.case
    bundle = result.folder / "证据材料.pdf"
    index = result.folder / "证据目录.pdf"
    index_pages = len(PdfReader(str(index)).pages)
    texts = page_texts(bundle)
    marks = outline(bundle)
    exhibit_marks = [(t, p) for t, p in marks if t.startswith("证据") and t != "证据目录"]
    assert len(exhibit_marks) == len(case.evidence)
    assert marks[0] == ("证据目录", 1)

    starts = [p for _, p in exhibit_marks] + [len(texts) + 1]
    index_text = _squash("".join(page_texts(index)))
    for n, (item, (title, first)) in enumerate(zip(case.evidence, exhibit_marks), start=1):
        assert title == f"证据{n} {item.title}"
        last = starts[n] - 1
        pages = f"{first}-{last}" if last > first else str(first)
        assert pages in index_text, f"证据{n}: {pages} not in the index"
        expected = [_source_pages(p) for p in loaded.evidence_files[item.id]]
        if None not in expected:
            assert last - first + 1 == sum(expected), f"证据{n} {item.title}"
    # index pages + the exhibits' pages, nothing else
    assert exhibit_marks[0][1] == index_pages + 1
    assert len(texts) == result.bundle_pages == index_pages + sum(e["pages"] for e in result.exhibits)
    # the index in the bundle is the index file, every page carries its number (— n —), and each
    # exhibit page its label 证据N-k (exhibit N, its page k), the index pages none
    assert _squash(texts[0])[:20] == _squash(page_texts(index)[0])[:20]
    labels = {first + k: f"证据{n}-{k + 1}" for n, (_, first) in enumerate(exhibit_marks, start=1)
              for k in range(starts[n] - first)}
    for number, text in enumerate(texts, start=1):
        assert re.search(rf"—\s*{number}\s*—", text), f"page {number} carries no page number"
        found = re.findall(r"证据\d+-\d+", text)
        assert found == ([labels[number]] if number in labels else []), f"page {number}: labels {found}"
    total = f"共{len(texts)}页"
    assert total in index_text


@pytest.mark.parametrize("case_path", example_params())
def test_manifest_and_zip_match_the_files(case_path, packets):
    loaded, result = packets(case_path)
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == loaded.case.claim.as_of.isoformat()
    assert manifest["version"]
    outputs = {e["path"]: e for e in manifest["outputs"]}
    for name in ("民事起诉状.docx", "民事起诉状.pdf", "证据目录.docx", "证据目录.pdf", "证据材料.pdf",
                 "诉讼费用计算表.docx", "诉讼费用计算表.pdf"):
        entry = outputs[name]
        data = (result.folder / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
    base = Path(manifest["inputs_relative_to"])
    assert len(manifest["inputs"]) == 1 + sum(len(i.files) for i in loaded.case.evidence)
    for entry in manifest["inputs"]:
        data = (base / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    zip_path = result.folder / "packet.zip"
    digest = (result.folder / "packet.zip.sha256").read_text().split()[0]
    assert digest == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    with zipfile.ZipFile(zip_path) as zf:
        names = {n.split("/", 1)[1] for n in zf.namelist()}
        assert set(outputs) | {"manifest.json"} <= names
        inner = zf.read(f"{loaded.case.case_id}/证据材料.pdf")
        assert inner == (result.folder / "证据材料.pdf").read_bytes()
    assert not [p for p in result.folder.parent.iterdir() if p.name.startswith(".")], "staging left behind"


@pytest.mark.parametrize("case_path", example_params())
def test_generated_pdfs_embed_every_font(case_path, packets):
    _, result = packets(case_path)
    for name in ("民事起诉状.pdf", "证据目录.pdf", "诉讼费用计算表.pdf"):
        used = fonts(result.folder / name)
        assert used, name
        assert all(embedded for _, embedded in used), (name, used)
        assert any("CJK" in font or "Song" in font or "Hei" in font for font, _ in used), (name, used)


@pytest.mark.parametrize("case_path", example_params())
def test_fee_and_its_computation(case_path, packets):
    loaded, result = packets(case_path)
    fee = result.fee
    totals = build_filing(loaded.case).totals
    assert fee.amount == totals.total
    court = COURT_FEES.get(case_path.parent.name)
    if court is not None:
        assert fee.fee == court
    sheet = _squash("".join(page_texts(result.folder / "诉讼费用计算表.pdf")))
    places = 0 if fee.rounding == "yuan" else 2
    assert format_amount(fee.fee, places=places) in sheet
    assert "诉讼费用交纳办法第十三条" in sheet
    assert amount_in_capitals(fee.fee) in sheet


BASE14 = re.compile(r"^/?(Helvetica|Times|Courier|Symbol|ZapfDingbats)")


@pytest.mark.parametrize("case_path", example_params())
def test_bundle_fonts_render_chinese(case_path, packets):
    """Our own pages (index, page numbers) embed every font; the only unembedded fonts an exhibit
    may bring are the standard Latin ones every reader has, never a CJK font."""
    _, result = packets(case_path)
    used = fonts(result.folder / "证据材料.pdf")
    missing = [name for name, embedded in used if not embedded]
    assert all(BASE14.match(name) for name in missing), missing
    index_fonts = fonts(result.folder / "证据目录.pdf")
    assert all(embedded for _, embedded in index_fonts)
