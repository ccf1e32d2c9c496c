"""Page-number and exhibit-label stamps: where they go, what they look like, and their font.

Layout, in points for an A4 page (other pages scale every figure by their shorter side, between
0.8x and 4x):

* **Page number** ``— n —`` (numerals between dashes, the page-number style of GB/T 9704 公文
  layout): bottom centre, 10 pt, baseline 6 mm above the bottom edge.
* **Exhibit label** ``证据N-k`` (exhibit N, its page k), on exhibit pages only: top right, 10 pt,
  the text ending 10 mm from the right edge, its plate's top 5 mm below the top edge.
* Both are black on a small white, slightly translucent plate, so that they stay legible should
  they ever sit on a dark page; the plate is a shape, so text extraction sees each text once.

Each stamp has a **zone**: its plate's largest extent (five-digit page numbers, labels up to
``证据999-999``) plus 3 pt around, see :func:`zones`. Exhibit pages are placed so that no content
lies in either zone (:func:`evidence.pdf.make_room_for_stamps`): stamps never cover exhibit
content. A text that would not fit its zone in a wider font is set smaller until it fits.

**Font**: one small TrueType font, embedded whole once per bundle as a CID TrueType font with
a ``ToUnicode`` map (so the stamps extract as text). The default, :data:`DEFAULT_FONT`, ships
with the package: the digits, space, hyphen, em dash, 证 and 据 of Noto Sans CJK SC as TrueType
outlines, 3.5 KB, read in well under a millisecond. ``scripts/make_stamp_font.py`` makes it
again from Debian package fonts-noto-cjk, or makes one from another font (TrueType or
OpenType, a collection's Simplified Chinese face) to pass as ``stamp_font``; a font without the
em dash gets hyphens as dashes. The standard PDF fonts, which viewers may substitute, are never
used.

This module only computes: :mod:`evidence.pdf` puts the font and the drawing into the PDF.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from evidence.errors import BundleError
from legaldocs.i18n import _

__all__ = [
    "DEFAULT_FONT",
    "PLATE_ALPHA",
    "Rect",
    "StampFont",
    "Stamper",
    "bands",
    "exhibit_label",
    "load_font",
    "zones",
]

#: The glyphs the stamps use from Noto Sans CJK SC (SIL Open Font License, see data/OFL.txt),
#: made by ``scripts/make_stamp_font.py``.
DEFAULT_FONT = Path(__file__).resolve().parent / "data" / "stamp-font.ttf"
#: Opacity of the white plate under each stamp (the ``/ca`` of its graphics state).
PLATE_ALPHA = 0.85

#: ``(left, bottom, right, top)`` in points, from the lower-left corner of the page.
Rect = tuple[float, float, float, float]

# Figures for an A4 page, in points; other pages scale them by their shorter side.
_A4_SHORT_PT = 595.2756
_SCALE_LIMITS = (0.8, 4)
_SIZE = 10.0
_PAD = 0.25 * _SIZE  # plate padding
_CLEAR = 3.0  # zone around a plate
_NUMBER_BASELINE = 17.0  # 6 mm above the bottom edge
_NUMBER_ZONE_HALF_WIDTH = 36.0  # "— 99999 —" in Noto Sans CJK is 50 pt wide, its plate 60 pt
_LABEL_RIGHT = 28.3465  # the label text ends 10 mm from the right edge
_LABEL_PLATE_TOP = 14.17  # 5 mm below the top edge
_LABEL_ZONE_WIDTH = 84.0  # "证据999-999" is 57 pt wide, its plate 67 pt
_DASH = "\u2014"
_DIGITS = "0123456789"
_CHARACTERS = _DIGITS + " -" + _DASH + "证据"
_KAPPA = 0.5523  # Bezier control distance of a quarter circle, as a fraction of the radius
_MAX_GLYPHS = 64  # the stamp font is embedded whole


def exhibit_label(number: int, page: int) -> str:
    """``证据N-k``: the label of page ``page`` (1-based) of exhibit ``number``."""
    return f"证据{number}-{page}"


def _scale(width: float, height: float) -> float:
    return min(max(min(width, height) / _A4_SHORT_PT, _SCALE_LIMITS[0]), _SCALE_LIMITS[1])


def zones(width: float, height: float) -> tuple[Rect, Rect]:
    """The page-number zone and the label zone of a ``width`` x ``height`` page (points).

    Each holds its stamp's plate (at its largest) plus 3 pt around it; content outside both is
    never covered by a stamp.
    """
    k = _scale(width, height)
    plate_bottom = _NUMBER_BASELINE - _PAD - 0.25 * _SIZE
    number = (width / 2 - _NUMBER_ZONE_HALF_WIDTH * k, (plate_bottom - _CLEAR) * k,
              width / 2 + _NUMBER_ZONE_HALF_WIDTH * k, (plate_bottom + _SIZE + 2 * _PAD + _CLEAR) * k)
    right = width - (_LABEL_RIGHT - 2 * _PAD - _CLEAR) * k
    top = height - (_LABEL_PLATE_TOP - _CLEAR) * k
    label = (right - _LABEL_ZONE_WIDTH * k, top - (_SIZE + 2 * _PAD + 2 * _CLEAR) * k, right, top)
    return number, label


def bands(width: float, height: float) -> tuple[float, float]:
    """Heights of the bottom and top bands (points) that hold the two zones across the page.

    A page drawn between the bands (see :func:`evidence.pdf.make_room_for_stamps`) has no
    content in either zone.
    """
    number, label = zones(width, height)
    return number[3], height - label[1]


@dataclass(frozen=True)
class StampFont:
    """The stamps' font: a small TrueType program and what a PDF needs to know about it.

    Attributes:
        program: the TrueType font program (bytes of a ``.ttf``), embedded whole.
        base_font: PostScript name with a subset tag, e.g. ``"QWERTY+NotoSansCJKsc-Regular"``.
        glyphs: character -> glyph id in ``program``, for the characters the stamps use.
        widths: advance width of each glyph id, in thousandths of the font size.
        bbox: the font's bounding box ``(x0, y0, x1, y1)`` in thousandths.
        ascent, descent, cap_height: in thousandths of the font size (descent negative).
        dash: the character used as the dash either side of the page number.
    """

    program: bytes
    base_font: str
    glyphs: dict[str, int]
    widths: tuple[int, ...]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    dash: str

    def __post_init__(self) -> None:
        codes = {c: f"{gid:04X}".encode("ascii") for c, gid in self.glyphs.items()}
        object.__setattr__(self, "_codes", codes)

    def encode(self, text: str) -> bytes:
        """``text`` as a PDF hex string of 2-byte glyph ids (``Identity-H``), e.g. ``<000D000B>``."""
        return b"<" + b"".join(map(self._codes.__getitem__, text)) + b">"

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` set at ``size`` points, in points."""
        return sum(self.widths[self.glyphs[c]] for c in text) * size / 1000

    def to_unicode(self) -> bytes:
        """A ``ToUnicode`` CMap mapping each glyph id back to its character."""
        pairs = "".join(f"<{gid:04X}> <{ord(c):04X}>\n"
                        for c, gid in sorted(self.glyphs.items(), key=lambda item: item[1]))
        return (
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{len(self.glyphs)} beginbfchar\n{pairs}endbfchar\n"
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        ).encode("ascii")


