"""Exhibit images re-encoded at a lower resolution for e-filing (prepare_exhibit(downsample_dpi=)).

The exhibit is a PDF made here with pikepdf: scans at 600 dpi as a JPEG, a CCITT G4 fax page and
a lossless grey scan, one drawn through a form XObject, a 100 dpi image, and a page of text and
lines; it is prepared with and without downsampling and the two results compared.
"""

from __future__ import annotations

import io
import random
import subprocess
import zlib
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from pikepdf import Dictionary, Name
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat
from reportlab.pdfgen import canvas

from evidence import EvidenceError, prepare_exhibit

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
A4 = (595, 842)
# each scan is 1200 x 1600 pixels drawn 144 x 192 pt (2 x 2.67 in): 600 dpi
PIXELS = (1200, 1600)
PLACED = (144, 192)


def _scan(mode: str, pixels: tuple[int, int] = PIXELS) -> Image.Image:
    """A page of a scan: lines of text on a tinted, noisy background (``1``: bilevel, no tint)."""
    random.seed(7)
    image = Image.new("RGB", pixels, (235, 225, 205))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 36)
    for row in range(30):
        draw.text((60, 60 + row * 50), f"Loan contract clause {row}: 1,234,567.89", fill=(20, 20, 30), font=font)
    if mode == "1":
        return image.convert("L").point(lambda v: 255 if v > 128 else 0).convert("1", dither=Image.Dither.NONE)
    noise = Image.effect_noise(pixels, 30).convert("RGB")
    image = Image.blend(image, noise, 0.12)
    return image.convert(mode)


def _image_xobject(pdf: pikepdf.Pdf, kind: str, pixels: tuple[int, int] = PIXELS) -> pikepdf.Stream:
    if kind == "jpeg":
        buffer = io.BytesIO()
        _scan("RGB", pixels).save(buffer, format="JPEG", quality=92)
        stream = pikepdf.Stream(pdf, buffer.getvalue())
        stream.Filter, stream.ColorSpace, stream.BitsPerComponent = Name.DCTDecode, Name.DeviceRGB, 8
    elif kind == "fax":
        buffer = io.BytesIO()
        _scan("1").save(buffer, format="TIFF", compression="group4")
        with pikepdf.open(io.BytesIO(img2pdf.convert(buffer.getvalue()))) as made:
            made_image = next(iter(made.pages[0].get_images().values()))
            parms = {key: value for key, value in made_image.DecodeParms[0].items()}
            data = made_image.read_raw_bytes()
        stream = pikepdf.Stream(pdf, data)
        stream.Filter, stream.DecodeParms = Name.CCITTFaxDecode, Dictionary(parms)
        stream.ColorSpace, stream.BitsPerComponent = Name.DeviceGray, 1
    else:  # lossless grey
        stream = pikepdf.Stream(pdf, zlib.compress(_scan("L").tobytes()))
        stream.Filter, stream.ColorSpace, stream.BitsPerComponent = Name.FlateDecode, Name.DeviceGray, 8
    stream.Type, stream.Subtype = Name.XObject, Name.Image
    stream.Width, stream.Height = pixels
    return stream


def _image_page(pdf: pikepdf.Pdf, image: pikepdf.Stream, size: tuple[int, int] = PLACED, *, in_form: bool = False):
    page = pdf.add_blank_page(page_size=A4)
    draw = f"q {size[0]} 0 0 {size[1]} 100 150 cm /Im0 Do Q".encode()
    if in_form:  # drawn by a form XObject that scales by 2: the image is drawn twice as large
        form = pikepdf.Stream(pdf, f"q {size[0] / 2} 0 0 {size[1] / 2} 0 0 cm /Im0 Do Q".encode())
        form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, [0, 0, size[0], size[1]]
        form.Resources = Dictionary(XObject=Dictionary(Im0=image))
        form.Matrix = [2, 0, 0, 2, 0, 0]
        page.Resources = Dictionary(XObject=Dictionary(Fm0=form))
        page.Contents = pdf.make_stream(b"q 1 0 0 1 100 150 cm /Fm0 Do Q")
    else:
        page.Resources = Dictionary(XObject=Dictionary(Im0=image))
        page.Contents = pdf.make_stream(draw)


def _text_pdf(path: Path) -> Path:
    drawing = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    drawing.setFont("Helvetica", 14)
    drawing.drawString(72, 760, "Statement of account: principal 1,000,000.00, interest 23,456.78")
    drawing.setLineWidth(2)
    drawing.line(72, 740, 520, 740)
    drawing.rect(72, 500, 200, 150)
    drawing.save()
    return path


