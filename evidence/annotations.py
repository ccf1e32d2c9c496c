"""Appearances for printable annotations that have none, so that flattening keeps them.

A highlight, an ink signature or a sticky note added in a PDF viewer may be saved without an
appearance stream (``/AP /N``): viewers draw it from its geometry and print it, but flattening
(qpdf's ``flatten_annotations("print")``) only draws annotations that have an appearance, so
the mark would vanish from the bundle. :func:`give_appearances` draws, for every annotation
flagged Print (``/F`` bit 3) and not Hidden that lacks a usable appearance, what viewers draw:

* ``Highlight``: each quadrilateral of ``/QuadPoints`` filled in ``/C`` with blend mode
  Multiply (the text stays readable under it);
* ``Underline``, ``StrikeOut``, ``Squiggly``: a line along the bottom, through the middle, or a
  wave along the bottom of each quadrilateral;
* ``Ink``: each path of ``/InkList`` stroked in ``/C``, ``/BS /W`` wide, with round caps and
  joins;
* ``Square``, ``Circle``, ``Line``, ``Polygon``, ``PolyLine``: the shape stroked in ``/C`` with
  the border width, filled with ``/IC`` where given;
* ``Text`` (a sticky note): the note icon, in ``/C``, at the top left of ``/Rect``;
* ``FreeText``: its ``/Contents`` in the size and colour of ``/DA``, wrapped within ``/Rect``,
  in an embedded font (Noto Sans CJK, for Chinese as for Latin text).

``/CA`` (opacity) is respected. Every other printable annotation without an appearance (a
``Stamp``, ``Caret``, ``FileAttachment``, ``Sound`` ..., or one whose geometry is missing) is
reported, one :class:`~evidence.errors.ExhibitNote` of kind ``annotation-dropped`` (severity
``check``) per page and type; those given an appearance make one note of kind
``annotation-appearance`` (severity ``note``) per file, listing types and pages. Links,
pop-up windows and form fields are left to the caller (fields get their appearances from
qpdf).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from evidence import fonts
from evidence.errors import ExhibitNote

__all__ = ["give_appearances"]

_PRINT, _HIDDEN = 4, 2
# annotation types never drawn from their geometry here: the caller handles them, or they are
# not marks on the page (pop-up windows, links, form fields)
_LEFT_ALONE = {"/Link", "/Popup", "/Widget"}
_CHINESE_TYPES = {
    "Highlight": "高亮", "Underline": "下划线", "StrikeOut": "删除线", "Squiggly": "波浪线",
    "Ink": "手写笔迹", "Square": "矩形", "Circle": "椭圆", "Line": "直线", "Polygon": "多边形",
    "PolyLine": "折线", "Text": "便笺", "FreeText": "文本框", "Stamp": "图章", "Caret": "插入符",
    "FileAttachment": "附件", "Sound": "声音", "Redact": "涂黑标记", "Watermark": "水印",
}
_DEFAULT_COLOUR = {"Highlight": [Decimal(1), Decimal(1), Decimal(0)], "Text": [Decimal(1), Decimal("0.82"), Decimal(0)]}
_ZERO, _ONE, _HALF = Decimal(0), Decimal(1), Decimal("0.5")
#: a point (x, y) in PDF units; geometry is computed in decimals, as PDF numbers are written
Point = tuple[Decimal, Decimal]
Box = tuple[Decimal, Decimal, Decimal, Decimal]


class _CannotDraw(Exception):
    """The annotation's geometry is missing or unusable."""


