"""Printed marks and fonts of exhibits: annotations without an appearance still print in the
bundle, and every font an exhibit leaves unembedded gets an embedded metric-compatible
substitute (glyphs where they were), or is reported; every PDF of a packet embeds its fonts.

The found exhibits come from ../shared/cases/found/exhibits, real samples from
../shared/evidence-samples (skipped with a message when absent); the other PDFs are made here.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pikepdf
import pytest
import yaml
from pikepdf import Array, Dictionary, Name
from PIL import Image

from evidence import assemble_bundle, prepare_exhibit, unembedded_fonts
from evidence.fonts import embed_substitutes
from evidence.packet import _check_fonts_embedded, _reported_fonts, build_packet
from legaldocs.documents.office import docx_to_pdf
from legaldocs.errors import LegalDocsError

ROOT = Path(__file__).resolve().parents[2]
FOUND = ROOT / ".." / "shared" / "cases" / "found" / "exhibits"
SAMPLES = ROOT / ".." / "shared" / "evidence-samples"
DEMO = ROOT / "examples" / "demo" / "case.yaml"
# found files that are accepted as exhibits (the others are refused, see tests/found)
FOUND_ACCEPTED = ("highlight-without-appearance.pdf", "text-at-bottom-edge.pdf", "unembedded-helvetica.pdf",
                  "cmyk.tiff")


def found(name: str) -> Path:
    path = FOUND / name
    if not path.is_file():
        pytest.skip(f"../shared/cases/found/exhibits not present: {path} is missing")
    return path


def _samples() -> list[Path]:
    if not SAMPLES.is_dir():
        pytest.skip(f"../shared/evidence-samples not present: {SAMPLES} is missing")
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".pdf", ".jpg", ".png", ".tiff"))


# -- helpers -------------------------------------------------------------------------------------


def _render(pdf: Path, page: int, out: Path, dpi: int = 72) -> Image.Image:
    """Page ``page`` (1-based) at ``dpi``: at 72 dpi one pixel is one point."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
                    str(pdf), str(out)], check=True)
    return Image.open(f"{out}.png").convert("RGB")


def _pixels(image: Image.Image, rect: tuple[float, float, float, float], test) -> int:
    """How many pixels inside ``rect`` (PDF points, origin bottom left, page at 72 dpi) pass ``test``."""
    left, bottom, right, top = rect
    height = image.height
    count = 0
    for x in range(int(left), int(right)):
        for y in range(int(height - top), int(height - bottom)):
            if test(image.getpixel((x, y))):
                count += 1
    return count


def yellow(p):
    return p[0] > 200 and p[1] > 200 and p[2] < 90


def red(p):
    return p[0] > 180 and p[1] < 90 and p[2] < 90