class Stamper:
    """Draws the stamps of one bundle in one font.

    Args:
        font: a TrueType or OpenType font (``.ttf``, ``.otf``, ``.ttc``) with the digits and
            证据 (:func:`load_font`).

    Raises:
        BundleError: the font file is missing, unreadable, or lacks those glyphs.
    """

    def __init__(self, font: Path = DEFAULT_FONT):
        self.font = load_font(Path(font))
        digits = {self.font.widths[self.font.glyphs[d]] for d in _DIGITS}
        # with digits of one width, a stamp's geometry depends only on where its digits are
        self._shape = str.maketrans(_DIGITS, "0" * 10) if len(digits) == 1 else None
        self._frames: dict[tuple, tuple[bytes, ...]] = {}

    def draw(self, box: Rect, number: int, label: str | None, *, font: str, plate: str) -> bytes:
        """Content-stream operators drawing page number ``number`` and ``label`` on a page.

        Args:
            box: the page's visible area ``(left, bottom, right, top)``, in its coordinates.
            number: the page number.
            label: the exhibit label (:func:`exhibit_label`), or ``None`` for none.
            font: resource name under which the page lists the stamp font, e.g. ``"/F9"``.
            plate: resource name of the graphics state with the plate's opacity
                (``/ca`` :data:`PLATE_ALPHA`).

        Returns:
            Operators in their own ``q``/``Q``, in the page's default coordinates.
        """
        dash = self.font.dash
        text = f"{dash} {number} {dash}"
        shape = self._shape
        key = (box, font, plate, text.translate(shape) if shape else text,
               (label.translate(shape) if shape else label) if label else None)
        frame = self._frames.get(key)
        if frame is None:
            if len(self._frames) > 4096:
                self._frames.clear()
            frame = self._frames[key] = self._frame(box, text, label, font, plate)
        encode = self.font.encode
        if label:
            return b"".join((frame[0], encode(text), frame[1], encode(label), frame[2]))
        return b"".join((frame[0], encode(text), frame[1]))

    def _frame(self, box: Rect, text: str, label: str | None, font: str, plate: str) -> tuple[bytes, ...]:
        """The drawing of ``text`` and ``label`` cut where their glyph strings go."""
        left, bottom, right, top = box
        width, height = right - left, top - bottom
        k = _scale(width, height)
        number_zone, label_zone = zones(width, height)
        size = self._fitting(text, _SIZE * k, number_zone)
        text_width = self.font.width(text, size)
        x = left + (width - text_width) / 2
        before, after = self._stamp(x, bottom + _NUMBER_BASELINE * k, size, text_width, font, plate)
        if not label:
            return b"q\n" + before, after + b"\nQ\n"
        size = self._fitting(label, _SIZE * k, label_zone)
        label_width = self.font.width(label, size)
        x = left + width - _LABEL_RIGHT * k - label_width
        baseline = top - (_LABEL_PLATE_TOP * k + 0.25 * size + 0.75 * size)
        label_before, label_after = self._stamp(x, baseline, size, label_width, font, plate)
        return b"q\n" + before, after + b"\n" + label_before, label_after + b"\nQ\n"

    def _fitting(self, text: str, size: float, zone: Rect) -> float:
        """``size``, or less so that ``text`` and its plate fit across ``zone``."""
        room = zone[2] - zone[0] - 2 * _CLEAR * size / _SIZE
        needed = self.font.width(text, size) + size  # plate: 2 paddings of a quarter size each side
        return size if needed <= room else size * room / needed

    @staticmethod
    def _stamp(x: float, baseline: float, size: float, text_width: float, font: str,
               plate: str) -> tuple[bytes, bytes]:
        """A plate and the text on it, before and after the text's glyph string."""
        pad = 0.25 * size
        plate_x, plate_y = x - 2 * pad, baseline - 0.25 * size - pad
        plate_w, plate_h = text_width + 4 * pad, size + 2 * pad
        before = b"".join((
            f"q {plate} gs 1 g\n".encode("ascii"),
            _pill(plate_x, plate_y, plate_w, plate_h),
            f"f Q\nBT 0 g {font} {_n(size)} Tf {_n(x)} {_n(baseline)} Td ".encode("ascii"),
        ))
        return before, b" Tj ET"