@pytest.fixture(scope="module")
def exhibit_source(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    text = _text_pdf(folder / "text.pdf")
    pdf = pikepdf.new()
    _image_page(pdf, _image_xobject(pdf, "jpeg"))
    _image_page(pdf, _image_xobject(pdf, "fax"))
    _image_page(pdf, _image_xobject(pdf, "grey"))
    _image_page(pdf, _image_xobject(pdf, "jpeg"), PLACED, in_form=True)  # 600 dpi, drawn by a form
    _image_page(pdf, _image_xobject(pdf, "jpeg", (600, 800)), (432, 576))  # 100 dpi
    with pikepdf.open(text) as text_pdf:
        pdf.pages.append(text_pdf.pages[0])
        pdf.save(folder / "scans.pdf")
    return folder / "scans.pdf"


@pytest.fixture(scope="module")
def prepared(exhibit_source, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prepared")
    plain = prepare_exhibit(4, "还款凭证扫描件", [exhibit_source], folder / "plain")
    small = prepare_exhibit(4, "还款凭证扫描件", [exhibit_source], folder / "small", downsample_dpi=150)
    return plain, small


def _images_list(pdf: Path) -> list[dict]:
    """``pdfimages -list``: one row per image drawn, by page."""
    lines = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in lines.splitlines()[2:]:
        cells = line.split()
        rows.append({"page": int(cells[0]), "width": int(cells[3]), "height": int(cells[4]), "enc": cells[8],
                     "bpc": int(cells[7]), "x_ppi": int(cells[12]), "y_ppi": int(cells[13])})
    return rows


def _render(pdf: Path, page: int) -> Image.Image:
    png = subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf)],
                         check=True, capture_output=True).stdout
    return Image.open(io.BytesIO(png)).convert("L")


def test_images_finer_than_the_target_are_brought_to_it(prepared):
    plain, small = prepared
    before, after = _images_list(plain.pdf), _images_list(small.pdf)
    assert [row["x_ppi"] for row in before] == [600, 600, 600, 600, 100]
    by_page = {row["page"]: row for row in after}
    for page in (1, 2, 3, 4):  # the 600 dpi scans, the one in a form included
        assert by_page[page]["x_ppi"] == pytest.approx(150, abs=1)
        assert by_page[page]["y_ppi"] == pytest.approx(150, abs=1)
    assert (by_page[1]["enc"], by_page[2]["enc"], by_page[2]["bpc"]) == ("jpeg", "ccitt", 1)  # fax stays bilevel G4
    assert by_page[3]["enc"] == "jpeg"  # a grey scan with every grey level
    assert by_page[5] == {**before[4], "page": 5}  # 100 dpi: never upsampled, untouched


def test_downsampled_exhibit_is_smaller_same_pages_and_looks_the_same(prepared):
    plain, small = prepared
    assert small.page_count == plain.page_count == 6
    assert small.pdf.stat().st_size < plain.pdf.stat().st_size / 4
    assert small.downsampled == (plain.pdf.stat().st_size, small.pdf.stat().st_size)
    assert plain.downsampled is None
    with pikepdf.open(plain.pdf) as one, pikepdf.open(small.pdf) as two:
        assert [list(p.mediabox) for p in one.pages] == [list(p.mediabox) for p in two.pages]
    for page in range(1, 7):
        difference = ImageStat.Stat(ImageChops.difference(_render(plain.pdf, page), _render(small.pdf, page))).mean[0]
        assert difference < 3, (page, difference)

    notes = [note for note in small.notes if note.kind == "downsampled"]
    assert len(notes) == 1 and notes[0].severity == "note"
    assert "4 幅图像" in notes[0].text and "150 dpi" in notes[0].text and "600 dpi" in notes[0].text
    assert "减少" in notes[0].text


def test_text_and_drawings_are_untouched(prepared):
    plain, small = prepared
    text = lambda pdf: subprocess.run(["pdftotext", "-f", "6", "-l", "6", str(pdf), "-"],  # noqa: E731
                                      check=True, capture_output=True, text=True).stdout
    assert "principal 1,000,000.00" in text(small.pdf)
    assert text(small.pdf) == text(plain.pdf)
    with pikepdf.open(plain.pdf) as one, pikepdf.open(small.pdf) as two:
        for first, second in zip(one.pages, two.pages, strict=True):
            assert pikepdf.unparse_content_stream(pikepdf.parse_content_stream(first)) == \
                pikepdf.unparse_content_stream(pikepdf.parse_content_stream(second))


def test_nothing_finer_than_the_target_leaves_the_exhibit_as_it_was(tmp_path, exhibit_source):
    with pikepdf.open(exhibit_source) as source:
        del source.pages[:4]  # the 100 dpi image and the text page
        source.save(tmp_path / "coarse.pdf")
    plain = prepare_exhibit(1, "扫描件", [tmp_path / "coarse.pdf"], tmp_path / "plain")
    kept = prepare_exhibit(1, "扫描件", [tmp_path / "coarse.pdf"], tmp_path / "kept", downsample_dpi=150)
    assert kept.pdf.read_bytes() == plain.pdf.read_bytes()
    size = plain.pdf.stat().st_size
    assert kept.downsampled == (size, size)
    assert not [note for note in kept.notes if note.kind == "downsampled"]


def test_image_files_are_downsampled_too(tmp_path):
    scan = tmp_path / "回单.jpg"
    _scan("RGB").resize((4200, 5600)).save(scan, quality=90, dpi=(600, 600))  # fills A4 at about 600 dpi
    exhibit = prepare_exhibit(1, "回单", [scan], tmp_path / "work", downsample_dpi=200)
    row = _images_list(exhibit.pdf)[0]
    assert row["enc"] == "jpeg" and row["x_ppi"] == pytest.approx(200, abs=1)
    before, after = exhibit.downsampled
    assert after < before / 3


@pytest.mark.parametrize("dpi", [0, 10, 5000, 150.0, True])
def test_resolution_out_of_range_refused(tmp_path, exhibit_source, dpi):
    with pytest.raises(EvidenceError, match="dpi"):
        prepare_exhibit(1, "扫描件", [exhibit_source], tmp_path / "work", downsample_dpi=dpi)