def inked(p):
    return min(p) < 200


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def _words(pdf: Path) -> list[tuple[str, ...]]:
    """Every word with its box (pdftotext -bbox), page by page."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)


def _same_up_to_scale(before: list[tuple[str, ...]], after: list[tuple[str, ...]], *, across_only: bool = False) -> bool:
    """The words are the same and every box of ``after`` is the box in ``before`` under one
    scale and offset (within 0.01 pt); ``across_only``: only the left and right edges (a box's
    height is the viewer's idea of the font's ascent and descent)."""
    if [w[4] for w in before] != [w[4] for w in after] or len(before) < 2:
        return False
    b = [[float(v) for v in w[:4]] for w in before]
    a = [[float(v) for v in w[:4]] for w in after]
    scale = (a[-1][0] - a[0][0]) / (b[-1][0] - b[0][0]) if b[-1][0] != b[0][0] else (a[-1][1] - a[0][1]) / (b[-1][1] - b[0][1])
    dx, dy = a[0][0] - scale * b[0][0], a[0][1] - scale * b[0][1]
    return all(abs(a[i][k] - (scale * b[i][k] + (dx if k % 2 == 0 else dy))) < 0.01 for i in range(len(b)) for k in ((0, 2) if across_only else range(4)))


def _index(folder: Path) -> Path:
    """A 证据目录 PDF made by LibreOffice (every font embedded)."""
    document = docx.Document()
    document.add_heading("证据目录", level=1)
    document.add_paragraph("证据1 标注")
    folder.mkdir(parents=True, exist_ok=True)
    document.save(folder / "index.docx")
    return docx_to_pdf([folder / "index.docx"], folder / "pdf")[0]


def _pdf(path: Path, content: bytes, fonts: dict | None = None, annotations: list | None = None,
         xobject_font: Dictionary | None = None) -> Path:
    """A one-page A4 PDF with ``content``, the given fonts, annotations and, optionally, a form
    XObject drawing ``(Form) Tj`` in ``xobject_font``."""
    document = pikepdf.new()
    page = document.add_blank_page(page_size=(595, 842))
    for font in (fonts or {}).values():  # a ToUnicode map given as a string becomes a stream
        if isinstance(font.get("/ToUnicode"), pikepdf.String):
            font.ToUnicode = document.make_stream(bytes(font.ToUnicode))
    resources = Dictionary(Font=Dictionary({f"/{k}": document.make_indirect(v) for k, v in (fonts or {}).items()}))
    if xobject_font is not None:
        form = document.make_stream(b"BT /FX 14 Tf 72 300 Td (In a form: Courier) Tj ET")
        form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 595, 842])
        form.Resources = Dictionary(Font=Dictionary(FX=document.make_indirect(xobject_font)))
        resources.XObject = Dictionary(Fm1=form)
        content += b"\nq /Fm1 Do Q"
    page.obj.Resources = resources
    page.obj.Contents = document.make_stream(content)
    if annotations:
        page.obj.Annots = Array([document.make_indirect(Dictionary(a)) for a in annotations])
    document.save(path)
    return path


def _font(subtype: str, base: str, **more) -> Dictionary:
    return Dictionary(Type=Name.Font, Subtype=Name("/" + subtype), BaseFont=Name("/" + base), **more)


# -- marks: annotations without an appearance ----------------------------------------------------


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    source = found("highlight-without-appearance.pdf")
    root = tmp_path_factory.mktemp("marks")
    exhibit = prepare_exhibit(1, "标注", [source], root / "work")
    bundle = assemble_bundle(_index(root / "index"), [exhibit], root / "out" / "证据材料.pdf")
    return source, exhibit, bundle, root


def test_highlight_and_ink_without_appearance_print_where_they_were(marked):
    source, exhibit, _, root = marked
    with pikepdf.open(source) as original:
        annotations = {str(a.Subtype): [float(v) for v in a.Rect] for a in original.pages[0].Annots}
    image = _render(exhibit.pdf, 1, root / "exhibit")
    highlight = annotations["/Highlight"]
    inside = (highlight[0] + 2, highlight[1] + 2, highlight[2] - 2, highlight[3] - 2)
    area = (inside[2] - inside[0]) * (inside[3] - inside[1])
    # yellow under and around the text, the text itself still dark (Multiply keeps it readable)
    assert _pixels(image, inside, yellow) > 0.6 * area
    assert _pixels(image, inside, lambda p: max(p) < 80) > 50
    ink = annotations["/Ink"]
    assert _pixels(image, ink, red) > 400  # the strokes, 3 pt wide
    # and nothing yellow or red elsewhere: drawn where the marks are, not over the page
    assert _pixels(image, (0, 0, 595, 580), lambda p: yellow(p) or red(p)) == 0


def test_marks_are_in_the_bundle_and_named_in_the_notes(marked):
    _, exhibit, bundle, root = marked
    image = _render(bundle.path, bundle.index_pages + 1, root / "bundle")
    whole = (0, 0, image.width, image.height)
    assert _pixels(image, whole, yellow) > 3000
    assert _pixels(image, whole, red) > 300
    notes = [n for n in exhibit.notes if n.kind == "annotation-appearance"]
    assert len(notes) == 1 and notes[0].severity == "note"
    assert "高亮（Highlight）在第1页" in notes[0].text and "手写笔迹（Ink）在第1页" in notes[0].text
    assert notes[0].file == str(found("highlight-without-appearance.pdf"))
    assert not [n for n in exhibit.notes if n.kind == "annotation-dropped"]


def _every_kind_pdf(path: Path) -> Path:
    helvetica = _font("Type1", "Helvetica", Encoding=Name.WinAnsiEncoding)
    text = b"BT /F1 14 Tf 72 760 Td (Underlined words) Tj 0 -40 Td (Struck words) Tj 0 -40 Td (Squiggled words) Tj ET"

    def quad(x1, y1, x2, y2):
        return Array([x1, y2, x2, y2, x1, y1, x2, y1])

    printed = {"/Type": Name.Annot, "/F": 4}
    annotations = [
        {**printed, "/Subtype": Name.Underline, "/Rect": Array([70, 755, 240, 775]), "/QuadPoints": quad(70, 755, 240, 775),
         "/C": Array([0, 0, 1])},
        {**printed, "/Subtype": Name.StrikeOut, "/Rect": Array([70, 715, 200, 735]), "/QuadPoints": quad(70, 715, 200, 735),
         "/C": Array([1, 0, 0])},
        {**printed, "/Subtype": Name.Squiggly, "/Rect": Array([70, 675, 230, 695]), "/QuadPoints": quad(70, 675, 230, 695),
         "/C": Array([0, 0.6, 0])},
        {**printed, "/Subtype": Name.Square, "/Rect": Array([300, 650, 400, 750]), "/C": Array([0, 0, 1]),
         "/IC": Array([0.6, 0.8, 1]), "/BS": Dictionary(W=4)},
        {**printed, "/Subtype": Name.Circle, "/Rect": Array([420, 650, 540, 750]), "/C": Array([1, 0, 0]),
         "/BS": Dictionary(W=3)},
        {**printed, "/Subtype": Name.Line, "/Rect": Array([60, 560, 300, 640]), "/L": Array([70, 570, 290, 630]),
         "/C": Array([0, 0, 0]), "/LE": Array([Name("/None"), Name.OpenArrow])},
        {**printed, "/Subtype": Name.Polygon, "/Rect": Array([320, 540, 460, 640]),
         "/Vertices": Array([330, 550, 450, 550, 390, 630]), "/C": Array([0, 0, 0]), "/IC": Array([1, 0.5, 0])},
        {**printed, "/Subtype": Name.PolyLine, "/Rect": Array([470, 540, 560, 640]),
         "/Vertices": Array([480, 550, 500, 630, 530, 550, 550, 630]), "/C": Array([0.5, 0, 0.5]), "/BS": Dictionary(W=2)},
        {**printed, "/Subtype": Name.Text, "/Rect": Array([72, 480, 92, 500]), "/C": Array([1, 0.9, 0]),
         "/Contents": pikepdf.String("请核对")},
        {**printed, "/Subtype": Name.FreeText, "/Rect": Array([150, 420, 450, 500]),
         "/Contents": pikepdf.String("已还款人民币50000元 Paid in full"), "/DA": pikepdf.String("/Helv 14 Tf 0 0 1 rg"),
         "/BS": Dictionary(W=0)},
        {**printed, "/Subtype": Name.Highlight, "/Rect": Array([70, 300, 300, 330]), "/QuadPoints": quad(70, 300, 300, 330),
         "/C": Array([0, 1, 0]), "/CA": 0.5},
        {**printed, "/Subtype": Name.Stamp, "/Rect": Array([300, 200, 500, 260]), "/Name": Name.Approved},
        # not printed: hidden, or without the Print flag; neither drawn nor reported
        {"/Type": Name.Annot, "/F": 6, "/Subtype": Name.Square, "/Rect": Array([70, 100, 170, 180]), "/C": Array([1, 0, 0])},
        {"/Type": Name.Annot, "/F": 0, "/Subtype": Name.Square, "/Rect": Array([200, 100, 300, 180]), "/C": Array([1, 0, 0])},
    ]
    return _pdf(path, text, {"F1": helvetica}, annotations)


def test_every_kind_of_mark_is_drawn_or_reported(tmp_path):
    source = _every_kind_pdf(tmp_path / "marks.pdf")
    exhibit = prepare_exhibit(1, "各种标注", [source], tmp_path / "work")
    image = _render(exhibit.pdf, 1, tmp_path / "page")
    assert _pixels(image, (70, 752, 240, 760), lambda p: p[2] > 150 and p[0] < 100) > 100  # blue underline
    assert _pixels(image, (70, 722, 200, 728), red) > 100  # red strike-out line at mid-height
    assert _pixels(image, (70, 673, 230, 682), lambda p: p[1] > 100 and p[0] < 80 and p[2] < 80) > 100
    assert _pixels(image, (310, 660, 390, 740), lambda p: p == (153, 204, 255) or abs(p[0] - 153) < 6) > 4000
    assert _pixels(image, (300, 650, 304, 750), lambda p: p[2] > 200 and p[0] < 60) > 300  # its blue border
    assert _pixels(image, (420, 650, 540, 750), red) > 300  # the ellipse outline
    assert _pixels(image, (430, 690, 530, 710), red) < 50  # ... not filled
    assert _pixels(image, (70, 565, 295, 635), inked) > 150  # the line and its arrowhead
    assert _pixels(image, (370, 560, 410, 600), lambda p: p[0] > 230 and 100 < p[1] < 150 and p[2] < 40) > 800
    assert _pixels(image, (470, 540, 560, 640), lambda p: p[0] > 100 and p[1] < 60 and p[2] > 100) > 150
    assert _pixels(image, (72, 480, 92, 500), lambda p: p[0] > 230 and p[1] > 200 and p[2] < 60) > 150  # the note
    # half-transparent green highlight: lighter than full green
    assert _pixels(image, (75, 305, 295, 325), lambda p: p[1] > 240 and 100 < p[0] < 160 and 100 < p[2] < 160) > 3000
    # the free text is drawn in an embedded font and extracts as written
    assert _pixels(image, (150, 420, 450, 500), lambda p: p[2] > 150 and p[0] < 120) > 100
    assert "已还款人民币50000元" in _text(exhibit.pdf).replace(" ", "")
    assert unembedded_fonts(exhibit.pdf) == []
    # neither the hidden nor the unprinted square is drawn
    assert _pixels(image, (70, 100, 300, 180), red) == 0

    drawn = [n for n in exhibit.notes if n.kind == "annotation-appearance"]
    assert len(drawn) == 1
    for kind in ("Underline", "StrikeOut", "Squiggly", "Square", "Circle", "Line", "Polygon", "PolyLine", "Text",
                 "FreeText", "Highlight"):
        assert f"（{kind}）在第1页" in drawn[0].text, kind
    dropped = [n for n in exhibit.notes if n.kind == "annotation-dropped"]
    assert [(n.severity, "第1页" in n.text, "图章（Stamp）" in n.text) for n in dropped] == [("check", True, True)]


# -- fonts ---------------------------------------------------------------------------------------


def test_unembedded_helvetica_gets_an_embedded_substitute_at_the_same_positions(tmp_path):
    source = found("unembedded-helvetica.pdf")
    assert unembedded_fonts(source) == ["Helvetica", "Helvetica-Bold"]
    exhibit = prepare_exhibit(1, "字体", [source], tmp_path / "work")
    assert unembedded_fonts(exhibit.pdf) == []
    fonts = subprocess.run(["pdffonts", str(exhibit.pdf)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert len(rows) == 2 and all(" yes " in row for row in rows), fonts
    assert "NimbusSans-Regular" in fonts and "NimbusSans-Bold" in fonts
    assert _text(exhibit.pdf) == _text(source)
    # the page may be scaled onto a margin for the page number: the words keep their boxes up
    # to that one scale and offset
    assert _same_up_to_scale(_words(source), _words(exhibit.pdf))
    # the substitution alone moves nothing: every word's box to the thousandth of a point
    with pikepdf.open(source) as pdf:
        embed_substitutes(pdf, source, [])
        pdf.save(tmp_path / "embedded.pdf")
    assert _words(tmp_path / "embedded.pdf") == _words(source)
    assert unembedded_fonts(tmp_path / "embedded.pdf") == []
    notes = {n.text.split("使用的字体 ")[1].split(" ")[0]: n for n in exhibit.notes if n.kind == "font-substituted"}
    assert set(notes) == {"Helvetica", "Helvetica-Bold"}
    assert "NimbusSans-Regular" in notes["Helvetica"].text and "第1页" in notes["Helvetica"].text
    assert all(n.severity == "note" for n in notes.values())


def _fonts_pdf(path: Path) -> Path:
    """Unembedded fonts of every handled kind, and two without a substitute."""
    widths = Array([278] + [0] * 31 + [556] * 64)  # made-up widths: the PDF's own must be kept
    arial_descriptor = Dictionary(Type=Name.FontDescriptor, FontName=Name("/Arial,Bold"), Flags=32,
                                  FontBBox=Array([-628, -376, 2000, 1011]), ItalicAngle=0, Ascent=905,
                                  Descent=-212, CapHeight=716, StemV=165)
    fonts = {
        "F1": _font("TrueType", "Arial,Bold", Encoding=Name.WinAnsiEncoding, FirstChar=32, LastChar=127,
                    Widths=widths, FontDescriptor=arial_descriptor),
        "F2": _font("Type1", "Times-Roman"),
        "F3": _font("Type1", "Symbol"),
        "F4": _font("Type1", "TimesNewRomanPS-ItalicMT", Encoding=Dictionary(
            Type=Name.Encoding, BaseEncoding=Name.WinAnsiEncoding, Differences=Array([65, Name("/Euro")]))),
        "F5": _font("Type0", "STSong-Light", Encoding=Name("/UniGB-UCS2-H"), DescendantFonts=Array([Dictionary(
            Type=Name.Font, Subtype=Name.CIDFontType0, BaseFont=Name("/STSong-Light"),
            CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("GB1"), Supplement=2),
            FontDescriptor=Dictionary(Type=Name.FontDescriptor, FontName=Name("/STSong-Light"), Flags=6,
                                      FontBBox=Array([0, -200, 1000, 900]), ItalicAngle=0, Ascent=857,
                                      Descent=-143, CapHeight=857, StemV=91))])),
        "F6": _font("Type1", "FancyScript", Encoding=Name.WinAnsiEncoding),
        # as a word processor writes SimSun without embedding it: glyph ids as codes, a ToUnicode map
        "F7": _font("Type0", "SimSun", Encoding=Name("/Identity-H"), DescendantFonts=Array([Dictionary(
            Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/SimSun"),
            CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
            FontDescriptor=Dictionary(Type=Name.FontDescriptor, FontName=Name("/SimSun"), Flags=6,
                                      FontBBox=Array([-8, -145, 1000, 859]), ItalicAngle=0, Ascent=859,
                                      Descent=-141, CapHeight=859, StemV=80),
            DW=1000, W=Array([21, Array([500, 500])]))]),
            ToUnicode=pikepdf.String(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
                                     b"1 begincodespacerange <0000> <FFFF> endcodespacerange "
                                     b"2 beginbfchar <3000> <501F> <3001> <6B3E> endbfchar "
                                     b"1 beginbfrange <0015> <0016> <0031> endbfrange endcmap end end")),
        # codes of a legacy Chinese encoding: no character can be told from them
        "F8": _font("Type0", "SimHei", Encoding=Name("/GBK-EUC-H"), DescendantFonts=Array([Dictionary(
            Type=Name.Font, Subtype=Name.CIDFontType0, BaseFont=Name("/SimHei"),
            CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("GB1"), Supplement=2),
            FontDescriptor=Dictionary(Type=Name.FontDescriptor, FontName=Name("/SimHei"), Flags=4,
                                      FontBBox=Array([0, -200, 1000, 900]), ItalicAngle=0, Ascent=857,
                                      Descent=-143, CapHeight=857, StemV=91))])),
    }
    content = (b"BT /F1 16 Tf 72 760 Td (Arial Bold, its own widths) Tj ET\n"
               b"BT /F2 16 Tf 72 720 Td (Times Roman: built-in encoding) Tj ET\n"
               b"BT /F3 16 Tf 72 680 Td (abgd) Tj ET\n"
               b"BT /F4 16 Tf 72 640 Td (A = euro, Italic) Tj ET\n"
               b"BT /F5 16 Tf 72 600 Td <4E2D6587> Tj ET\n"
               b"BT /F6 16 Tf 72 560 Td (Fancy) Tj ET\n"
               b"BT /F7 16 Tf 72 520 Td <3000300100150016> Tj ET\n"
               b"BT /F8 16 Tf 72 480 Td <BDE8BFEE> Tj ET")
    return _pdf(path, content, fonts, xobject_font=_font("Type1", "Courier-Bold", Encoding=Name.WinAnsiEncoding))


def test_each_kind_of_unembedded_font_is_substituted_or_reported(tmp_path):
    source = _fonts_pdf(tmp_path / "fonts.pdf")
    exhibit = prepare_exhibit(1, "字体", [source], tmp_path / "work")
    # the two without a substitute stay, reported as blocking with the page
    assert unembedded_fonts(exhibit.pdf) == ["FancyScript", "SimHei"]
    blocking = {n.text.split("使用的字体 ")[1].split(" ")[0]: n for n in exhibit.notes if n.kind == "font-not-embedded"}
    assert set(blocking) == {"FancyScript", "SimHei"}
    assert all(n.severity == "blocking" and n.text.startswith("第1页") for n in blocking.values())
    assert "GBK-EUC-H" in blocking["SimHei"].text
    substituted = {n.text.split("使用的字体 ")[1].split(" ")[0]: n.text for n in exhibit.notes
                   if n.kind == "font-substituted"}
    assert set(substituted) == {"Arial,Bold", "Times-Roman", "Symbol", "TimesNewRomanPS-ItalicMT", "Courier-Bold",
                                "STSong-Light", "SimSun"}
    assert "NotoSerifCJKsc-Regular" in substituted["STSong-Light"] and "字宽沿用文件中的数值" in substituted["STSong-Light"]
    assert "NotoSerifCJKsc-Regular" in substituted["SimSun"]
    assert "LiberationSans-Bold" in substituted["Arial,Bold"]
    assert "NimbusRoman-Regular" in substituted["Times-Roman"]
    assert "StandardSymbolsPS" in substituted["Symbol"]
    assert "NimbusRoman-Italic" in substituted["TimesNewRomanPS-ItalicMT"]
    assert "NimbusMonoPS-Bold" in substituted["Courier-Bold"]
    # text and positions unchanged for the substituted fonts (Symbol's Greek included); the
    # Chinese now renders, and extracts, where a reader lacking the fonts showed nothing
    text = _text(exhibit.pdf)
    assert "αβγδ" in text and "中文" in text and "借款12" in text
    image = _render(exhibit.pdf, 1, tmp_path / "page")
    assert _pixels(image, (72, 596, 104, 616), inked) > 40  # 中文, 16 pt each
    assert _pixels(image, (72, 516, 120, 536), inked) > 40  # 借款12
    words = {w[4]: w for w in _words(exhibit.pdf)}
    assert abs(float(words["借款12"][2]) - float(words["借款12"][0]) - 16 * (1 + 1 + 0.5 + 0.5)) < 0.01
    assert abs(float(words["中文"][2]) - float(words["中文"][0]) - 32) < 0.01
    kept = {"Arial", "Bold,", "Times", "Roman:", "abgd", "αβγδ", "€", "=", "Courier", "Italic", "euro,"}
    before = [w for w in _words(source) if w[4] in kept]
    after = [w for w in _words(exhibit.pdf) if w[4] in kept]
    assert _same_up_to_scale(before, after, across_only=True) and len(before) >= 8
    with pikepdf.open(exhibit.pdf) as pdf:
        fonts = pdf.pages[0].Resources.Font
        arial = fonts.F1
        assert list(arial.Widths) == [278] + [0] * 31 + [556] * 64  # the PDF's own widths are kept
        assert Name.FontFile2 in arial.FontDescriptor and arial.Encoding == Name.WinAnsiEncoding
        times = fonts.F2
        assert times.FontDescriptor.FontFile3.Subtype == Name.Type1C
        assert times.Widths[ord("T") - int(times.FirstChar)] == 611  # Adobe's Times-Roman width of T


def test_the_same_exhibit_gives_the_same_bytes(tmp_path):
    source = found("unembedded-helvetica.pdf")
    one = prepare_exhibit(1, "字体", [source], tmp_path / "one")
    two = prepare_exhibit(1, "字体", [source], tmp_path / "two")
    assert one.pdf.read_bytes() == two.pdf.read_bytes()


def test_every_found_exhibit_and_sample_gets_every_font_embedded(tmp_path):
    files = [found(name) for name in FOUND_ACCEPTED] + _samples()
    for number, path in enumerate(files, start=1):
        exhibit = prepare_exhibit(number, path.stem, [path], tmp_path / f"e{number}")
        assert unembedded_fonts(exhibit.pdf) == [], path.name
        if path.suffix.lower() == ".pdf" and unembedded_fonts(path):
            assert any(n.kind == "font-substituted" for n in exhibit.notes), path.name


# -- the packet: every PDF checked ---------------------------------------------------------------


def test_a_packet_with_these_exhibits_embeds_every_font_in_every_pdf(tmp_path):
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    names = ("highlight-without-appearance.pdf", "unembedded-helvetica.pdf")
    for n, name in enumerate(names, start=1):
        data["evidence"].append({"id": f"M{n}", "title": f"标注材料{n}", "files": [str(found(name))],
                                 "purpose": "证明有关事实", "group": "其他"})
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = build_packet(case, tmp_path / "out", filing_date=dt.date(2025, 7, 10))
    pdfs = sorted(result.folder.rglob("*.pdf"))
    assert any(p.parent.name == "online-filing" for p in pdfs) and len(pdfs) > 5
    for pdf in pdfs:
        assert unembedded_fonts(pdf) == [], pdf.name
    review = (result.folder / "审查意见.md").read_text(encoding="utf-8")
    assert "unembedded-helvetica.pdf" in review and "NimbusSans" in review
    assert "highlight-without-appearance.pdf" in review and "高亮（Highlight）" in review


def test_the_packet_check_names_a_pdf_with_a_font_not_embedded(tmp_path):
    staging = tmp_path / "packet"
    (staging / "online-filing").mkdir(parents=True)
    shutil.copy(found("unembedded-helvetica.pdf"), staging / "online-filing" / "03-证据材料.pdf")
    with pytest.raises(LegalDocsError) as raised:
        _check_fonts_embedded(staging, set())
    message = str(raised.value)
    assert "online-filing/03-证据材料.pdf" in message and "Helvetica" in message


def test_the_packet_check_passes_a_font_reported_as_blocking(tmp_path):
    source = _fonts_pdf(tmp_path / "fonts.pdf")
    exhibit = prepare_exhibit(1, "字体", [source], tmp_path / "work")
    staging = tmp_path / "packet"
    staging.mkdir()
    shutil.copy(exhibit.pdf, staging / "证据材料.pdf")
    reported = _reported_fonts([exhibit])  # STSong-Light and FancyScript: in the review list as blocking
    _check_fonts_embedded(staging, reported)
    shutil.copy(found("unembedded-helvetica.pdf"), staging / "other.pdf")
    with pytest.raises(LegalDocsError, match="other.pdf"):
        _check_fonts_embedded(staging, reported)