def _n(value: float) -> str:
    """A number for a content stream: two decimals, no trailing zeros (same input, same bytes)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _pill(x: float, y: float, w: float, h: float) -> bytes:
    """Path of a rectangle with fully rounded ends (radius ``h / 2``)."""
    r = min(h, w) / 2
    c = r * _KAPPA
    x1, y1 = x + w, y + h
    points = [
        ("m", (x + r, y)),
        ("l", (x1 - r, y)),
        ("c", (x1 - r + c, y, x1, y + r - c, x1, y + r)),
        ("c", (x1, y + r + c, x1 - r + c, y1, x1 - r, y1)),
        ("l", (x + r, y1)),
        ("c", (x + r - c, y1, x, y + r + c, x, y + r)),
        ("c", (x, y + r - c, x + r - c, y, x + r, y)),
    ]
    return "".join(" ".join(_n(v) for v in values) + f" {op}\n" for op, values in points).encode("ascii")


# -- font ----------------------------------------------------------------------------------------


def load_font(path: Path) -> StampFont:
    """The stamp font from the font file at ``path`` (cached per file and modification).

    Args:
        path: a TrueType font (``.ttf``) of at most 64 glyphs with a Unicode ``cmap`` (format
            4), such as :data:`DEFAULT_FONT` or what ``scripts/make_stamp_font.py`` makes of
            another font; it is embedded whole.

    Raises:
        BundleError: the file is missing, is not such a font, or lacks the digits 0-9 or the
            characters 证 and 据.
    """
    path = Path(path)
    try:
        status = path.stat()
    except OSError:
        status = None
    if status is None or not path.is_file():
        raise BundleError(_("{font}: stamp font not found").format(font=path))
    return _load_font(str(path.resolve()), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=4)
def _load_font(path: str, _mtime: int, _size: int) -> StampFont:
    try:
        data = Path(path).read_bytes()
        tables = _tables(data)
        if b"glyf" not in tables or b"cmap" not in tables:
            raise ValueError("not a TrueType font (make one with scripts/make_stamp_font.py)")
        if struct.unpack_from(">H", tables[b"maxp"], 4)[0] > _MAX_GLYPHS:
            raise ValueError(f"more than {_MAX_GLYPHS} glyphs (make a stamp font of it with scripts/make_stamp_font.py)")
        font = _describe(data)
    except (OSError, ValueError, KeyError, IndexError, struct.error) as exc:
        raise BundleError(_("{font}: not a usable font for page numbers: {error}").format(
            font=path, error=exc)) from exc
    missing = [c for c in _DIGITS + "证据" if c not in font.glyphs]
    if any(c in _DIGITS for c in missing):
        raise BundleError(_("{font}: font lacks the digits 0-9 needed for page numbers").format(font=path))
    if missing:
        raise BundleError(_("{font}: font lacks the characters 证 and 据 needed for the exhibit labels").format(
            font=path))
    return font


# Reading a small TrueType font directly: the few numbers a PDF needs, without fontTools.


def _tables(data: bytes) -> dict[bytes, bytes]:
    """The tables of a TrueType font (``.ttf``) by tag; ``{}`` for anything else."""
    if data[:4] not in (b"\x00\x01\x00\x00", b"true"):
        return {}
    count = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for position in range(12, 12 + 16 * count, 16):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, position)
        tables[tag] = data[offset:offset + length]
    return tables


def _describe(program: bytes) -> StampFont:
    """What a PDF needs to know about a TrueType font with a Unicode cmap (format 4)."""
    tables = _tables(program)
    units, x0, y0, x1, y1 = struct.unpack_from(">H8x8x4h", tables[b"head"], 18)
    metrics_count = struct.unpack_from(">H", tables[b"hhea"], 34)[0]
    glyph_count = struct.unpack_from(">H", tables[b"maxp"], 4)[0]
    hmtx = tables[b"hmtx"]
    advances = [struct.unpack_from(">H", hmtx, 4 * min(gid, metrics_count - 1))[0] for gid in range(glyph_count)]
    os2 = tables.get(b"OS/2", b"")
    ascent, descent = struct.unpack_from(">hh", os2, 68) if len(os2) >= 72 else \
        struct.unpack_from(">hh", tables[b"hhea"], 4)
    cap = struct.unpack_from(">h", os2, 88)[0] if len(os2) >= 90 else round(ascent * 0.7)
    glyphs = {c: gid for c in _CHARACTERS if (gid := _glyph_id(tables[b"cmap"], ord(c)))}

    def thousandths(value: float) -> int:
        return round(value * 1000 / units)

    tag = "".join(chr(ord("A") + byte % 26) for byte in hashlib.sha256(program).digest()[:6])
    return StampFont(
        program=program,
        base_font=f"{tag}+{_ps_name(tables.get(b'name', b''))}",
        glyphs=glyphs,
        widths=tuple(thousandths(advance) for advance in advances),
        bbox=(thousandths(x0), thousandths(y0), thousandths(x1), thousandths(y1)),
        ascent=thousandths(ascent),
        descent=thousandths(descent),
        cap_height=thousandths(cap),
        dash=_DASH if _DASH in glyphs else "-",
    )


def _glyph_id(cmap: bytes, code: int) -> int:
    """Glyph id of ``code`` in the first Unicode format-4 subtable of a ``cmap``; 0 if none."""
    count = struct.unpack_from(">H", cmap, 2)[0]
    for position in range(4, 4 + 8 * count, 8):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, position)
        if (platform, encoding) not in ((3, 1), (0, 3), (0, 4)) or struct.unpack_from(">H", cmap, offset)[0] != 4:
            continue
        segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
        ends = offset + 14
        starts = ends + 2 * segments + 2
        deltas = starts + 2 * segments
        ranges = deltas + 2 * segments
        for index in range(segments):
            end, start = struct.unpack_from(">H", cmap, ends + 2 * index)[0], struct.unpack_from(
                ">H", cmap, starts + 2 * index)[0]
            if start <= code <= end:
                delta = struct.unpack_from(">h", cmap, deltas + 2 * index)[0]
                range_offset = struct.unpack_from(">H", cmap, ranges + 2 * index)[0]
                if range_offset == 0:
                    return (code + delta) & 0xFFFF
                where = ranges + 2 * index + range_offset + 2 * (code - start)
                gid = struct.unpack_from(">H", cmap, where)[0]
                return (gid + delta) & 0xFFFF if gid else 0
        return 0
    return 0


def _ps_name(table: bytes) -> str:
    """The PostScript name (name id 6) of a ``name`` table, letters, digits and hyphens only."""
    if len(table) >= 6:
        count, strings = struct.unpack_from(">2xHH", table, 0)
        for position in range(6, 6 + 12 * count, 12):
            platform, _encoding, _language, name_id, length, offset = struct.unpack_from(">6H", table, position)
            if name_id == 6:
                raw = table[strings + offset:strings + offset + length]
                text = raw.decode("utf-16-be" if platform in (0, 3) else "latin-1", errors="ignore")
                cleaned = re.sub(r"[^A-Za-z0-9-]", "", text)
                if cleaned:
                    return cleaned
    return "Stamp"
