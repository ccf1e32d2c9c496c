"""Page numbers and exhibit labels: never over exhibit content, legible, embedded; fit to A4.

A small bundle is built once per module from the found file ``text-at-bottom-edge.pdf`` (a
signature line 6 mm above the bottom edge, ../shared/cases/found/exhibits, skipped with a
message when absent) and generated exhibits: a dark full-page scan, a landscape page with text
at its edges, a three-page exhibit. Pages are checked by what pdftotext finds on them and by
rendering them with pdftoppm.
"""

from __future__ import annotations

import io
import re
import runpy
import subprocess
import sys
from pathlib import Path

import img2pdf
import pikepdf
import pytest
import yaml
from fontTools import subset
from fontTools.ttLib import TTFont as FontToolsFont
from PIL import Image, ImageChops, ImageDraw
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from evidence import BundleError, assemble_bundle, prepare_exhibit
from evidence import pdf as evidence_pdf
from evidence import placement, stamp

ROOT = Path(__file__).resolve().parents[2]
FOUND = ROOT / ".." / "shared" / "cases" / "found" / "exhibits"
DEMO = ROOT / "examples" / "demo" / "case.yaml"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
A4 = placement.A4_PT
LETTER = (612.0, 792.0)
DPI = 100
INK = 160  # a pixel darker than this is ink
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
LABEL = re.compile(r"证据(\d+)-(\d+)")
SIGNATURE = ["Signature", "block", "above", "Signed", "by:", "ZHANG", "San", "2025-05-09"]


# -- inputs ---------------------------------------------------------------------------------------


def _found(name: str) -> Path:
    path = FOUND / name
    if not path.is_file():
        pytest.skip(f"../shared/cases/found/exhibits not present: {path} is missing")
    return path


def _font() -> str:
    if "TestDejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestDejaVu", str(DEJAVU)))
    return "TestDejaVu"


def _text_pdf(path: Path, pages: list[tuple[tuple[float, float], list[tuple[float, float, str]]]],
              frame: bool = False) -> Path:
    """A PDF whose pages have the given sizes and texts ``(x, y, text)``; with ``frame`` a black
    border along the page's edges and a filled square in each corner."""
    font = _font()
    pdf = canvas.Canvas(str(path), invariant=1, initialFontName=font)
    for (width, height), texts in pages:
        pdf.setPageSize((width, height))
        if frame:
            pdf.setLineWidth(6)
            pdf.rect(3, 3, width - 6, height - 6)
            for x, y in ((0, 0), (width - 30, 0), (0, height - 30), (width - 30, height - 30)):
                pdf.rect(x, y, 30, 30, fill=1)
        pdf.setFont(font, 11)
        for x, y, text in texts:
            pdf.drawString(x, y, text)
        pdf.showPage()
    pdf.save()
    return path


def _dark_scan_pdf(path: Path) -> Path:
    """A PDF page that is one dark full-page image (150 dpi, A4) with light text to its edges."""
    image = Image.new("RGB", (1240, 1754), (38, 38, 48))
    draw = ImageDraw.Draw(image)
    for row in range(0, 1754, 40):
        draw.text((10, row + 5), "scanned line " * 20, fill=(225, 225, 225))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    layout = img2pdf.get_layout_fun(A4)
    path.write_bytes(img2pdf.convert(buffer.getvalue(), layout_fun=layout))
    return path


def _scan_pdf(path: Path, lines: list[tuple[float, str]]) -> Path:
    """A PDF page that is one white 300 dpi A4 JPEG scan with black text lines at the given
    heights (millimetres above the bottom edge)."""
    image = Image.new("L", (2480, 3508), 250)
    draw = ImageDraw.Draw(image)
    for millimetres, text in lines:
        draw.text((900, 3508 - millimetres / 25.4 * 300), text, fill=10, font_size=40)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path.write_bytes(img2pdf.convert(buffer.getvalue(), layout_fun=img2pdf.get_layout_fun(A4)))
    return path


