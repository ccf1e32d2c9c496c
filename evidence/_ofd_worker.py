"""The OFD conversion process: ``python -m evidence._ofd_worker OFD PDF REPORT LANGUAGE MEMORY``.

Run by :func:`evidence.ofd.ofd_to_pdf` in a scratch folder, never imported by the package: the
easyofd library it drives sets process-wide state (fonts registered with reportlab, log
output, ``sys.path``) and prints as it goes. It reads the package (refusing hostile ones),
resolves the document's structure, draws every page with easyofd's drawing methods on a
reportlab canvas whose text font is Noto Serif CJK SC, writes the PDF at ``PDF`` and a JSON
report at ``REPORT``: ``{"pages": n, "fonts": [...], "font_used": ..., "lost_chars":
{page: [count, sample]}, "lost_images", "lost_seals", "lost_paths": {page: count}, "seals": n,
"dropped_annotations": {type: count}}``, or ``{"error": reason}`` (exit status 2) when the
package is refused. ``LANGUAGE`` is the language of the messages, ``MEMORY`` the most bytes
of address space the process may use.
"""

from __future__ import annotations

import base64
import io
import json
import os
import posixpath
import resource
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree

from evidence import images
from evidence.errors import ExhibitError
from evidence.ofd import OfdProblem, parse_xml, read_package, resolve
from legaldocs.i18n import _, set_language

