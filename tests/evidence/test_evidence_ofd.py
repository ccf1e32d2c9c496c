"""OFD e-documents (GB/T 33190) as exhibits: recognised by content, converted with their Chinese
text in an embedded font, hostile packages refused by name.

The OFD files are written here by :mod:`ofd_samples` (no binary fixtures).
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import docx
import pikepdf
import pytest
from openpyxl import Workbook
from PIL import Image

from evidence import ExhibitError, prepare_exhibit, unembedded_fonts
from evidence.ofd import MAX_UNPACKED_BYTES
from evidence.sniff import detect_kind

import ofd_samples


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _render(pdf: Path, page: int, folder: Path) -> Image.Image:
    stem = folder / f"page-{page}"
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(stem)], check=True)
    return Image.open(f"{stem}.png").convert("RGB")


def _mm(value: float) -> int:
    """Millimetres to pixels at 60 dpi."""
    return round(value / 25.4 * 60)


def _share(image: Image.Image, box: tuple[float, float, float, float], test) -> float:
    """Share of the pixels in ``box`` (mm: left, top, right, bottom) for which ``test(rgb)`` holds."""
    crop = image.crop(tuple(_mm(v) for v in box))
    pixels = [crop.getpixel((x, y)) for y in range(crop.height) for x in range(crop.width)]
    return sum(1 for pixel in pixels if test(pixel)) / len(pixels)


def _refused(tmp_path: Path, name: str, members: dict[str, bytes]) -> ExhibitError:
    path = tmp_path / name
    ofd_samples.OfdSample(members).write(path)
    with pytest.raises(ExhibitError) as caught:
        prepare_exhibit(1, "电子回单", [path], tmp_path / "work")
    assert str(caught.value).startswith(f"{path}: "), caught.value
    assert not (tmp_path / "work" / "exhibit-001.pdf").exists()
    return caught.value


# -- recognising -----------------------------------------------------------------------------------


def test_ofd_recognised_by_content_with_or_without_its_suffix(tmp_path):
    named = ofd_samples.write_ofd(tmp_path / "回单.ofd")
    bare = ofd_samples.write_ofd(tmp_path / "3f9a77c2")
    assert detect_kind(named) == "ofd"
    assert detect_kind(bare) == "ofd"
    misnamed = ofd_samples.write_ofd(tmp_path / "回单.pdf")
    with pytest.raises(ExhibitError, match="OFD"):
        detect_kind(misnamed)


def test_other_zip_packages_are_not_taken_for_ofd(tmp_path):
    document = docx.Document()
    document.add_paragraph("借款合同")
    document.save(tmp_path / "合同.docx")
    assert detect_kind(tmp_path / "合同.docx") == "docx"
    workbook = Workbook()
    workbook.active["A1"] = "本金"
    workbook.save(tmp_path / "明细.xlsx")
    with pytest.raises(ExhibitError, match="unsupported|不支持"):
        detect_kind(tmp_path / "明细.xlsx")
    with zipfile.ZipFile(tmp_path / "文本.odt", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    assert detect_kind(tmp_path / "文本.odt") == "odt"
    # an OFD.xml deeper in the package is not an OFD's main file
    with zipfile.ZipFile(tmp_path / "归档.ofd", "w") as archive:
        archive.writestr("backup/OFD.xml", "<ofd:OFD/>")
    with pytest.raises(ExhibitError, match="OFD.xml") as caught:
        detect_kind(tmp_path / "归档.ofd")
    assert str(caught.value).startswith(str(tmp_path / "归档.ofd"))


def test_truncated_ofd_refused_by_name(tmp_path):
    whole = ofd_samples.write_ofd(tmp_path / "whole.ofd").read_bytes()
    cut = tmp_path / "截断.ofd"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ExhibitError, match="OFD.xml") as caught:
        prepare_exhibit(1, "电子回单", [cut], tmp_path / "work")
    assert str(caught.value).startswith(f"{cut}: ")


# -- converting ------------------------------------------------------------------------------------


def test_ofd_becomes_pdf_pages_with_chinese_text_in_an_embedded_font(tmp_path):
    source = ofd_samples.write_ofd(tmp_path / "电子回单.ofd")
    exhibit = prepare_exhibit(3, "还款电子回单", [source], tmp_path / "work")

    assert exhibit.page_count == 2
    with pikepdf.open(exhibit.pdf) as pdf:
        sizes = [(round(float(page.mediabox[2])), round(float(page.mediabox[3]))) for page in pdf.pages]
    assert sizes == [(595, 842), (595, 842)]  # 210 x 297 mm, the OFD's PhysicalBox

    text = _squeeze(_text(exhibit.pdf))
    for _, _, _, line in ofd_samples.RECEIPT_LINES + ofd_samples.SECOND_PAGE_LINES:
        assert _squeeze(line) in text
    assert text.count(_squeeze(ofd_samples.FOOTER[3])) == 2  # the template page, on both pages

    assert unembedded_fonts(exhibit.pdf) == []
    fonts = subprocess.run(["pdffonts", str(exhibit.pdf)], check=True, capture_output=True, text=True).stdout
    assert "NotoSerifCJK" in fonts and "Helvetica" not in fonts

    page = _render(exhibit.pdf, 1, tmp_path)
    assert abs(page.size[0] - _mm(210)) <= 1 and abs(page.size[1] - _mm(297)) <= 1
    dark = lambda p: max(p) < 100  # noqa: E731
    red = lambda p: p[0] > 180 and p[1] < 80 and p[2] < 80  # noqa: E731
    blue = lambda p: p[2] > 120 and p[0] < 60  # noqa: E731
    assert _share(page, (60, 23, 130, 31), dark) > 0.05  # the title, in black
    assert _share(page, (20, 45, 120, 92), dark) > 0.02  # the lines of text
    assert _share(page, (22, 14, 43, 35), blue) > 0.5  # the logo (an ImageObject)
    green = lambda p: p[1] > 100 and p[0] < 60 and p[2] < 60  # noqa: E731
    assert _share(page, (151, 15, 169, 33), green) > 0.9  # a filled PathObject is filled, in its colour
    assert _share(page, (140, 85, 180, 125), red) > 0.05  # the seal of the electronic signature
    assert _share(page, (60, 130, 130, 160), lambda p: min(p) > 240) > 0.99  # blank where the OFD is blank
    # the table's frame (a PathObject): its left edge 15 mm from the left, from 40 to 100 mm down
    strip = page.crop((_mm(14), _mm(45), _mm(16) + 1, _mm(95)))
    rows = [[strip.getpixel((x, y)) for x in range(strip.width)] for y in range(strip.height)]
    assert all(min(min(pixel) for pixel in row) < 160 for row in rows)

    kinds = {note.kind: note for note in exhibit.notes}
    assert kinds["ofd-converted"].severity == "note"
    assert "Noto Serif CJK SC" in kinds["ofd-converted"].text and "宋体" in kinds["ofd-converted"].text
    assert kinds["ofd-signature"].severity == "check" and "电子签章" in kinds["ofd-signature"].text
    assert "ofd-content-lost" not in kinds
    assert all(note.file == str(source) for note in exhibit.notes)


def test_ofd_conversion_is_reproducible(tmp_path):
    source = ofd_samples.write_ofd(tmp_path / "电子回单.ofd", pages=1, signed=False)
    first = prepare_exhibit(1, "电子回单", [source], tmp_path / "one")
    second = prepare_exhibit(1, "电子回单", [source], tmp_path / "two")
    assert first.pdf.read_bytes() == second.pdf.read_bytes()
    assert "ofd-signature" not in {note.kind for note in first.notes}


def test_ofd_with_default_namespace_and_pages_numbered_from_one(tmp_path):
    """Issuers differ: no ``ofd:`` prefix, and Page_1 as the first page folder."""
    source = ofd_samples.write_ofd(tmp_path / "判决书.ofd", prefix="", first_page_number=1)
    exhibit = prepare_exhibit(1, "判决书", [source], tmp_path / "work")
    assert exhibit.page_count == 2
    pages = _text(exhibit.pdf).split("\f")
    assert _squeeze(ofd_samples.RECEIPT_LINES[0][3]) in _squeeze(pages[0])
    assert _squeeze(ofd_samples.SECOND_PAGE_LINES[0][3]) in _squeeze(pages[1])


def test_ofd_among_other_files_of_one_exhibit(tmp_path):
    source = ofd_samples.write_ofd(tmp_path / "回单.ofd", pages=1, signed=False)
    scan = tmp_path / "凭证.png"
    Image.new("RGB", (600, 800), "white").save(scan, dpi=(150, 150))
    exhibit = prepare_exhibit(2, "还款凭证", [scan, source], tmp_path / "work")
    assert exhibit.page_count == 2
    assert _squeeze(ofd_samples.RECEIPT_LINES[0][3]) in _squeeze(_text(exhibit.pdf).split("\f")[1])


def test_ofd_whose_image_cannot_be_drawn_is_flagged_as_incomplete(tmp_path):
    sample = ofd_samples.receipt(pages=1, signed=False)
    sample.members["Doc_0/Res/logo_4.png"] = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40  # damaged image
    source = sample.write(tmp_path / "回单.ofd")
    exhibit = prepare_exhibit(1, "电子回单", [source], tmp_path / "work")
    lost = [note for note in exhibit.notes if note.kind == "ofd-content-lost"]
    assert len(lost) == 1 and lost[0].severity == "blocking"
    assert "第1页有 1 幅图像未能显示" in lost[0].text


# -- hostile packages ------------------------------------------------------------------------------


def test_zip_bomb_refused_by_declared_size(tmp_path):
    members = dict(ofd_samples.receipt(pages=1, signed=False).members)
    members["Doc_0/Res/padding.bin"] = bytes(MAX_UNPACKED_BYTES + 1)  # compresses to about 300 KB
    error = _refused(tmp_path, "炸弹.ofd", members)
    assert "257 MiB" in str(error) and ("ZIP bomb" in str(error) or "压缩炸弹" in str(error))


def test_member_inflating_beyond_its_declared_size_refused(tmp_path):
    """A member whose headers declare fewer bytes than its data inflates to."""
    members = dict(ofd_samples.receipt(pages=1, signed=False).members)
    members["Doc_0/Res/big.bin"] = bytes(4_000_000)
    path = ofd_samples.OfdSample(members).write(tmp_path / "谎报.ofd")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("Doc_0/Res/big.bin")
    declared = (4_000_000).to_bytes(4, "little")
    small = (1_000).to_bytes(4, "little")
    assert data.count(declared) == 2  # local header and central directory
    path.write_bytes(bytes(data).replace(declared, small))
    with pytest.raises(ExhibitError) as caught:
        prepare_exhibit(1, "电子回单", [path], tmp_path / "work")
    assert str(caught.value).startswith(f"{path}: ")
    assert info.filename in str(caught.value)


@pytest.mark.parametrize("member", ["../../etc/evil.xml", "/Doc_0/abs.xml", "Doc_0\\Pages\\x.xml", "C:/x.xml"])
def test_member_names_that_climb_out_are_refused(tmp_path, member):
    members = dict(ofd_samples.receipt(pages=1, signed=False).members)
    members[member] = b"<x/>"
    error = _refused(tmp_path, "路径.ofd", members)
    assert repr(member) in str(error)
    assert not (tmp_path.parent / "etc" / "evil.xml").exists()


def test_broken_xml_refused_naming_the_part(tmp_path):
    members = dict(ofd_samples.receipt(pages=1, signed=False).members)
    content = members["Doc_0/Pages/Page_0/Content.xml"]
    members["Doc_0/Pages/Page_0/Content.xml"] = content[: len(content) // 2]
    error = _refused(tmp_path, "损坏.ofd", members)
    assert "Doc_0/Pages/Page_0/Content.xml" in str(error) and "XML" in str(error)


def test_entity_expansion_refused(tmp_path):
    members = dict(ofd_samples.receipt(pages=1, signed=False).members)
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
              + ']><ofd:Res xmlns:ofd="http://www.ofdspec.org/2016">&lol9;</ofd:Res>')
    members["Doc_0/PublicRes.xml"] = laughs.encode()
    error = _refused(tmp_path, "实体.ofd", members)
    assert "Doc_0/PublicRes.xml" in str(error) and "DTD" in str(error)


def test_page_missing_from_the_package_refused(tmp_path):
    members = dict(ofd_samples.receipt(pages=2, signed=False).members)
    del members["Doc_0/Pages/Page_1/Content.xml"]
    error = _refused(tmp_path, "缺页.ofd", members)
    assert "Doc_0/Pages/Page_1/Content.xml" in str(error)


def test_document_without_pages_refused(tmp_path):
    members = dict(ofd_samples.receipt(pages=1, signed=False).members)
    document = members["Doc_0/Document.xml"].decode()
    start, end = document.index("<ofd:Pages>"), document.index("</ofd:Pages>") + len("</ofd:Pages>")
    members["Doc_0/Document.xml"] = (document[:start] + "<ofd:Pages/>" + document[end:]).encode()
    error = _refused(tmp_path, "无页.ofd", members)
    assert "Doc_0/Document.xml" in str(error)


def test_encrypted_member_refused(tmp_path):
    path = ofd_samples.write_ofd(tmp_path / "加密.ofd", pages=1, signed=False)
    data = bytearray(path.read_bytes())
    # set the "encrypted" flag of every member in its local header and the central directory
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset] |= 0x01
            start += 4
    path.write_bytes(bytes(data))
    with pytest.raises(ExhibitError, match="encrypted|加密") as caught:
        prepare_exhibit(1, "电子回单", [path], tmp_path / "work")
    assert str(caught.value).startswith(f"{path}: ")