def give_appearances(pdf: pikepdf.Pdf, label: Path | str, notes: list[ExhibitNote]) -> None:
    """Give every printable annotation of ``pdf`` without an appearance one drawn from its geometry.

    ``pdf`` is changed in place: each such annotation gets ``/AP << /N stream >>`` (its
    ``/Rect`` widened to hold the drawing when needed), which qpdf's flattening then draws into
    the page. Notes are appended to ``notes`` naming ``label`` (see the module's description).

    An annotation whose objects are damaged is reported as not drawn, like one of a type not
    drawn here.

    Raises:
        pikepdf.PdfError: the page tree is damaged (the caller reports the file).
    """
    drawn: dict[str, list[int]] = {}
    dropped: dict[tuple[int, str], int] = {}
    for number, page in enumerate(pdf.pages, start=1):
        annotations = page.obj.get(Name.Annots)
        if not isinstance(annotations, Array):
            continue
        for annotation in annotations:
            if not isinstance(annotation, Dictionary) or not _needs_appearance(annotation):
                continue
            kind = str(annotation.get(Name.Subtype, Name("/Unknown")))[1:]
            draw = _DRAWERS.get(kind)
            try:
                if draw is None:
                    raise _CannotDraw(kind)
                _set_appearance(pdf, annotation, *draw(pdf, annotation))
            except (_CannotDraw, pikepdf.PdfError, KeyError, TypeError, ValueError, IndexError, OverflowError):
                dropped[(number, kind)] = dropped.get((number, kind), 0) + 1
                continue
            drawn.setdefault(kind, [])
            if number not in drawn[kind]:
                drawn[kind].append(number)
    if drawn:
        parts = "；".join(f"{_name(kind)}在{fonts.pages_in_chinese(pages)}" for kind, pages in drawn.items())
        notes.append(ExhibitNote(
            str(label), "annotation-appearance",
            f"文件中的批注没有外观，已按阅读器显示和打印的样子绘入页面：{parts}", "note"))
    for (number, kind), count in dropped.items():
        notes.append(ExhibitNote(
            str(label), "annotation-dropped",
            f"第{number}页有{count}个应打印的{_name(kind)}批注没有外观且无法绘制，证据材料中该页不显示它；"
            "请在阅读器中打开原件核对，必要时提交打印后扫描的版本", "check"))


def _name(kind: str) -> str:
    chinese = _CHINESE_TYPES.get(kind)
    return f"{chinese}（{kind}）" if chinese else kind


def _needs_appearance(annotation: Dictionary) -> bool:
    if str(annotation.get(Name.Subtype, "")) in _LEFT_ALONE:
        return False
    try:
        flags = int(annotation.get(Name.F, 0))
    except (TypeError, ValueError):
        flags = 0
    if not flags & _PRINT or flags & _HIDDEN:
        return False
    return not _usable_appearance(annotation)


def _usable_appearance(annotation: Dictionary) -> bool:
    appearances = annotation.get(Name.AP)
    if not isinstance(appearances, Dictionary):
        return False
    normal = appearances.get(Name.N)
    if isinstance(normal, Dictionary) and not isinstance(normal, pikepdf.Stream):
        state = annotation.get(Name.AS)
        normal = normal.get(state) if isinstance(state, Name) else None
    if not isinstance(normal, pikepdf.Stream):
        return False
    box = _numbers(normal.stream_dict.get(Name.BBox))
    return len(box) == 4 and box[0] != box[2] and box[1] != box[3]


# -- drawing -------------------------------------------------------------------------------------

Drawing = tuple[bytes, Box, Dictionary]


def _set_appearance(pdf: pikepdf.Pdf, annotation: Dictionary, content: bytes,
                    bounds: Box, resources: Dictionary) -> None:
    """Store ``content`` (drawn in page coordinates) as the annotation's normal appearance.

    The appearance's bounding box and the annotation's rectangle are made the same box (the
    rectangle widened to ``bounds``), so that the drawing is placed without scaling.
    """
    left, bottom, right, top = _rect(annotation)
    box = [min(left, bounds[0]), min(bottom, bounds[1]), max(right, bounds[2]), max(top, bounds[3])]
    opacity = min(_ONE, max(_ZERO, _number(annotation.get(Name.CA), _ONE)))
    if opacity < 1:
        states = resources.get(Name.ExtGState, Dictionary())
        states[Name("/GSOpacity")] = Dictionary(Type=Name.ExtGState, CA=opacity, ca=opacity)
        resources.ExtGState = states
        content = b"/GSOpacity gs\n" + content
    stream = pikepdf.Stream(pdf, content, Type=Name.XObject, Subtype=Name.Form,
                            BBox=Array(box), Resources=resources)
    annotation.Rect = Array(box)
    annotation.AP = Dictionary(N=stream)
    if Name.AS in annotation:
        del annotation[Name.AS]