def _index(path: Path, lines: int) -> Path:
    return _text_pdf(path, [(A4, [(72, 760 - 20 * i, f"Exhibit {i + 1}") for i in range(lines)])])


# -- reading the output ---------------------------------------------------------------------------


def _words(pdf: Path) -> list[tuple[float, float, list[tuple[str, float, float, float, float]]]]:
    """Per page: (width, height, words as (text, x0, y0, x1, y1)), y from the top, points."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = []
    for match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, flags=re.S):
        words = [(text, *(float(v) for v in box)) for *box, text in WORD.findall(match.group(3))]
        pages.append((float(match.group(1)), float(match.group(2)), words))
    return pages


def _render(pdf: Path, page: int, out_dir: Path, dpi: int = DPI) -> Image.Image:
    prefix = out_dir / f"page-{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page),
                    "-singlefile", "-png", str(pdf), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert("L")


def _zones_from_top(width: float, height: float, inset: float = 0) -> list[tuple[float, float, float, float]]:
    """The stamp zones as (x0, y0, x1, y1) with y from the top, like pdftotext's boxes; ``inset``
    points smaller each side (for pixels: an edge drawn along a zone's border may blur into it)."""
    return [(x0 + inset, height - y1 + inset, x1 - inset, height - y0 - inset)
            for x0, y0, x1, y1 in stamp.zones(width, height)]


def _strays(image: Image.Image, width: float, height: float, stamps, scale: float) -> list:
    """Ink in the stamp zones that is not a stamp's."""
    return [p for zone in _zones_from_top(width, height, inset=1) for p in _ink(image, zone, scale)
            if not _inside(p, stamps, scale)]


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _ink(image: Image.Image, box: tuple[float, float, float, float], scale: float) -> list[tuple[int, int]]:
    """Ink pixels (x, y) of ``image`` within ``box`` (points, y from the top)."""
    x0, y0 = max(int(box[0] * scale), 0), max(int(box[1] * scale), 0)
    x1, y1 = min(int(box[2] * scale) + 1, image.width), min(int(box[3] * scale) + 1, image.height)
    pixels = image.load()
    return [(x, y) for y in range(y0, y1) for x in range(x0, x1) if pixels[x, y] < INK]


def _inside(point: tuple[int, int], boxes, scale: float, slack: int = 2) -> bool:
    x, y = point
    return any(box[0] * scale - slack <= x <= box[2] * scale + slack
               and box[1] * scale - slack <= y <= box[3] * scale + slack for box in boxes)


# -- the bundle -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    signature = _found("text-at-bottom-edge.pdf")
    root = tmp_path_factory.mktemp("stamps")
    landscape = _text_pdf(root / "landscape.pdf", [(A4[::-1], [
        (360, 12, "Landscape footer at the very bottom"),
        (700, 580, "Corner note"),
        (72, 300, "Body of a landscape page"),
    ])])
    three = _text_pdf(root / "three.pdf", [(A4, [(72, 700, f"Page {k} of three")]) for k in (1, 2, 3)])
    files = [("签名页", [signature]), ("暗色扫描件", [_dark_scan_pdf(root / "dark.pdf")]),
             ("横向页", [landscape]), ("三页", [three])]
    exhibits = [prepare_exhibit(n, title, paths, root / "work") for n, (title, paths) in enumerate(files, 1)]
    result = assemble_bundle(_index(root / "index.pdf", len(files)), exhibits, root / "out" / "bundle.pdf")
    return result, root


def _page_of(result, number: int, k: int = 1) -> int:
    return next(e.first_page for e in result.entries if e.number == number) + k - 1


def test_signature_at_the_bottom_edge_is_not_covered(bundle, tmp_path):
    result, _ = bundle
    page = _page_of(result, 1)
    width, height, words = _words(result.path)[page - 1]
    text = {word[0] for word in words}
    assert set(SIGNATURE) <= text, text
    zones = _zones_from_top(width, height)
    original = [word for word in words if word[0] in SIGNATURE]
    for word in original:
        assert not any(_overlap(word[1:], zone) for zone in zones), f"{word} lies in a stamp zone"
    # the zones hold the stamps' ink only, and every word of the signature is drawn
    stamps = [word[1:] for word in words if word[0] in ("—", str(page)) or LABEL.fullmatch(word[0])]
    assert len(stamps) == 4, words
    image = _render(result.path, page, tmp_path)
    scale = DPI / 72
    strays = _strays(image, width, height, stamps, scale)
    assert not strays, f"ink in the stamp zones outside the stamps: {strays[:5]}"
    for word in original:
        assert _ink(image, word[1:], scale), f"{word[0]} not drawn"


def test_every_page_has_its_number_and_every_exhibit_page_its_label(bundle):
    result, _ = bundle
    pages = _words(result.path)
    assert len(pages) == result.page_count
    labels = {}
    for entry in result.entries:
        for k in range(1, entry.page_count + 1):
            labels[entry.first_page + k - 1] = (entry.number, k)
    for number, (width, height, words) in enumerate(pages, start=1):
        numbers = [w for w in words if w[0] == str(number) and w[2] > height - 40]
        assert len(numbers) == 1, f"page {number}: {words}"
        assert abs((numbers[0][1] + numbers[0][3]) / 2 - width / 2) < 2, f"page {number}: number not centred"
        found = [(w, LABEL.fullmatch(w[0])) for w in words if LABEL.fullmatch(w[0])]
        if number <= result.index_pages:
            assert not found, f"index page {number} carries a label: {found}"
            continue
        assert len(found) == 1, f"page {number}: {words}"
        word, match = found[0]
        assert (int(match.group(1)), int(match.group(2))) == labels[number]
        assert word[3] > width - 40 and word[2] < 30, f"page {number}: label not at the top right: {word}"


def test_dark_scan_is_placed_between_white_bands_with_legible_stamps(bundle, tmp_path):
    result, _ = bundle
    page = _page_of(result, 2)
    width, height, words = _words(result.path)[page - 1]
    assert "证据2-1" in {w[0] for w in words}
    image = _render(result.path, page, tmp_path)
    scale = DPI / 72
    stamps = [w[1:] for w in words if w[0] in ("—", str(page), "证据2-1")]
    assert len(stamps) == 4, words
    assert not _strays(image, width, height, stamps, scale), "the scan reaches into a stamp zone"
    # the stamps are dark on light: the scan does not show through
    for box in stamps:
        light = sum(image.crop([round(v * scale) for v in box]).histogram()[201:])
        assert light and _ink(image, box, scale), f"stamp at {box} not dark on light"
    # scaled, not cropped: the scan's dark area keeps the page's proportions
    mask = image.point(lambda v: 255 if v < 70 else 0)
    ImageDraw.Draw(mask).rectangle([0, 0, mask.width, 0], fill=0)
    for box in stamps:
        ImageDraw.Draw(mask).rectangle([v * scale for v in box], fill=0)
    dark = mask.getbbox()
    assert dark is not None
    ratio = (dark[2] - dark[0]) / (dark[3] - dark[1])
    assert abs(ratio - width / height) < 0.02, (dark, ratio)
    assert 0.9 < (dark[3] - dark[1]) / image.height < 0.96


def test_landscape_page_stays_landscape_with_its_edge_text_free(bundle):
    result, _ = bundle
    page = _page_of(result, 3)
    width, height, words = _words(result.path)[page - 1]
    assert width > height
    texts = " ".join(w[0] for w in words)
    for phrase in ("Landscape footer at the very bottom", "Corner note", "Body of a landscape page"):
        assert phrase in texts
    zones = _zones_from_top(width, height)
    own = [w for w in words if w[0] not in ("—", str(page)) and not LABEL.fullmatch(w[0])]
    assert not [w for w in own for zone in zones if _overlap(w[1:], zone)]


def test_stamp_font_is_embedded_once(bundle):
    result, _ = bundle
    rows = subprocess.run(["pdffonts", str(result.path)], check=True, capture_output=True,
                          text=True).stdout.splitlines()[2:]
    ours = [row for row in rows if "NotoSansCJKsc" in row.split()[0]]
    assert len(ours) == 1, rows
    assert "CID TrueType" in ours[0] and ours[0].split()[-5:-2] == ["yes", "yes", "yes"], ours[0]
    assert all(row.split()[-5] == "yes" for row in rows), rows  # every font embedded


def test_exhibit_pages_keep_their_place_when_the_zones_are_free(tmp_path):
    # a photo on its A4 page (15 mm margins) and a text page with usual margins stay as they were;
    # the found signature page and a dark full-page scan are placed anew
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (1200, 900), (20, 90, 40)).save(photo, "JPEG")
    page = _text_pdf(tmp_path / "page.pdf", [(A4, [(72, 720, "Ordinary text")])])
    photo_pages = prepare_exhibit(1, "照片", [photo], tmp_path / "photo").pdf
    cases = [(photo_pages, 0), (page, 0), (_dark_scan_pdf(tmp_path / "dark.pdf"), 1),
             (_found("text-at-bottom-edge.pdf"), 1),
             (_scan_pdf(tmp_path / "scan-middle.pdf", [(150, "Body text of a scanned page")]), 0),
             (_scan_pdf(tmp_path / "scan-signed.pdf", [(150, "Body"), (7, "Signed: LI Si")]), 1)]
    for n, (source, placed) in enumerate(cases):
        exhibit = tmp_path / f"exhibit-{n}.pdf"
        evidence_pdf.write_exhibit([(source, source)], exhibit)
        before = exhibit.read_bytes()
        assert evidence_pdf.make_room_for_stamps(exhibit) == placed, source
        assert (exhibit.read_bytes() == before) == (placed == 0)