#: The name easyofd draws every text with; registered here as the embedded CJK font.
TEXT_FONT = "宋体"
#: Millimetres to points.
MM = 72 / 25.4
#: Largest image (pixels) an OFD may carry.
MAX_IMAGE_PIXELS = 200_000_000
_FONT_CANDIDATES = (
    ("Noto Serif CJK SC", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("Noto Sans CJK SC", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
)
_DEFAULT_BOX = (0.0, 0.0, 210.0, 297.0)
_DRAWN_ANNOTATIONS = ("Stamp", "Watermark")
_UNPRINTED_ANNOTATIONS = ("Link",)


def main(argv: list[str]) -> int:
    source, out, report_path, language, memory = argv
    limit = int(memory)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    set_language(language)
    try:
        report = convert(Path(source), Path(out))
    except OfdProblem as exc:
        report = {"error": str(exc)}
    except MemoryError:
        report = {"error": _("converting the OFD file needs more than {limit} MiB of memory: refused").format(
            limit=limit // 2**20)}
    Path(report_path).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return 2 if "error" in report else 0


# -- structure -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _children(element: ElementTree.Element | None, name: str) -> list[ElementTree.Element]:
    return [child for child in (() if element is None else element) if _local(child.tag) == name]


def _child(element: ElementTree.Element | None, name: str) -> ElementTree.Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _descendants(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [node for node in element.iter() if _local(node.tag) == name]


def _text(element: ElementTree.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    """``x y width height`` in millimetres, read to the micrometre; None unless four numbers
    with a positive width and height."""
    try:
        micrometres = [int(Decimal(part) * 1000) for part in (value or "").split()]
    except (InvalidOperation, ValueError, OverflowError):
        return None
    if len(micrometres) != 4 or micrometres[2] <= 0 or micrometres[3] <= 0:
        return None
    x, y, width, height = (number / 1000 for number in micrometres)
    return x, y, width, height


def _as_dict(element: ElementTree.Element) -> dict | str | None:
    """The element as xmltodict gives it (what easyofd reads), every element named ``ofd:...``
    whatever prefix or default namespace the file uses. A TextCode keeps its text unstripped
    (leading spaces have positions) and is always a dict."""
    node: dict = {f"@{_local(key)}": value for key, value in element.attrib.items()}
    for child in element:
        key = "ofd:" + _local(child.tag)
        value = _as_dict(child)
        if key in node:
            if not isinstance(node[key], list):
                node[key] = [node[key]]
            node[key].append(value)
        else:
            node[key] = value
    raw = element.text or ""
    keep_raw = _local(element.tag) == "TextCode"
    text = raw if keep_raw and raw.strip() else raw.strip()
    if text:
        if not node and not keep_raw:
            return text
        node["#text"] = text
    return node or None


@dataclass
class _Page:
    number: int
    box: tuple[float, float, float, float]
    parts: list[ElementTree.Element]
    seals: list[dict] = field(default_factory=list)
    annotations: list[ElementTree.Element] = field(default_factory=list)


@dataclass
class _Document:
    pages: list[_Page]
    fonts: dict
    drawparams: dict
    images: dict
    font_names: dict[str, str]


class _Package:
    def __init__(self, members: dict[str, bytes]):
        self.members = members
        self._folded = {name.casefold(): name for name in members}
        self._xml: dict[str, ElementTree.Element] = {}

    def member(self, base: str, reference: str, *, what: str) -> str:
        if not (reference or "").strip():
            raise OfdProblem(_("{base} names no file for its {what}").format(base=base, what=what))
        name = resolve(base, reference)
        if name in self.members:
            return name
        if name.casefold() in self._folded:
            return self._folded[name.casefold()]
        raise OfdProblem(_("{base} refers to {name} ({what}), which the package does not hold").format(
            base=base, name=name, what=what))

    def xml(self, name: str) -> ElementTree.Element:
        if name not in self._xml:
            self._xml[name] = parse_xml(self.members[name], name)
        return self._xml[name]


def read_documents(members: dict[str, bytes]) -> tuple[list[_Document], int]:
    """The package's documents, each page with what to draw on it; and the number of seals."""
    from easyofd.parser_ofd.file_publicres_parser import PublicResFileParser

    package = _Package(members)
    main = package.xml("OFD.xml")
    if _local(main.tag) != "OFD":
        raise OfdProblem(_("OFD.xml is not an OFD main file (its root element is {tag})").format(tag=_local(main.tag)))
    bodies = _children(main, "DocBody")
    if not bodies:
        raise OfdProblem(_("OFD.xml names no document (DocBody)"))
    documents = []
    seals = 0
    number = 0
    for body in bodies:
        doc_name = package.member("OFD.xml", _text(_child(body, "DocRoot")), what="DocRoot")
        document = package.xml(doc_name)
        common = _child(document, "CommonData")
        default_box = _box(_text(_child(_child(common, "PageArea"), "PhysicalBox"))) or _DEFAULT_BOX
        fonts: dict = {}
        drawparams: dict = {}
        images: dict = {}
        font_names: dict[str, str] = {}
        for kind in ("PublicRes", "DocumentRes"):
            for reference in _children(common, kind):
                res_name = package.member(doc_name, _text(reference), what=kind)
                res = package.xml(res_name)
                parsed = PublicResFileParser(_as_dict_root(res))()
                fonts.update(parsed.get("font", {}))
                drawparams.update(parsed.get("drawparams", {}))
                for font in _descendants(res, "Font"):
                    font_names[font.get("ID", "")] = font.get("FontName") or font.get("FamilyName") or ""
                images.update(_images(package, res_name, res))
        templates = {
            template.get("ID", ""): package.member(doc_name, template.get("BaseLoc", ""), what="TemplatePage")
            for template in _children(common, "TemplatePage")
        }
        pages_by_id: dict[str, _Page] = {}
        pages: list[_Page] = []
        for reference in _children(_child(document, "Pages"), "Page"):
            content_name = package.member(doc_name, reference.get("BaseLoc", ""), what="Page")
            content = package.xml(content_name)
            box = _box(_text(_child(_child(content, "Area"), "PhysicalBox"))) or default_box
            below, above = [], []
            for use in _children(content, "Template"):
                template_name = templates.get(use.get("TemplateID", ""))
                if template_name is None:
                    raise OfdProblem(_("{page} uses template {id}, which {document} does not define").format(
                        page=content_name, id=use.get("TemplateID", ""), document=doc_name))
                (above if use.get("ZOrder") == "Foreground" else below).append(package.xml(template_name))
            number += 1
            page = _Page(number, box, [*below, content, *above])
            pages.append(page)
            pages_by_id[reference.get("ID", "")] = page
        if not pages:
            raise OfdProblem(_("{document} has no pages").format(document=doc_name))
        annotations_ref = _child(document, "Annotations")
        if annotations_ref is not None and _text(annotations_ref):
            index_name = package.member(doc_name, _text(annotations_ref), what="Annotations")
            for entry in _children(package.xml(index_name), "Page"):
                page = pages_by_id.get(entry.get("PageID", ""))
                if page is None:
                    continue
                file_name = package.member(index_name, _text(_child(entry, "FileLoc")), what="FileLoc")
                page.annotations.extend(_descendants(package.xml(file_name), "Annot"))
        signatures_ref = _child(body, "Signatures")
        if signatures_ref is not None and _text(signatures_ref):
            index_name = package.member("OFD.xml", _text(signatures_ref), what="Signatures")
            for signature in _children(package.xml(index_name), "Signature"):
                signature_name = package.member(index_name, signature.get("BaseLoc", ""), what="Signature")
                signed = package.xml(signature_name)
                value_name = package.member(signature_name, _text(_child(signed, "SignedValue")), what="SignedValue")
                value = base64.b64encode(members[value_name]).decode("ascii")
                for stamp in _descendants(signed, "StampAnnot"):
                    seals += 1
                    page = pages_by_id.get(stamp.get("PageRef", ""))
                    if page is not None and _box(stamp.get("Boundary")):
                        page.seals.append({"Boundary": stamp.get("Boundary"), "SignedValue": value,
                                           "PageRef": stamp.get("PageRef")})
        documents.append(_Document(pages, fonts, drawparams, images, font_names))
    return documents, seals


def _as_dict_root(element: ElementTree.Element) -> dict:
    return {"ofd:" + _local(element.tag): _as_dict(element) or {}}


def _images(package: _Package, res_name: str, res: ElementTree.Element) -> dict:
    """The resource's images as easyofd draws them: JPEG or PNG, base64, by ID."""
    base_folder = res.get("BaseLoc", "").strip()
    base = resolve(res_name, posixpath.join(base_folder, "_")) if base_folder else res_name
    found = {}
    for media in _descendants(res, "MultiMedia"):
        if (media.get("Type") or "Image").lower() != "image":
            continue
        reference = _text(_child(media, "MediaFile"))
        name = None
        for origin in (base, res_name):
            try:
                name = package.member(origin, reference, what="MediaFile")
                break
            except OfdProblem:
                continue
        if name is None:
            continue  # drawn nowhere: counted as lost where it is used
        try:
            converted = images.as_jpeg_or_png(package.members[name], max_image_pixels=MAX_IMAGE_PIXELS, label=name)
        except ExhibitError as exc:
            raise OfdProblem(str(exc)) from exc
        if converted is None:
            continue  # JBIG2, damaged or unknown images: counted as lost where used
        data, suffix = converted
        found[media.get("ID", "")] = {"format": suffix, "suffix": suffix, "fileName": name, "wrap_pos": "",
                                      "type": "Image", "imgb64": base64.b64encode(data).decode("ascii")}
    return found


# -- font ----------------------------------------------------------------------------------------


def _font_file() -> tuple[str, str, int]:
    """(family, path, face index) of the CJK font to draw text with."""
    for family, path, index in _FONT_CANDIDATES:
        try:
            found = subprocess.run(["fc-match", "-f", "%{family}|%{file}|%{index}", f"{family}:style=Regular"],
                                   capture_output=True, text=True, timeout=30, check=False).stdout
            families, file, face = found.split("|")
            if family in families.split(",") and Path(file).is_file():
                return family, file, int(face)
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
        if Path(path).is_file():
            return family, path, index
    raise OfdProblem(_("no Chinese font to draw the OFD text with: install Debian package fonts-noto-cjk"))


def _truetype_subset(path: str, index: int, characters: set[str], out: Path) -> set[str]:
    """Write at ``out`` a TrueType font with the glyphs of ``characters`` from the (CFF) font;
    return the characters the font lacks."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(path, fontNumber=index, lazy=False, recalcTimestamp=False)  # same input, same bytes
    cmap = font.getBestCmap()
    wanted = {char for char in characters if ord(char) in cmap}
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(wanted)) or " ")
    subsetter.subset(font)
    if "glyf" not in font:
        order = font.getGlyphOrder()
        glyphs = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(glyphs)
            glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        maxp = newTable("maxp")
        maxp.tableVersion = 0x00010000
        maxp.numGlyphs = len(order)
        for key in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxTwilightPoints",
                    "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                    "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
            setattr(maxp, key, 0)
        maxp.maxZones = 1
        font["maxp"] = maxp
        font["head"].glyphDataFormat = 0
        post = font["post"]
        post.formatType = 2.0
        post.extraNames = []
        post.mapping = {}
        post.glyphOrder = order
        for table in ("CFF ", "CFF2", "VORG"):
            if table in font:
                del font[table]
        font.sfntVersion = "\x00\x01\x00\x00"
    font.save(str(out))
    return {char for char in characters if char not in wanted}


# -- drawing -------------------------------------------------------------------------------------


def _make_canvas(out: Path):
    from reportlab.pdfgen import canvas

    class CountingCanvas(canvas.Canvas):
        """A canvas that remembers what was drawn on it: text, and images."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.text: list[str] = []
            self.images = 0
            self.path_style: _PathStyle | None = None

        def drawString(self, x, y, text, *args, **kwargs):  # noqa: N802 - reportlab's name
            self.text.append(text)
            return super().drawString(x, y, text, *args, **kwargs)

        def drawImage(self, *args, **kwargs):  # noqa: N802 - reportlab's name
            self.images += 1
            return super().drawImage(*args, **kwargs)

        def drawPath(self, path, stroke=1, fill=0, **kwargs):  # noqa: N802 - reportlab's name
            """easyofd strokes every path, in its fill colour: draw it as the PathObject says."""
            style = self.path_style
            if style is None:
                return super().drawPath(path, stroke=stroke, fill=fill, **kwargs)
            self.saveState()
            _set_colour(self.setStrokeColorRGB, self.setStrokeColorCMYK, style.stroke_colour)
            _set_colour(self.setFillColorRGB, self.setFillColorCMYK, style.fill_colour)
            result = super().drawPath(path, stroke=int(style.stroke), fill=int(style.fill),
                                      fillMode=1 if style.even_odd else 0)
            self.restoreState()
            return result

    return CountingCanvas(str(out), initialFontName=TEXT_FONT, initialFontSize=10, invariant=1,
                          pageCompression=1)


@dataclass(frozen=True)
class _PathStyle:
    """How a PathObject is painted (GB/T 33190 defaults: stroked in black, not filled)."""

    stroke: bool = True
    fill: bool = False
    stroke_colour: tuple[int, ...] = (0, 0, 0)
    fill_colour: tuple[int, ...] = (0, 0, 0)
    even_odd: bool = False


def _colour(element: ElementTree.Element | None, fallback: object) -> tuple[int, ...]:
    """A colour's ``Value`` (0-255 per component: grey, RGB or CMYK), else ``fallback`` (a
    DrawParam's list of strings, as easyofd reads it), else black."""
    for value in ((element.get("Value") if element is not None else None), fallback):
        parts = value.split() if isinstance(value, str) else list(value or [])
        try:
            numbers = tuple(min(255, max(0, int(Decimal(str(part))))) for part in parts)
        except (InvalidOperation, ValueError):
            continue
        if len(numbers) in (1, 3, 4):
            return numbers
    return (0, 0, 0)


def _path_style(element: ElementTree.Element | None, drawparams: dict) -> _PathStyle:
    if element is None:
        return _PathStyle()
    param = drawparams.get(element.get("DrawParam", ""), {}) if element.get("DrawParam") else {}
    return _PathStyle(
        stroke=element.get("Stroke", "true").strip().lower() != "false",
        fill=element.get("Fill", "false").strip().lower() == "true",
        stroke_colour=_colour(_child(element, "StrokeColor"), param.get("StrokeColor", {}).get("value")),
        fill_colour=_colour(_child(element, "FillColor"), param.get("FillColor", {}).get("value")),
        even_odd=element.get("Rule", "").replace("-", "").lower() == "evenodd",
    )


def _set_colour(rgb, cmyk, colour: tuple[int, ...]) -> None:
    if len(colour) == 1:
        rgb(colour[0] / 255, colour[0] / 255, colour[0] / 255)
    elif len(colour) == 3:
        rgb(colour[0] / 255, colour[1] / 255, colour[2] / 255)
    else:
        cmyk(*(component / 255 for component in colour))


def _visible(text: str) -> str:
    return "".join(char for char in text if not char.isspace())


def convert(source: Path, out: Path) -> dict:
    """Convert the OFD at ``source`` into the PDF ``out``; return the report (see the module)."""
    import logging

    from loguru import logger

    logger.remove()  # easyofd logs every step
    logging.disable(logging.CRITICAL)
    members = read_package(source)
    saved_path = list(sys.path)
    from easyofd.draw.draw_pdf import DrawPDF
    from easyofd.parser_ofd.file_annotation_parser import AnnotationFileParser
    from easyofd.parser_ofd.file_content_parser import ContentFileParser

    sys.path[:] = saved_path  # easyofd adds the working folder and its parent
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    documents, seals = read_documents(members)
    characters: set[str] = set()
    for document in documents:
        for page in document.pages:
            for part in page.parts:
                for code in _descendants(part, "TextCode"):
                    characters.update(code.text or "")
            for annotation in page.annotations:
                for code in _descendants(annotation, "TextCode"):
                    characters.update(code.text or "")
    characters = {char for char in characters if unicodedata.category(char)[0] != "C"}  # no controls
    family, font_path, face = _font_file()
    font_out = out.with_name(out.name + ".font.ttf")
    try:
        lacking = _truetype_subset(font_path, face, characters, font_out)
        pdfmetrics.registerFont(TTFont(TEXT_FONT, str(font_out)))
    finally:
        font_out.unlink(missing_ok=True)

    drawer = DrawPDF.__new__(DrawPDF)  # its __init__ scans every installed font; nothing it sets is used here
    drawer.OP = MM
    drawer.SupportImgType = ("JPG", "JPEG", "PNG")
    drawer.init_font = TEXT_FONT
    drawer.author = ""
    temporary = out.with_name(out.name + ".part")
    c = _make_canvas(temporary)
    c.setCreator("legaldocs")
    lost_chars: dict[int, tuple[int, str]] = {}
    lost_images: dict[int, int] = {}
    lost_seals: dict[int, int] = {}
    lost_paths: dict[int, int] = {}
    dropped: Counter[str] = Counter()
    used_fonts: set[str] = set()
    pages = 0
    for document in documents:
        for page in document.pages:
            pages += 1
            x, y, width, height = page.box
            page_size = [x, y, width, height]
            c.setPageSize((width * MM, height * MM))
            text_list, img_list, line_list = [], [], []
            expected = Counter()
            expected_images = 0
            for part in page.parts:
                try:
                    content = ContentFileParser(_as_dict_root(part))()
                except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
                    raise OfdProblem(_("page {page} cannot be read: {error}").format(
                        page=page.number, error=f"{type(exc).__name__}: {exc}")) from exc
                text_list += content["text_list"]
                img_list += content["img_list"]
                line_list += content["line_list"]
                for text_object in _descendants(part, "TextObject"):
                    used_fonts.add(document.font_names.get(text_object.get("Font", ""), ""))
                    for code in _children(text_object, "TextCode"):
                        expected.update(_visible(code.text or ""))
                expected_images += len(_descendants(part, "ImageObject"))
            before_images = c.images
            drawer.draw_img(c, img_list, document.images, page_size)
            drawn_images = c.images - before_images
            before_text = len(c.text)
            drawer.draw_chars(c, text_list, document.fonts, page_size, document.drawparams)
            drawn = Counter(char for text in c.text[before_text:] for char in _visible(text) if char not in lacking)
            paths = {element.get("ID", ""): element for part in page.parts for element in _descendants(part, "PathObject")}
            for line in line_list:  # one at a time: a path easyofd cannot read is counted, not fatal
                c.path_style = _path_style(paths.get(str(line.get("ID", ""))), document.drawparams)
                try:
                    drawer.draw_line(c, [line], page_size, document.drawparams)
                except (ValueError, TypeError, KeyError, IndexError, AttributeError, ZeroDivisionError):
                    lost_paths[page.number] = lost_paths.get(page.number, 0) + 1
            c.path_style = None
            before_seals = c.images
            if page.seals:
                drawer.draw_signature(c, page.seals, page_size)
            if c.images - before_seals < len(page.seals):
                lost_seals[page.number] = len(page.seals) - (c.images - before_seals)
            if page.annotations:
                shown = {}
                for annotation in page.annotations:
                    kind = annotation.get("Type", "")
                    if kind in _DRAWN_ANNOTATIONS:
                        continue
                    if kind not in _UNPRINTED_ANNOTATIONS:
                        dropped[kind or "?"] += 1
                for annotation in page.annotations:
                    if annotation.get("Type", "") in _DRAWN_ANNOTATIONS:
                        shown.update(AnnotationFileParser({"ofd:PageAnnot": {"ofd:Annot": _as_dict(annotation)}})())
                if shown:
                    drawer.draw_annotation(c, shown, document.images, page_size)
            missing = expected - drawn
            if missing:
                sample = "".join(sorted(missing, key=lambda char: -missing[char]))[:12]
                lost_chars[page.number] = (sum(missing.values()), sample)
            if drawn_images < expected_images:
                lost_images[page.number] = expected_images - drawn_images
            c.showPage()
    c.save()
    os.replace(temporary, out)
    return {
        "pages": pages,
        "fonts": sorted(name for name in used_fonts if name),
        "font_used": family,
        "lost_chars": lost_chars,
        "lost_images": lost_images,
        "lost_seals": lost_seals,
        "lost_paths": lost_paths,
        "seals": seals,
        "dropped_annotations": dict(dropped),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