def _rect(annotation: Dictionary) -> Box:
    values = _numbers(annotation.get(Name.Rect))
    if len(values) != 4:
        raise _CannotDraw("Rect")
    x1, y1, x2, y2 = values
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _numbers(value: object) -> list[Decimal]:
    """A PDF array of numbers as decimals; ``[]`` when it is not one."""
    if not isinstance(value, Array):
        return []
    numbers = [_number(v, None) for v in value]
    return [] if any(n is None for n in numbers) else numbers  # type: ignore[return-value]


def _number(value: object, default: Decimal | None) -> Decimal | None:
    """A PDF number (pikepdf gives ``int`` or ``Decimal``) as a finite decimal, else ``default``."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return default
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return default
    return number if number.is_finite() and abs(number) < 10**9 else default


def _dist(a: Point, b: Point) -> Decimal:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2).sqrt()


def _n(value: Decimal | int) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _colour(values: Sequence[Decimal], stroke: bool) -> bytes:
    numbers = " ".join(_n(v) for v in values)
    operator = {1: "g", 3: "rg", 4: "k"}[len(values)]
    return f"{numbers} {operator.upper() if stroke else operator}\n".encode()


def _annotation_colour(annotation: Dictionary, key: Name, kind: str) -> list[Decimal] | None:
    """``/C`` or ``/IC`` as 1, 3 or 4 numbers; ``None`` for none (transparent)."""
    value = annotation.get(key)
    if value is None:
        return _DEFAULT_COLOUR.get(kind, [_ZERO]) if key == Name.C else None
    numbers = _numbers(value)
    if len(numbers) in (1, 3, 4):
        return [min(_ONE, max(_ZERO, n)) for n in numbers]
    return None


def _border_width(annotation: Dictionary, default: Decimal = _ONE) -> Decimal:
    style = annotation.get(Name.BS)
    if isinstance(style, Dictionary) and Name.W in style:
        return max(_ZERO, _number(style.W, default))
    border = _numbers(annotation.get(Name.Border))
    if len(border) >= 3:
        return max(_ZERO, border[2])
    return default


def _dash(annotation: Dictionary) -> bytes:
    style = annotation.get(Name.BS)
    if isinstance(style, Dictionary) and style.get(Name.S) == Name.D:
        pattern = _numbers(style.get(Name.D)) or [Decimal(3)]
        return f"[{' '.join(_n(v) for v in pattern)}] 0 d\n".encode()
    return b""


def _quads(annotation: Dictionary) -> list[list[Point]]:
    """QuadPoints as quadrilaterals of 4 points in drawing order (around), else the Rect."""
    values = _numbers(annotation.get(Name.QuadPoints))
    quads = []
    for i in range(0, len(values) - 7, 8):
        p = [(values[i + k], values[i + k + 1]) for k in range(0, 8, 2)]
        # viewers' order: upper left, upper right, lower left, lower right
        quads.append([p[0], p[1], p[3], p[2]])
    if not quads:
        left, bottom, right, top = _rect(annotation)
        quads.append([(left, top), (right, top), (right, bottom), (left, bottom)])
    return quads


def _bounds(points: Sequence[Point], margin: Decimal | int = 0) -> Box:
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin


def _path(points: Sequence[Point], close: bool) -> bytes:
    parts = [f"{_n(points[0][0])} {_n(points[0][1])} m"]
    parts += [f"{_n(x)} {_n(y)} l" for x, y in points[1:]]
    if close:
        parts.append("h")
    return (" ".join(parts) + "\n").encode()


def _highlight(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
    colour = _annotation_colour(annotation, Name.C, "Highlight")
    if colour is None:
        raise _CannotDraw("C")
    quads = _quads(annotation)
    content = b"/GSMultiply gs\n" + _colour(colour, stroke=False)
    for quad in quads:
        content += _path(quad, close=True)
    content += b"f\n"
    resources = Dictionary(ExtGState=Dictionary(
        GSMultiply=Dictionary(Type=Name.ExtGState, BM=Name.Multiply)))
    return content, _bounds([p for quad in quads for p in quad]), resources


def _text_markup(kind: str) -> Callable[[pikepdf.Pdf, Dictionary], Drawing]:
    def draw(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
        colour = _annotation_colour(annotation, Name.C, kind)
        if colour is None:
            raise _CannotDraw("C")
        content = _colour(colour, stroke=True) + b"1 J 1 j\n"
        points: list[Point] = []
        for upper_left, upper_right, lower_right, lower_left in _quads(annotation):
            height = _dist(upper_left, lower_left)
            width = max(_HALF, height / 14)
            ux, uy = ((upper_left[0] - lower_left[0]) / (height or 1), (upper_left[1] - lower_left[1]) / (height or 1))
            if kind == "StrikeOut":
                at = height / 2
            else:
                at = width  # just above the bottom edge
            start = (lower_left[0] + ux * at, lower_left[1] + uy * at)
            end = (lower_right[0] + ux * at, lower_right[1] + uy * at)
            line = [start, end]
            if kind == "Squiggly":
                length = _dist(start, end)
                steps = max(2, int(length / max(Decimal(2), height / 6)))
                amplitude = max(_ONE, height / 12)
                line = [(start[0] + (end[0] - start[0]) * i / steps + ux * amplitude * (i % 2),
                         start[1] + (end[1] - start[1]) * i / steps + uy * amplitude * (i % 2))
                        for i in range(steps + 1)]
            content += f"{_n(width)} w\n".encode() + _path(line, close=False) + b"S\n"
            points += [upper_left, upper_right, lower_right, lower_left]
        return content, _bounds(points, 2), Dictionary()
    return draw


def _ink(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
    colour = _annotation_colour(annotation, Name.C, "Ink")
    strokes = annotation.get(Name.InkList)
    if colour is None or not isinstance(strokes, Array):
        raise _CannotDraw("InkList")
    width = _border_width(annotation)
    content = _colour(colour, stroke=True) + f"{_n(width)} w 1 J 1 j\n".encode() + _dash(annotation)
    points: list[Point] = []
    for stroke in strokes:
        values = _numbers(stroke)
        line = [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
        if not line:
            continue
        if len(line) == 1:
            line.append(line[0])
        content += _path(line, close=False) + b"S\n"
        points += line
    if not points:
        raise _CannotDraw("InkList")
    return content, _bounds(points, width / 2 + 1), Dictionary()


def _paint(annotation: Dictionary, kind: str, width: Decimal, closed: bool) -> tuple[bytes, bytes]:
    """Colours, width and the painting operator for a shape."""
    stroke = _annotation_colour(annotation, Name.C, kind)
    fill = _annotation_colour(annotation, Name.IC, kind) if closed else None
    if stroke is None or width <= 0:
        stroke = None
    if stroke is None and fill is None:
        raise _CannotDraw("C")
    setup = b""
    if stroke is not None:
        setup += _colour(stroke, stroke=True) + f"{_n(width)} w\n".encode() + _dash(annotation)
    if fill is not None:
        setup += _colour(fill, stroke=False)
    operator = b"B\n" if stroke is not None and fill is not None else (b"f\n" if fill is not None else b"S\n")
    return setup, operator


def _inset(annotation: Dictionary, width: Decimal) -> Box:
    left, bottom, right, top = _rect(annotation)
    differences = _numbers(annotation.get(Name.RD))
    if len(differences) == 4:
        left, bottom, right, top = left + differences[0], bottom + differences[1], right - differences[2], top - differences[3]
    half = width / 2
    left, bottom, right, top = left + half, bottom + half, right - half, top - half
    if right <= left or top <= bottom:
        raise _CannotDraw("Rect")
    return left, bottom, right, top


def _square(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
    width = _border_width(annotation)
    setup, operator = _paint(annotation, "Square", width, closed=True)
    left, bottom, right, top = _inset(annotation, width)
    content = setup + f"{_n(left)} {_n(bottom)} {_n(right - left)} {_n(top - bottom)} re\n".encode() + operator
    return content, _rect(annotation), Dictionary()


def _circle(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
    width = _border_width(annotation)
    setup, operator = _paint(annotation, "Circle", width, closed=True)
    left, bottom, right, top = _inset(annotation, width)
    cx, cy, rx, ry = (left + right) / 2, (bottom + top) / 2, (right - left) / 2, (top - bottom) / 2
    k = Decimal("0.5523")  # control-point distance of a quarter circle drawn with one Bezier curve
    segments = [
        f"{_n(cx + rx)} {_n(cy)} m",
        f"{_n(cx + rx)} {_n(cy + k * ry)} {_n(cx + k * rx)} {_n(cy + ry)} {_n(cx)} {_n(cy + ry)} c",
        f"{_n(cx - k * rx)} {_n(cy + ry)} {_n(cx - rx)} {_n(cy + k * ry)} {_n(cx - rx)} {_n(cy)} c",
        f"{_n(cx - rx)} {_n(cy - k * ry)} {_n(cx - k * rx)} {_n(cy - ry)} {_n(cx)} {_n(cy - ry)} c",
        f"{_n(cx + k * rx)} {_n(cy - ry)} {_n(cx + rx)} {_n(cy - k * ry)} {_n(cx + rx)} {_n(cy)} c",
        "h",
    ]
    return setup + (" ".join(segments) + "\n").encode() + operator, _rect(annotation), Dictionary()


def _vertices(annotation: Dictionary, key: Name) -> list[Point]:
    values = _numbers(annotation.get(key))
    points = [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
    if len(points) < 2:
        raise _CannotDraw(str(key))
    return points


def _line_ending(point: Point, towards: Point, style: object, width: Decimal) -> bytes:
    """An open or closed arrowhead at ``point`` for line endings (other styles are not drawn)."""
    if style not in (Name.OpenArrow, Name.ClosedArrow):
        return b""
    length = max(Decimal(4), width * 6)
    span = _dist(point, towards)
    if span == 0:
        return b""
    ux, uy = (point[0] - towards[0]) / span, (point[1] - towards[1]) / span  # along the line
    cos30, sin30 = Decimal("0.8660254"), _HALF  # the wings at 30 degrees either side
    wings = [(point[0] - length * (ux * cos30 - side * uy * sin30), point[1] - length * (uy * cos30 + side * ux * sin30))
             for side in (1, -1)]
    arrow = _path([wings[0], point, wings[1]], close=style == Name.ClosedArrow)
    return arrow + (b"b\n" if style == Name.ClosedArrow else b"S\n")


def _line(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
    width = _border_width(annotation)
    points = _vertices(annotation, Name.L)[:2]
    stroke = _annotation_colour(annotation, Name.C, "Line")
    if stroke is None or width <= 0:
        raise _CannotDraw("C")
    content = _colour(stroke, stroke=True) + f"{_n(width)} w 1 J\n".encode() + _dash(annotation)
    fill = _annotation_colour(annotation, Name.IC, "Line")
    content += _colour(fill or stroke, stroke=False)
    content += _path(points, close=False) + b"S\n"
    endings = annotation.get(Name.LE)
    if isinstance(endings, Array) and len(endings) == 2:
        content += _line_ending(points[0], points[1], endings[0], width)
        content += _line_ending(points[1], points[0], endings[1], width)
    return content, _bounds(points, max(Decimal(4), width * 6)), Dictionary()


def _polygon(closed: bool) -> Callable[[pikepdf.Pdf, Dictionary], Drawing]:
    def draw(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
        width = _border_width(annotation)
        kind = "Polygon" if closed else "PolyLine"
        setup, operator = _paint(annotation, kind, width, closed=closed)
        points = _vertices(annotation, Name.Vertices)
        content = setup + b"1 j\n" + _path(points, close=closed) + operator
        return content, _bounds(points, width / 2 + 1), Dictionary()
    return draw


def _note(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
    """The sticky-note icon: a note of about 20 points at the top left of the rectangle."""
    colour = _annotation_colour(annotation, Name.C, "Text") or _DEFAULT_COLOUR["Text"]
    left, bottom, right, top = _rect(annotation)
    size = Decimal(20)
    x0, y1 = left, top
    x1, y0 = x0 + size * Decimal("0.9"), y1 - size
    fold = size / 4
    outline = [(x0, y1), (x1, y1), (x1, y0 + fold), (x1 - fold, y0), (x0, y0)]
    content = b"q\n" + _colour(colour, stroke=False) + b"0.25 G 0.8 w 1 j\n"
    content += _path(outline, close=True) + b"B\n"
    content += _path([(x1, y0 + fold), (x1 - fold, y0 + fold), (x1 - fold, y0)], close=False) + b"S\n"
    for i in range(1, 4):
        y = y1 - i * size * 2 / 9
        content += _path([(x0 + 3, y), (x1 - 3, y)], close=False) + b"S\n"
    content += b"Q\n"
    return content, (x0 - 1, y0 - 1, x1 + 1, y1 + 1), Dictionary()


_DA_SIZE = re.compile(rb"([-+]?\d*\.?\d+)\s+Tf")
_DA_COLOUR = re.compile(rb"((?:[-+]?\d*\.?\d+\s+){1,4})(g|rg|k)\b")


def _free_text(pdf: pikepdf.Pdf, annotation: Dictionary) -> Drawing:
    """The text of ``/Contents`` wrapped within the rectangle, in Noto Sans CJK (embedded)."""
    contents = annotation.get(Name.Contents)
    text = str(contents) if contents is not None else ""
    if not text.strip():
        raise _CannotDraw("Contents")
    appearance = bytes(annotation.get(Name.DA, b"")) if isinstance(annotation.get(Name.DA), pikepdf.String) else b""
    size_match = _DA_SIZE.search(appearance)
    size = Decimal(size_match.group(1).decode()) if size_match else Decimal(12)
    if not 1 <= size <= 200:
        size = Decimal(12)
    colour_match = _DA_COLOUR.search(appearance)
    text_colour = [Decimal(v.decode()) for v in colour_match.group(1).split()] if colour_match else [_ZERO]
    if len(text_colour) not in (1, 3, 4):
        text_colour = [_ZERO]
    try:
        font, encode, advance = fonts.text_font(pdf, text)
    except fonts.FontUnavailable as exc:
        raise _CannotDraw(str(exc)) from exc
    left, bottom, right, top = _rect(annotation)
    width = _border_width(annotation)
    padding = 2 + width
    lines = _wrap(text, advance, size, right - left - 2 * padding)
    content = b""
    background = _annotation_colour(annotation, Name.C, "FreeText") if Name.C in annotation else None
    if background is not None or width > 0:
        setup = b""
        if background is not None:
            setup += _colour(background, stroke=False)
        if width > 0:
            setup += b"0 G " + f"{_n(width)} w\n".encode()
        operator = b"B\n" if background is not None and width > 0 else (b"f\n" if background is not None else b"S\n")
        half = width / 2
        content += setup + f"{_n(left + half)} {_n(bottom + half)} {_n(right - left - width)} {_n(top - bottom - width)} re\n".encode() + operator
    content += _colour(text_colour, stroke=False) + b"BT\n" + f"/FText {_n(size)} Tf\n".encode()
    leading = size * Decimal("1.2")
    y = top - padding - size * Decimal("0.88")
    quadding = int(_number(annotation.get(Name.Q), _ZERO))
    for line in lines:
        line_width = advance(line) * size / 1000
        x = left + padding
        if quadding == 1:
            x = (left + right - line_width) / 2
        elif quadding == 2:
            x = right - padding - line_width
        content += f"1 0 0 1 {_n(x)} {_n(y)} Tm <{encode(line).hex()}> Tj\n".encode()
        y -= leading
    content += b"ET\n"
    return content, (left, min(bottom, y), right, top), Dictionary(Font=Dictionary(FText=font))


def _wrap(text: str, advance: Callable[[str], int], size: Decimal, width: Decimal) -> list[str]:
    """Lines of ``text`` no wider than ``width`` points (breaking at spaces, else anywhere)."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = ""
        for char in paragraph:
            if line and advance(line + char) * size / 1000 > width:
                cut = line.rfind(" ")
                if char != " " and cut > 0:
                    lines.append(line[:cut])
                    line = line[cut + 1:]
                else:
                    lines.append(line)
                    line = ""
                if char == " ":
                    continue
            line += char
        lines.append(line)
    return lines


_DRAWERS: dict[str, Callable[[pikepdf.Pdf, Dictionary], Drawing]] = {
    "Highlight": _highlight,
    "Underline": _text_markup("Underline"),
    "StrikeOut": _text_markup("StrikeOut"),
    "Squiggly": _text_markup("Squiggly"),
    "Ink": _ink,
    "Square": _square,
    "Circle": _circle,
    "Line": _line,
    "Polygon": _polygon(closed=True),
    "PolyLine": _polygon(closed=False),
    "Text": _note,
    "FreeText": _free_text,
}