# -- fit to A4 ------------------------------------------------------------------------------------


FITTED = {
    "letter": (LETTER, "portrait"),
    "tall": ((400.0, 1100.0), "portrait"),
    "wide": ((1300.0, 500.0), "landscape"),
    "a5": ((419.53, 595.28), "portrait"),
}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    root = tmp_path_factory.mktemp("fit")
    sources = {}
    for name, ((width, height), _) in FITTED.items():
        texts = [(40, height / 2, f"{name} middle"), (40, 40, f"{name} bottom"), (40, height - 50, f"{name} top")]
        sources[name] = _text_pdf(root / f"{name}.pdf", [((width, height), texts)], frame=True)
    exhibits = [prepare_exhibit(n, name, [path], root / "work", fit_a4=True)
                for n, (name, path) in enumerate(sources.items(), start=1)]
    result = assemble_bundle(_index(root / "index.pdf", len(exhibits)), exhibits, root / "out" / "fit.pdf")
    return result, sources


def test_fit_a4_makes_every_page_a4_in_its_orientation(fitted):
    result, _ = fitted
    with pikepdf.open(result.path) as document:
        sizes = [tuple(float(v) for v in page.mediabox[2:]) for page in document.pages]
    for (name, (_, orientation)), entry in zip(FITTED.items(), result.entries, strict=True):
        width, height = sizes[entry.first_page - 1]
        expected = A4 if orientation == "portrait" else A4[::-1]
        assert abs(width - expected[0]) < 0.01 and abs(height - expected[1]) < 0.01, (name, width, height)


