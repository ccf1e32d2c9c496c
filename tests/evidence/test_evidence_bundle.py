"""evidence.assemble_bundle: the whole bundle from real sample files, checked by content.

The bundle is built once per module from ../shared/evidence-samples (skipped with a message
when absent), a Word exhibit with Chinese text, and a 证据目录 rendered by LibreOffice.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import pikepdf
import pytest
from pypdf import PdfReader

from evidence import (
    BundleEntry,
    BundleError,
    EvidenceError,
    ExhibitError,
    PreparedExhibit,
    assemble_bundle,
    page_ranges,
    pdf_page_count,
    prepare_exhibit,
    unembedded_fonts,
)
from legaldocs.errors import ConversionError
from legaldocs.documents.office import docx_to_pdf

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "evidence-samples"
CONTRACT_LINE = "借款金额：人民币壹佰万元整"
EXHIBITS = [
    ("借款合同", ["@contract.docx"]),
    ("PDF单页与多页", ["001-trivial_minimal-document.pdf", "004-pdflatex-4-pages_pdflatex-4-pages.pdf"]),
    ("带书签的文件", ["006-pdflatex-outline_pdflatex-outline.pdf"]),
    ("照片与扫描件", ["003-pdflatex-image_image.jpg", "007-imagemagick-images_smile.png",
                "007-imagemagick-images_smile.tiff"]),
    ("传真件", ["007-imagemagick-images_imagemagick-CCITTFaxDecode.pdf"]),
    ("表单", ["010-pdflatex-forms_pdflatex-forms.pdf"]),
    ("旋转页", ["015-arabic_habibi-rotated.pdf"]),
    ("其他", ["011-google-doc-document_google-doc-document.pdf",
            "019-grayscale-image_grayscale-image.pdf", "021-pdfa_crazyones-pdfa.pdf",
            "023-cmyk-image_cmyk-image.pdf", "026-latex-multicolumn_multicolumn.pdf"]),
    ("大文件", ["009-pdflatex-geotopo_GeoTopo-komprimiert.pdf"]),
]
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)
# Bottom strip of a page in which the page number must be found, in points.
STAMP_STRIP = 40


def _require_samples() -> None:
    missing = [name for _, names in EXHIBITS for name in names
               if not name.startswith("@") and not (SAMPLES / name).is_file()]
    if missing:
        pytest.skip(f"../shared/evidence-samples not present: {SAMPLES} lacks {missing[0]}")


def _docx(path: Path, heading: str, lines: list[str]) -> Path:
    document = docx.Document()
    document.add_heading(heading, level=1)
    for line in lines:
        document.add_paragraph(line)
    document.save(path)
    return path


def _render_pdf(source: Path, out_dir: Path) -> Path:
    try:
        return docx_to_pdf([source], out_dir)[0]
    except ConversionError as exc:
        pytest.fail(f"LibreOffice is needed for this test: {exc}")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    _require_samples()
    root = tmp_path_factory.mktemp("bundle")
    contract = _docx(root / "contract.docx", "个人借款合同", ["借款人：张三", CONTRACT_LINE])
    exhibits = []
    for number, (title, names) in enumerate(EXHIBITS, start=1):
        files = [contract if name == "@contract.docx" else SAMPLES / name for name in names]
        exhibits.append(prepare_exhibit(number, title, files, root / "work"))
    lines = [f"证据{exhibit.number}  {exhibit.title}" for exhibit in exhibits]
    index = _render_pdf(_docx(root / "index.docx", "证据目录", lines), root / "index")
    result = assemble_bundle(index, exhibits, root / "out" / "证据材料.pdf")
    return result, exhibits, index


def _bbox_pages(pdf: Path) -> list[tuple[Decimal, Decimal, list[tuple]]]:
    """Per page: (width, height, words as (text, xMin, yMin, xMax, yMax)), y from the top."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = []
    for match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html,
                             flags=re.S):
        words = [
            (text, *(Decimal(value) for value in box))
            for *box, text in re.findall(WORD, match.group(3))
        ]
        pages.append((Decimal(match.group(1)), Decimal(match.group(2)), words))
    return pages


def _fonts(resources, seen: set) -> list[tuple[str, bool]]:
    """(name, embedded) of every font reachable from a pypdf resources dictionary."""
    found = []
    if resources is None:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if id(font) in seen:
            continue
        seen.add(id(font))
        subtype = font.get("/Subtype")
        if subtype == "/Type3":
            found.append((str(font.get("/BaseFont", "Type3")), True))
            continue
        target = font["/DescendantFonts"][0].get_object() if subtype == "/Type0" else font
        descriptor = target.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        found.append((str(font.get("/BaseFont")).lstrip("/"), embedded))
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            found += _fonts(xobject.get("/Resources"), seen)
    return found


# -- structure -----------------------------------------------------------------------------------


def test_page_count_is_index_plus_exhibits(built):
    result, exhibits, index = built
    assert result.index_pages == pdf_page_count(index) >= 1
    assert result.page_count == result.index_pages + sum(e.page_count for e in exhibits)
    assert pdf_page_count(result.path) == result.page_count
    assert list(result.entries) == page_ranges(exhibits, result.index_pages)


