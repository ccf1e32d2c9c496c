"""Small OFD (GB/T 33190) files written by hand for the tests, as Chinese issuers lay them out.

An OFD is a ZIP: ``OFD.xml`` at the root names the document (``Doc_0/Document.xml``), which
lists its pages (``Pages/Page_N/Content.xml``) and resources: ``PublicRes.xml`` (fonts) and
``DocumentRes.xml`` (images under ``Res/``). Coordinates are millimetres from the top left.
:func:`write_ofd` writes one such file; the pieces are also given separately so that a test can
write a damaged or hostile package from them.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

NS = "http://www.ofdspec.org/2016"

#: Text of the first sample page, one entry per line: (x mm, baseline y mm, size mm, text).
RECEIPT_LINES = [
    (60.0, 30.0, 7.0, "中国工商银行电子回单"),
    (20.0, 50.0, 4.2, "付款人：华东精密机械有限公司"),
    (20.0, 58.0, 4.2, "收款人：中国工商银行股份有限公司上海分行"),
    (20.0, 66.0, 4.2, "金额：人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    (20.0, 74.0, 4.2, "小写：¥1,234,567.89"),
    (20.0, 82.0, 4.2, "用途：归还借款本金及利息"),
    (20.0, 90.0, 4.2, "交易日期：2024年3月15日"),
]
#: Text of the second sample page (a template footer is added to every page).
SECOND_PAGE_LINES = [
    (20.0, 30.0, 5.0, "附言：本回单为电子回单，可重复打印。"),
    (20.0, 40.0, 4.2, "验证码：A3F9-77C2-0B1D"),
]
FOOTER = (20.0, 285.0, 3.5, "第 页 本回单仅证明款项已付出")


def advances(text: str, size: float) -> list[float]:
    """Distance to each next character (DeltaX): a full em for CJK, half an em for ASCII."""
    return [size if ord(char) > 0x7F else size * 0.55 for char in text[:-1]]


def text_object(object_id: int, x: float, baseline: float, size: float, text: str, font_id: int = 2,
                colour: str = "0 0 0") -> str:
    """A TextObject whose Boundary starts at ``x`` and whose text sits on ``baseline`` (mm)."""
    width = sum(advances(text, size)) + size
    top = baseline - size
    delta = " ".join(f"{value:g}" for value in advances(text, size))
    delta_attr = f' DeltaX="{delta}"' if delta else ""
    return (
        f'<ofd:TextObject ID="{object_id}" Boundary="{x:g} {top:g} {width:g} {size * 1.4:g}" '
        f'Font="{font_id}" Size="{size:g}">'
        f'<ofd:FillColor Value="{colour}"/>'
        f'<ofd:TextCode X="0" Y="{size:g}"{delta_attr}>{escape(text)}</ofd:TextCode>'
        f"</ofd:TextObject>"
    )


def seal_png(diameter: int = 240) -> bytes:
    """A red round seal (印章) with a star on a transparent background, as PNG."""
    image = Image.new("RGBA", (diameter, diameter), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, diameter - 6, diameter - 6), outline=(220, 0, 0, 255), width=10)
    centre = diameter / 2
    star = [(centre, centre - 40), (centre + 12, centre - 12), (centre + 40, centre - 10),
            (centre + 18, centre + 10), (centre + 25, centre + 40), (centre, centre + 22),
            (centre - 25, centre + 40), (centre - 18, centre + 10), (centre - 40, centre - 10),
            (centre - 12, centre - 12)]
    draw.polygon(star, fill=(220, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def logo_png() -> bytes:
    """A small opaque bank logo (a blue square with a white bar), as PNG."""
    image = Image.new("RGB", (120, 120), (0, 70, 160))
    ImageDraw.Draw(image).rectangle((20, 50, 100, 70), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def der_signed_value(image: bytes) -> bytes:
    """A minimal DER structure holding the seal picture, where readers look for it in a
    SES_Signature (an OCTET STRING inside a SEQUENCE); it carries no real signature."""

    def tlv(tag: int, body: bytes) -> bytes:
        length = len(body)
        if length < 0x80:
            return bytes([tag, length]) + body
        size = length.to_bytes((length.bit_length() + 7) // 8, "big")
        return bytes([tag, 0x80 | len(size)]) + size + body

    return tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, image))


@dataclass
class OfdSample:
    """The members of a sample OFD package, by name; ``write`` puts them in a ZIP."""

    members: dict[str, bytes] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.members.items():
                archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 15, 10, 0, 0)), data,
                                 compress_type=zipfile.ZIP_DEFLATED)
        return path


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def receipt(*, pages: int = 2, signed: bool = True, first_page_number: int = 0,
            prefix: str = "ofd") -> OfdSample:
    """A bank e-receipt (电子回单): Chinese text, a table drawn with paths, a filled green
    square, a logo image, a footer from a template page and, when ``signed``, an electronic
    seal (电子签章).

    ``first_page_number``: the N of the first ``Pages/Page_N`` folder (issuers start at 0 or 1).
    ``prefix``: the namespace prefix used in the XML (``""``: the OFD namespace as default).
    """
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'

    def fix(text: str) -> str:
        return text.replace("ofd:", p)

    members: dict[str, bytes] = {}
    members["OFD.xml"] = _xml(fix(
        f'<ofd:OFD {xmlns} Version="1.1" DocType="OFD"><ofd:DocBody>'
        "<ofd:DocInfo><ofd:DocID>6f0c1c1e9a2b4f7d8e3a5b6c7d8e9f00</ofd:DocID><ofd:Title>电子回单</ofd:Title>"
        "<ofd:CreationDate>2024-03-15</ofd:CreationDate></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        + ("<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>" if signed else "")
        + "</ofd:DocBody></ofd:OFD>"))
    page_refs = "".join(
        f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{first_page_number + n}/Content.xml"/>'
        for n in range(pages))
    members["Doc_0/Document.xml"] = _xml(fix(
        f"<ofd:Document {xmlns}><ofd:CommonData><ofd:MaxUnitID>200</ofd:MaxUnitID>"
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
        '<ofd:TemplatePage ID="5" BaseLoc="Tpls/Tpl_0/Content.xml"/>'
        f"</ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>"))
    members["Doc_0/PublicRes.xml"] = _xml(fix(
        f'<ofd:Res {xmlns} BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/>'
        '<ofd:Font ID="3" FontName="楷体" FamilyName="楷体"/>'
        "</ofd:Fonts></ofd:Res>"))
    members["Doc_0/DocumentRes.xml"] = _xml(fix(
        f'<ofd:Res {xmlns} BaseLoc="Res"><ofd:MultiMedias>'
        '<ofd:MultiMedia ID="4" Type="Image" Format="PNG"><ofd:MediaFile>logo_4.png</ofd:MediaFile></ofd:MultiMedia>'
        "</ofd:MultiMedias></ofd:Res>"))
    members["Doc_0/Res/logo_4.png"] = logo_png()
    footer = text_object(6, *FOOTER, font_id=3, colour="80 80 80")
    members["Doc_0/Tpls/Tpl_0/Content.xml"] = _xml(fix(
        f'<ofd:Page {xmlns}><ofd:Content><ofd:Layer ID="7" Type="Background">{footer}</ofd:Layer>'
        "</ofd:Content></ofd:Page>"))
    for n in range(pages):
        lines = RECEIPT_LINES if n == 0 else SECOND_PAGE_LINES
        objects = [text_object(100 + 10 * n + i, *line) for i, line in enumerate(lines)]
        if n == 0:
            objects.append(
                '<ofd:PathObject ID="150" Boundary="15 40 180 60" LineWidth="0.5">'
                '<ofd:StrokeColor Value="0 0 0"/>'
                "<ofd:AbbreviatedData>M 0 0 L 180 0 L 180 60 L 0 60 C</ofd:AbbreviatedData></ofd:PathObject>")
            objects.append(
                '<ofd:PathObject ID="151" Boundary="15 70 180 1" LineWidth="0.3">'
                '<ofd:StrokeColor Value="0 0 160"/>'
                "<ofd:AbbreviatedData>M 0 0 L 180 0</ofd:AbbreviatedData></ofd:PathObject>")
            objects.append('<ofd:ImageObject ID="152" Boundary="20 12 25 25" CTM="25 0 0 25 0 0" ResourceID="4"/>')
            objects.append(  # a filled square, not stroked (a QR code's or a bar's way of drawing)
                '<ofd:PathObject ID="153" Boundary="150 14 20 20" Fill="true" Stroke="false">'
                '<ofd:FillColor Value="0 128 0"/>'
                "<ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C</ofd:AbbreviatedData></ofd:PathObject>")
        content = "".join(objects)
        members[f"Doc_0/Pages/Page_{first_page_number + n}/Content.xml"] = _xml(fix(
            f'<ofd:Page {xmlns}><ofd:Template TemplateID="5" ZOrder="Background"/>'
            f'<ofd:Content><ofd:Layer ID="{60 + n}">{content}</ofd:Layer></ofd:Content></ofd:Page>'))
    if signed:
        members["Doc_0/Signs/Signatures.xml"] = _xml(fix(
            f"<ofd:Signatures {xmlns}><ofd:MaxSignId>1</ofd:MaxSignId>"
            '<ofd:Signature ID="1" Type="Seal" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/>'
            "</ofd:Signatures>"))
        members["Doc_0/Signs/Sign_0/Signature.xml"] = _xml(fix(
            f"<ofd:Signature {xmlns}><ofd:SignedInfo>"
            '<ofd:Provider ProviderName="test"/>'
            '<ofd:StampAnnot ID="1" PageRef="10" Boundary="140 85 40 40"/>'
            "</ofd:SignedInfo><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue>"
            "</ofd:Signature>"))
        members["Doc_0/Signs/Sign_0/SignedValue.dat"] = der_signed_value(seal_png())
    return OfdSample(members)


def write_ofd(path: Path, **options) -> Path:
    """Write :func:`receipt` (with ``options``) at ``path``."""
    return receipt(**options).write(path)


def all_text(pages: int = 2) -> str:
    """Every character the receipt's pages show, in order, without spaces."""
    lines = [line[3] for line in RECEIPT_LINES]
    if pages > 1:
        lines += [line[3] for line in SECOND_PAGE_LINES]
    return "".join(lines).replace(" ", "")