def test_fit_a4_keeps_all_content_uniformly_scaled_and_off_the_stamps(fitted, tmp_path):
    result, sources = fitted
    scale = DPI / 72
    pages = _words(result.path)
    for entry, (name, source) in zip(result.entries, sources.items(), strict=True):
        width, height, words = pages[entry.first_page - 1]
        texts = " ".join(w[0] for w in words)
        for where in ("middle", "bottom", "top"):
            assert f"{name} {where}" in texts
        out = _render(result.path, entry.first_page, tmp_path)
        stamps = [w[1:] for w in words if w[0] in ("—", str(entry.first_page)) or LABEL.fullmatch(w[0])]
        assert len(stamps) == 4, (name, words)
        assert not _strays(out, width, height, stamps, scale), f"{name}: content in a stamp zone"
        # without the stamps, the ink is the page: its frame shows where it lies
        mask = out.point(lambda v: 255 if v < INK else 0)
        for box in stamps:
            ImageDraw.Draw(mask).rectangle([v * scale - 2 for v in box[:2]] + [v * scale + 2 for v in box[2:]],
                                           fill=0)
        box = mask.getbbox()
        assert box, name  # the frame along its edges is compared below: all of it is on the page
        # the placed page, cut out and brought back to the original's size, looks like the original
        original = _render(source, 1, tmp_path)
        placed = out.crop(box).resize(original.size)
        difference = ImageChops.difference(placed, original)
        mean = sum(value * count for value, count in enumerate(difference.histogram())) / (
            original.width * original.height)
        assert mean < 12, (name, mean)
        if name == "a5":  # smaller than A4: placed at its own size
            assert abs((box[3] - box[1]) - original.height) <= 3, (name, box, original.size)
        else:  # larger: shrunk into the page, not cropped
            assert (box[2] - box[0]) < original.width and (box[3] - box[1]) < original.height