def test_entries_are_continuous(built):
    result, exhibits, _ = built
    expected_first = result.index_pages + 1
    for entry, exhibit in zip(result.entries, exhibits, strict=True):
        assert (entry.number, entry.title, entry.page_count) == (
            exhibit.number, exhibit.title, exhibit.page_count)
        assert entry.first_page == expected_first
        assert entry.last_page == entry.first_page + entry.page_count - 1
        expected_first = entry.last_page + 1
    assert result.entries[-1].last_page == result.page_count


def test_outline_titles_and_targets_match_the_entries(built):
    result, _, _ = built
    reader = PdfReader(result.path)
    outline = reader.outline
    # Flat: one bookmark for the index, one per exhibit; the samples' own outlines are gone.
    assert all(not isinstance(item, list) for item in outline)
    found = [(item.title, reader.get_destination_page_number(item) + 1) for item in outline]
    expected = [("证据目录", 1)] + [
        (f"证据{entry.number} {entry.title}", entry.first_page) for entry in result.entries
    ]
    assert found == expected
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_every_page_carries_its_number_upright_at_the_bottom_centre(built):
    result, _, _ = built
    pages = _bbox_pages(result.path)
    assert len(pages) == result.page_count
    for number, (width, height, words) in enumerate(pages, start=1):
        bottom = [word for word in words if word[2] > height - STAMP_STRIP]
        hits = [word for word in bottom if word[0] == str(number)]
        assert len(hits) == 1, f"page {number}: {bottom}"
        _, x_min, y_min, x_max, y_max = hits[0]
        assert abs((x_min + x_max) / 2 - width / 2) < 2, f"page {number} not centred"
        assert x_max - x_min > y_max - y_min or len(str(number)) == 1
        # Upright: the dashes either side sit on the same line, left and right of the number.
        dashes = [word for word in bottom if word[0] == "—" and abs(word[2] - y_min) < 1]
        assert [d[1] < x_min for d in dashes] == [True, False], f"page {number}: {bottom}"


def test_rotated_pages_are_upright_and_landscape(built):
    result, _, _ = built
    entry = next(entry for entry in result.entries if entry.title == "旋转页")
    reader = PdfReader(result.path)
    for page in reader.pages:
        assert page.rotation == 0
    sizes = [(reader.pages[i].mediabox.width, reader.pages[i].mediabox.height)
             for i in range(entry.first_page - 1, entry.last_page)]
    assert any(width > height for width, height in sizes)


def test_forms_and_annotations_are_gone(built):
    result, _, _ = built
    with pikepdf.open(result.path) as document:
        assert pikepdf.Name.AcroForm not in document.Root
        for page in document.pages:
            assert pikepdf.Name.Annots not in page.obj


def test_the_word_exhibit_s_chinese_text_is_in_the_bundle(built):
    result, _, _ = built
    entry = result.entries[0]
    text = subprocess.run(
        ["pdftotext", "-f", str(entry.first_page), "-l", str(entry.last_page),
         str(result.path), "-"],
        check=True, capture_output=True, text=True,
    ).stdout
    assert CONTRACT_LINE in text and "个人借款合同" in text


# -- fonts ---------------------------------------------------------------------------------------


def test_stamps_and_index_use_only_embedded_fonts(built):
    result, exhibits, _ = built
    reader = PdfReader(result.path)
    allowed = set()
    for exhibit in exhibits:
        allowed |= set(unembedded_fonts(exhibit.pdf))
    index_pages = range(result.index_pages)
    for number, page in enumerate(reader.pages):
        fonts = _fonts(page.get("/Resources"), set())
        assert any("NotoSansCJKsc" in name and embedded for name, embedded in fonts), (
            f"page {number + 1}: no embedded stamp font in {fonts}")
        for name, embedded in fonts:
            if number in index_pages:
                assert embedded, f"index page {number + 1}: {name} not embedded"
            else:
                assert embedded or name in allowed, f"page {number + 1}: {name} not embedded"
    # Nothing is unembedded in the bundle: the samples embed their fonts, and the Helvetica and
    # ZapfDingbats of the flattened form's field appearances get embedded substitutes.
    assert unembedded_fonts(result.path) == [] and not allowed
    form = next(e for e in exhibits if e.title == "表单")
    substituted = " ".join(n.text for n in form.notes if n.kind == "font-substituted")
    assert "Helvetica" in substituted and "ZapfDingbats" in substituted


def test_unembedded_fonts_reports_base14_fonts(tmp_path):
    assert unembedded_fonts(_base14_pdf(tmp_path / "base14.pdf")) == ["Helvetica"]


def _base14_pdf(path: Path, pages: int = 1) -> Path:
    document = pikepdf.new()
    font = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    for _ in range(pages):
        page = document.add_blank_page(page_size=(595, 842))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = document.make_stream(b"BT /F1 20 Tf 72 720 Td (Index) Tj ET")
    document.save(path)
    return path