def test_fit_a4_at_assembly_for_exhibits_prepared_without_it(tmp_path):
    letter = _text_pdf(tmp_path / "letter.pdf", [(LETTER, [(40, 20, "letter footer")])])
    exhibit = prepare_exhibit(1, "信纸", [letter], tmp_path / "work")
    result = assemble_bundle(_index(tmp_path / "index.pdf", 1), [exhibit], tmp_path / "b.pdf", fit_a4=True)
    width, height, words = _words(result.path)[1]
    assert (round(width, 2), round(height, 2)) == (round(A4[0], 2), round(A4[1], 2))
    footer = [w for w in words if w[0] == "footer"]
    assert footer and not any(_overlap(footer[0][1:], zone) for zone in _zones_from_top(width, height))


# -- placing and fonts, directly -------------------------------------------------------------------


def test_place_chooses_the_least_reduction_that_frees_the_zones():
    width, height = A4
    assert placement.place(width, height, occupied=lambda rect: False) is None
    bottom, top = stamp.bands(width, height)
    only_bottom = stamp.zones(width, height)[0]
    plan = placement.place(width, height, occupied=lambda rect: _overlap(rect, only_bottom))
    assert plan.size == (width, height) and abs(plan.scale - (height - bottom) / height) < 1e-9
    plan = placement.place(width, height, occupied=lambda rect: True)
    assert abs(plan.scale - (height - bottom - top) / height) < 1e-9
    assert abs(plan.offset[1] - bottom) < 1e-9  # between the bands


def test_place_fit_a4_sizes():
    letter = placement.place(*LETTER, fit_a4=True)
    assert letter.size == A4 and abs(letter.scale - A4[0] / LETTER[0]) < 1e-9
    landscape = placement.place(1000, 700, fit_a4=True)
    assert landscape.size == A4[::-1] and landscape.scale < 1
    a5 = placement.place(419.53, 595.28, fit_a4=True)
    assert a5.size == A4 and a5.scale == 1.0
    assert placement.place(*A4, fit_a4=True, occupied=lambda rect: False) is None


def _make_stamp_font():
    """scripts/make_stamp_font.py, as a namespace (its build_font and SOURCE)."""
    return runpy.run_path(str(ROOT / "scripts" / "make_stamp_font.py"))


def test_default_stamp_font_is_made_from_noto_sans_cjk():
    script = _make_stamp_font()
    if not script["SOURCE"].is_file():
        pytest.skip(f"{script['SOURCE']} not installed (Debian package fonts-noto-cjk)")
    assert script["build_font"](script["SOURCE"]) == stamp.DEFAULT_FONT.read_bytes(), (
        "evidence/data/stamp-font.ttf is stale: run scripts/make_stamp_font.py")