# -- output properties ---------------------------------------------------------------------------


def test_same_input_gives_the_same_bytes(built, tmp_path):
    result, exhibits, index = built
    again = assemble_bundle(index, exhibits, tmp_path / "again.pdf")
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    assert digest(again.path) == digest(result.path)
    assert again.entries == result.entries


def test_bundle_is_written_alone_in_its_folder(built):
    result, _, _ = built
    assert sorted(entry.name for entry in result.path.parent.iterdir()) == [result.path.name]


# -- failures ------------------------------------------------------------------------------------


def _small_exhibits(tmp_path: Path) -> list[PreparedExhibit]:
    return [
        prepare_exhibit(1, "甲", [_page_pdf(tmp_path / "a.pdf", 2)], tmp_path / "work"),
        prepare_exhibit(2, "乙", [_page_pdf(tmp_path / "b.pdf", 1)], tmp_path / "work"),
    ]


def _page_pdf(path: Path, pages: int) -> Path:
    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page(page_size=(595, 842))
    document.save(path)
    return path


def _index(tmp_path: Path) -> Path:
    return _render_pdf(_docx(tmp_path / "index.docx", "证据目录", ["证据1 甲", "证据2 乙"]),
                       tmp_path / "index")


def _nothing_written(out: Path) -> None:
    leftovers = sorted(entry.name for entry in out.parent.iterdir()) if out.parent.exists() else []
    assert leftovers == [], leftovers


def test_small_bundle_and_its_entries(tmp_path):
    exhibits = _small_exhibits(tmp_path)
    result = assemble_bundle(_index(tmp_path), exhibits, tmp_path / "out" / "b.pdf",
                             index_title="证据清单")
    assert result.entries == (
        BundleEntry(1, "甲", 2, 3, 2),
        BundleEntry(2, "乙", 4, 4, 1),
    )
    reader = PdfReader(result.path)
    assert [item.title for item in reader.outline] == ["证据清单", "证据1 甲", "证据2 乙"]


def test_index_with_unembedded_fonts_is_refused(tmp_path):
    out = tmp_path / "out" / "b.pdf"
    with pytest.raises(BundleError, match=r"base14\.pdf：证据目录使用了未嵌入的字体（Helvetica）"):
        assemble_bundle(_base14_pdf(tmp_path / "base14.pdf"), _small_exhibits(tmp_path), out)
    _nothing_written(out)


def test_stale_exhibit_is_refused(tmp_path):
    exhibits = _small_exhibits(tmp_path)
    _page_pdf(exhibits[0].pdf, 5)  # changed on disk after it was prepared
    out = tmp_path / "out" / "b.pdf"
    with pytest.raises(BundleError, match=r"exhibit-001\.pdf：有5页，但证据记录为2页"):
        assemble_bundle(_index(tmp_path), exhibits, out)
    _nothing_written(out)


def test_unreadable_index_is_refused(tmp_path):
    (tmp_path / "index.pdf").write_bytes(b"%PDF-1.4\nnot really")
    out = tmp_path / "out" / "b.pdf"
    with pytest.raises(BundleError, match=r"index\.pdf"):
        assemble_bundle(tmp_path / "index.pdf", _small_exhibits(tmp_path), out)
    _nothing_written(out)


def test_missing_stamp_font_is_refused(tmp_path):
    out = tmp_path / "out" / "b.pdf"
    with pytest.raises(BundleError, match="nothing.ttf：找不到页码字体"):
        assemble_bundle(_index(tmp_path), _small_exhibits(tmp_path), out,
                        stamp_font=tmp_path / "nothing.ttf")
    _nothing_written(out)


def test_page_ranges():
    exhibits = [
        PreparedExhibit(1, "甲", Path("a.pdf"), 3, ()),
        PreparedExhibit(2, "乙", Path("b.pdf"), 1, ()),
        PreparedExhibit(5, "丙", Path("c.pdf"), 10, ()),
    ]
    assert page_ranges(exhibits, 2) == [
        BundleEntry(1, "甲", 3, 5, 3),
        BundleEntry(2, "乙", 6, 6, 1),
        BundleEntry(5, "丙", 7, 16, 10),
    ]
    assert page_ranges([], 1) == []
    with pytest.raises(EvidenceError, match="至少应有一页"):
        page_ranges(exhibits, 0)
    with pytest.raises(EvidenceError, match="丙：该项证据没有页面"):
        page_ranges([PreparedExhibit(5, "丙", Path("c.pdf"), 0, ())], 1)


def test_no_exhibits_is_refused(tmp_path):
    with pytest.raises(EvidenceError, match="至少应有一项证据"):
        assemble_bundle(tmp_path / "index.pdf", [], tmp_path / "b.pdf")


def test_pdf_page_count_errors_name_the_file(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"not a pdf at all")
    with pytest.raises(ExhibitError, match=r"x\.pdf: "):
        pdf_page_count(tmp_path / "x.pdf")