def test_another_stamp_font_is_embedded_in_its_place(tmp_path):
    serif = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
    if not serif.is_file():
        pytest.skip(f"{serif} not installed (Debian package fonts-noto-cjk)")
    font = tmp_path / "serif-stamp.ttf"
    font.write_bytes(_make_stamp_font()["build_font"](serif))
    exhibit = prepare_exhibit(1, "甲", [_text_pdf(tmp_path / "a.pdf", [(A4, [(72, 700, "text")])])], tmp_path / "w")
    result = assemble_bundle(_index(tmp_path / "index.pdf", 1), [exhibit], tmp_path / "b.pdf", stamp_font=font)
    fonts = subprocess.run(["pdffonts", str(result.path)], check=True, capture_output=True, text=True).stdout
    assert "NotoSerifCJKsc-Regular" in fonts
    assert "证据1-1" in subprocess.run(["pdftotext", str(result.path), "-"], check=True, capture_output=True,
                                     text=True).stdout


def test_unusable_stamp_fonts_are_refused(tmp_path):
    digits_only = tmp_path / "digits.ttf"
    options = subset.Options()
    subsetter = subset.Subsetter(options)
    source = FontToolsFont(DEJAVU)
    subsetter.populate(text="0123456789 -")
    subsetter.subset(source)
    source.save(digits_only)
    exhibit = prepare_exhibit(1, "甲", [_text_pdf(tmp_path / "a.pdf", [(A4, [(72, 700, "text")])])], tmp_path / "w")
    out = tmp_path / "out" / "b.pdf"
    index = _index(tmp_path / "index.pdf", 1)
    for font, message in ((digits_only, "digits.ttf：字体缺少证据标签所需的“证”“据”二字"),
                          (DEJAVU, "DejaVuSans.ttf：该字体无法用于页码：more than 64 glyphs"),
                          (tmp_path / "none.ttf", "none.ttf：找不到页码字体")):
        with pytest.raises(BundleError, match=message):
            assemble_bundle(index, [exhibit], out, stamp_font=font)
        assert not out.exists()


def test_packet_fit_a4_from_the_command_line(tmp_path):
    """``legaldocs packet --fit-a4``: the demo case with a Letter and a landscape legal exhibit
    added has only A4 pages in 证据材料.pdf, each exhibit page labelled."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    letter = _text_pdf(tmp_path / "letter.pdf", [(LETTER, [(40, 20, "US letter footer")]),
                                                 ((1008.0, 612.0), [(40, 300, "legal landscape")])])
    data["evidence"].append({"id": "X1", "title": "美国信纸文件", "files": [str(letter)],
                             "purpose": "证明有关事实", "group": "其他"})
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "evidence.cli", "packet", str(case), "--out", str(tmp_path / "out"),
                          "--quiet", "--fit-a4"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    bundle = next((tmp_path / "out").glob("*/证据材料.pdf"))
    pages = _words(bundle)
    for number, (width, height, words) in enumerate(pages, start=1):
        assert sorted((round(width, 1), round(height, 1))) == [round(A4[0], 1), round(A4[1], 1)], number
    last = len(data["evidence"])
    ours = [(width > height, {w[0] for w in words}) for width, height, words in pages
            if f"证据{last}-1" in {w[0] for w in words} or f"证据{last}-2" in {w[0] for w in words}]
    assert [landscape for landscape, _ in ours] == [False, True]
    assert "footer" in ours[0][1] and "landscape" in ours[1][1]


def test_index_footer_is_not_covered(tmp_path):
    """A bank's own 证据目录 template may print its own footer where the page number goes."""
    index = _text_pdf(tmp_path / "index.pdf", [(A4, [(72, 760, "Exhibit 1"), (250, 18, "Index footer text")])])
    exhibit = prepare_exhibit(1, "甲", [_text_pdf(tmp_path / "a.pdf", [(A4, [(72, 700, "text")])])], tmp_path / "w")
    result = assemble_bundle(index, [exhibit], tmp_path / "b.pdf")
    width, height, words = _words(result.path)[0]
    footer = [w for w in words if w[0] in ("Index", "footer", "text")]
    assert len(footer) == 3
    assert not [w for w in footer for zone in _zones_from_top(width, height) if _overlap(w[1:], zone)]
    assert [w[0] for w in words if w[2] > height - 40] == ["—", "1", "—"]
