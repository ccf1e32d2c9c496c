"""Embedding a substitute for every font an exhibit uses without embedding it, glyphs in place.

A PDF may name a font without carrying it ("Helvetica", "Arial", "Times New Roman" ...): each
viewer then draws the text with whatever font it has under that name, so the bundle would not
look the same on every machine, and the README promises every font embedded. Before an
exhibit's pages are copied, :func:`embed_substitutes` gives each such font a font program
drawn with the same advance widths, so every glyph stays exactly where it was; nothing else of
the page changes (content streams, what each code means and text extraction are kept):

* the 14 standard fonts (Helvetica, Times, Courier with their bold and italic faces, Symbol,
  ZapfDingbats) and their TrueType namesakes (Arial, Times New Roman, Courier New) used as
  ``/Type1`` fonts get the URW base35 font of the same metrics (Debian package
  fonts-urw-base35: NimbusSans, NimbusRoman, NimbusMonoPS, StandardSymbolsPS, D050000L), its
  CFF outlines embedded as ``/FontFile3 /Type1C``;
* the same names used as ``/TrueType`` fonts get the Liberation font of the same metrics
  (Debian package fonts-liberation2), embedded as ``/FontFile2``;
* a Chinese, Japanese or Korean font named through a CMap (``STSong-Light`` with
  ``UniGB-UCS2-H``, as iText and ReportLab write it; ``SimSun`` with ``Identity-H`` and a
  ``/ToUnicode`` map, as word processors write it without embedding) gets the Noto CJK face of
  its script and style (Song/Ming/Mincho: Noto Serif CJK, else Noto Sans CJK; Debian package
  fonts-noto-cjk). Its glyph shapes differ, but every code keeps the width the PDF gives it (an
  embedded CMap maps each code the pages show to the Noto glyph of its character), so the text
  stays where it was, and extracts as before (a ``/ToUnicode`` map is added when missing).

Each embedded program is a subset: the glyphs the font's encoding can reach (at most 256), or
for a CJK font the characters the pages show, so a font adds a few tens of kilobytes. A font
that has ``/Widths`` keeps them (they are what place the glyphs); one without gets them from
the metrics viewers use for the standard fonts (Adobe's, which the substitutes match), else
from the substitute. The font's new ``/BaseFont`` names the
substitute (``ABCDEF+NimbusSans-Regular``), whose name is also in the note.

A font without a known substitute (another Latin family; a CJK font whose codes cannot be read
as characters, e.g. through ``GBK-EUC-H``, or whose widths cannot be matched to them; a vertical
CMap) is left as it is and reported as blocking: a clerk must obtain a copy of the exhibit with
its fonts embedded, or a scan.

Every substitution is reported as an :class:`~evidence.errors.ExhibitNote` (kind
``font-substituted``, severity ``note``), every font left unembedded as one of kind
``font-not-embedded``, severity ``blocking``, naming the pages.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pikepdf
from fontTools import agl, subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name
from reportlab.pdfbase import _fontdata

from evidence.errors import ExhibitNote

__all__ = [
    "LIBERATION_FOLDER",
    "NOTO_SANS_CJK",
    "URW_FOLDER",
    "FontUnavailable",
    "embed_substitutes",
    "is_embedded",
    "pages_in_chinese",
    "text_font",
]

#: Where Debian's fonts-urw-base35 puts its OpenType (CFF) fonts.
URW_FOLDER = Path("/usr/share/fonts/opentype/urw-base35")
#: Where Debian's fonts-liberation2 puts its TrueType fonts.
LIBERATION_FOLDER = Path("/usr/share/fonts/truetype/liberation2")

_EMBEDDED_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
_SIMPLE = (Name.Type1, Name.MMType1, Name.TrueType)
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")

# family -> (URW base name, Liberation base name, serif, fixed pitch)
_FAMILIES = {
    "sans": ("NimbusSans", "LiberationSans", False, False),
    "serif": ("NimbusRoman", "LiberationSerif", True, False),
    "mono": ("NimbusMonoPS", "LiberationMono", False, True),
}
# name prefixes (lower case, no spaces) -> family; longer prefixes first
_PREFIXES = (
    ("timesnewroman", "serif"),
    ("couriernew", "mono"),
    ("helvetica", "sans"),
    ("arial", "sans"),
    ("times", "serif"),
    ("courier", "mono"),
)
# words a face name may add to its family (besides bold, italic, oblique)
_NEUTRAL = re.compile(r"roman|regular|normal|book|psmt|ps|mt|[-,_ ]")
_STANDARD_NAMES = {
    ("sans", False, False): "Helvetica", ("sans", True, False): "Helvetica-Bold",
    ("sans", False, True): "Helvetica-Oblique", ("sans", True, True): "Helvetica-BoldOblique",
    ("serif", False, False): "Times-Roman", ("serif", True, False): "Times-Bold",
    ("serif", False, True): "Times-Italic", ("serif", True, True): "Times-BoldItalic",
    ("mono", False, False): "Courier", ("mono", True, False): "Courier-Bold",
    ("mono", False, True): "Courier-Oblique", ("mono", True, True): "Courier-BoldOblique",
}
_FACES = {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic", (True, True): "BoldItalic"}
_SYMBOLIC = {"symbol": ("StandardSymbolsPS", "Symbol", "SymbolEncoding"),
             "zapfdingbats": ("D050000L", "ZapfDingbats", "ZapfDingbatsEncoding")}
# Symbol's and ZapfDingbats' height as viewers know it: their font box (Adobe's metrics give none)
_ASCENT_DESCENT = {"Symbol": (1010, -293), "ZapfDingbats": (820, -143)}
_ENCODINGS = ("WinAnsiEncoding", "MacRomanEncoding", "StandardEncoding", "MacExpertEncoding",
              "PDFDocEncoding")

# descriptor flags (PDF 32000-1, 9.8.2)
_FIXED_PITCH, _SERIF, _SYMBOLIC_FLAG, _NONSYMBOLIC, _ITALIC = 1, 2, 4, 32, 64


class _NoSubstitute(Exception):
    """No metric-compatible substitute is known for this font; the message says why, in Chinese."""


@dataclass(frozen=True)
class _Choice:
    """The substitute for one font: its file, kind, and the standard font whose metrics it has."""

    path: Path
    cff: bool  # True: URW OpenType, embedded as Type1C; False: Liberation TrueType
    standard: str | None  # e.g. "Helvetica": Adobe's metrics apply when the PDF gives no /Widths
    builtin: str  # the encoding the font has of itself: StandardEncoding, SymbolEncoding ...
    serif: bool
    fixed: bool
    symbolic: bool
    italic: bool


def is_embedded(font: Dictionary) -> bool:
    """True if the font dictionary carries its glyphs (a font file, or a Type 3 font)."""
    if font.get(Name.Subtype) == Name.Type3:
        return True
    if font.get(Name.Subtype) == Name.Type0:
        descendants = font.get(Name.DescendantFonts)
        if not isinstance(descendants, Array) or len(descendants) == 0:
            return False
        font = descendants[0]
        if not isinstance(font, Dictionary):
            return False
    descriptor = font.get(Name.FontDescriptor)
    return isinstance(descriptor, Dictionary) and any(key in descriptor for key in _EMBEDDED_FONT_FILES)


def pages_in_chinese(pages: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"第1–3、5页"`` (page numbers 1-based, in any order)."""
    numbers = sorted(set(pages))
    runs: list[str] = []
    start = previous = numbers[0]
    for number in numbers[1:] + [None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        runs.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return f"第{'、'.join(runs)}页"


def embed_substitutes(pdf: pikepdf.Pdf, label: Path | str, notes: list[ExhibitNote]) -> None:
    """Embed a metric-compatible substitute for every unembedded font used by ``pdf``'s pages.

    Fonts are found in the pages' resources, in form XObjects, tiling patterns, Type 3 glyph
    resources and annotation appearances, at any depth. ``pdf`` is changed in place (font
    dictionaries get a font program, a descriptor and, when missing, widths); one note per
    original font name is appended to ``notes``, naming ``label`` and the pages
    (``font-substituted`` or, with no substitute, ``font-not-embedded`` of severity
    ``blocking``).

    A font whose dictionary is damaged is reported as not embedded, like one without a
    substitute.

    Raises:
        pikepdf.PdfError: the page tree or resources are damaged (the caller reports the file).
    """
    substituted: dict[tuple[str, str], list[int]] = {}
    missing: dict[str, tuple[list[int], str]] = {}
    programs: dict[tuple, pikepdf.Object] = {}
    composite: set[str] = set()
    for font, pages in _fonts_by_page(pdf):
        if is_embedded(font):
            continue
        original = _base_name(font)
        if font.get(Name.Subtype) == Name.Type0:
            composite.add(original)
        try:
            substitute = _embed(pdf, font, programs)
        except (pikepdf.PdfError, KeyError, TypeError, ValueError, IndexError, OverflowError) as exc:
            used, reason = missing.setdefault(original, ([], f"字体数据损坏（{type(exc).__name__}），无法嵌入替代字体"))
            used.extend(pages)
            continue
        except _NoSubstitute as exc:
            used, reason = missing.setdefault(original, ([], str(exc)))
            used.extend(pages)
            continue
        substituted.setdefault((original, substitute), []).extend(pages)
    for (original, substitute), pages in substituted.items():
        same = "度量相同的替代字体" if original not in composite else "替代字体"
        width = "" if original not in composite else "（字宽沿用文件中的数值）"
        notes.append(ExhibitNote(
            str(label), "font-substituted",
            f"{pages_in_chinese(pages)}使用的字体 {original} 未嵌入文件，已嵌入{same} {substitute}{width}，"
            "文字位置不变，字形可能与原字体略有差别", "note"))
    for original, (pages, reason) in missing.items():
        notes.append(ExhibitNote(
            str(label), "font-not-embedded",
            f"{pages_in_chinese(pages)}使用的字体 {original} 未嵌入文件，{reason}；在没有该字体的电脑上这些文字"
            "可能显示为其他字形、乱码或空白。请取得嵌入全部字体的版本（例如请出具方重新导出 PDF），或提交扫描件",
            "blocking"))


# -- finding fonts -------------------------------------------------------------------------------


def _fonts_by_page(pdf: pikepdf.Pdf) -> list[tuple[Dictionary, list[int]]]:
    """Each font dictionary used by the pages (made indirect), with the pages using it."""
    order: list[Dictionary] = []
    pages_of: dict[tuple[int, int], list[int]] = {}
    for number, page in enumerate(pdf.pages, start=1):
        for font in _fonts(pdf, page.obj, set()):
            key = font.objgen
            if key not in pages_of:
                pages_of[key] = []
                order.append(font)
            if number not in pages_of[key]:
                pages_of[key].append(number)
    return [(font, pages_of[font.objgen]) for font in order]


def fonts_used(pdf: pikepdf.Pdf, holder: Dictionary, seen: set) -> Iterator[Dictionary]:
    """Yield each font dictionary a page (or a form, pattern, Type 3 font or annotation
    appearance: any holder of /Resources) uses, recursively, once per indirect object in ``seen``
    (a set of object ids the caller keeps). A font written directly in a resource dictionary is
    made indirect first, so that it can be told apart and changed in place."""
    return _fonts(pdf, holder, seen)


def _fonts(pdf: pikepdf.Pdf, holder: Dictionary, seen: set) -> Iterator[Dictionary]:
    resources = holder.get(Name.Resources)
    if isinstance(resources, Dictionary) and not _visited(resources, seen):
        fonts = resources.get(Name.Font)
        if isinstance(fonts, Dictionary):
            for key in list(fonts.keys()):
                font = fonts[key]
                if not isinstance(font, Dictionary):
                    continue
                if not font.is_indirect:
                    font = pdf.make_indirect(font)
                    fonts[key] = font
                if _visited(font, seen):
                    continue
                yield font
                if font.get(Name.Subtype) == Name.Type3:
                    yield from _fonts(pdf, font, seen)
        for group in (Name.XObject, Name.Pattern):
            entries = resources.get(group)
            if isinstance(entries, Dictionary):
                for entry in entries.values():
                    if isinstance(entry, pikepdf.Stream) and not _visited(entry, seen):
                        yield from _fonts(pdf, entry.stream_dict, seen)
    annotations = holder.get(Name.Annots)
    if isinstance(annotations, Array):
        for annotation in annotations:
            appearances = annotation.get(Name.AP) if isinstance(annotation, Dictionary) else None
            if isinstance(appearances, Dictionary):
                for appearance in appearances.values():
                    states = appearance.values() if isinstance(appearance, Dictionary) else [appearance]
                    for state in states:
                        if isinstance(state, pikepdf.Stream) and not _visited(state, seen):
                            yield from _fonts(pdf, state.stream_dict, seen)


def _visited(obj: pikepdf.Object, seen: set) -> bool:
    if not obj.is_indirect:
        return False
    if obj.objgen in seen:
        return True
    seen.add(obj.objgen)
    return False


def _base_name(font: Dictionary) -> str:
    base = font.get(Name.BaseFont)
    return str(base)[1:] if isinstance(base, Name) else "(无名称)"


# -- choosing a substitute -----------------------------------------------------------------------


def _choose(font: Dictionary) -> _Choice:
    subtype = font.get(Name.Subtype)
    if subtype not in _SIMPLE:
        raise _NoSubstitute("字体类型不明")
    name = _SUBSET_TAG.sub("", _base_name(font))
    key = name.lower().replace(" ", "")
    if key in _SYMBOLIC:
        file, standard, builtin = _SYMBOLIC[key]
        return _Choice(URW_FOLDER / f"{file}.otf", True, standard, builtin, False, False, True, False)
    for prefix, family in _PREFIXES:
        if key.startswith(prefix):
            rest = key[len(prefix):]
            bold = "bold" in rest
            italic = "italic" in rest or "oblique" in rest
            rest = rest.replace("bold", "").replace("italic", "").replace("oblique", "")
            if _NEUTRAL.sub("", rest):
                break  # another family, e.g. Arial Narrow, Arial Black
            urw, liberation, serif, fixed = _FAMILIES[family]
            face = _FACES[(bold, italic)]
            cff = subtype != Name.TrueType
            path = URW_FOLDER / f"{urw}-{face}.otf" if cff else LIBERATION_FOLDER / f"{liberation}-{face}.ttf"
            return _Choice(path, cff, _STANDARD_NAMES[(family, bold, italic)], "StandardEncoding",
                           serif, fixed, False, italic)
    raise _NoSubstitute("没有已知的度量相同的替代字体")


# -- embedding -----------------------------------------------------------------------------------


def _embed(pdf: pikepdf.Pdf, font: Dictionary, programs: dict[tuple, pikepdf.Object]) -> str:
    """Give ``font`` the substitute's program; return the substitute's name."""
    if font.get(Name.Subtype) == Name.Type0:
        return _embed_cid(pdf, font)
    choice = _choose(font)
    if not choice.path.is_file():
        package = "fonts-urw-base35" if choice.cff else "fonts-liberation2"
        raise _NoSubstitute(f"替代字体文件 {choice.path} 不存在（请安装 Debian 软件包 {package}）")
    metrics = _metrics(str(choice.path))
    original_names = _code_names(font, choice)
    # the substitute's glyph for each code: the same name, else the glyph of the same character
    final_names: list[str | None] = []
    for name in original_names:
        final_names.append(metrics.glyph_for(name) if name else None)
    glyphs = tuple(sorted({name for name in final_names if name} | {".notdef"}))
    tag = _tag(choice.path.name, glyphs)
    key = (str(choice.path), glyphs)
    program = programs.get(key)
    if program is None:
        data = _subset(str(choice.path), glyphs, choice.cff)
        if choice.cff:
            program = pikepdf.Stream(pdf, data, Subtype=Name.Type1C)
        else:
            program = pikepdf.Stream(pdf, data, Length1=len(data))
        program = pdf.make_indirect(program)
        programs[key] = program

    substitute = f"{tag}+{metrics.postscript_name}"
    font.BaseFont = Name("/" + substitute)
    if choice.cff and font.get(Name.Subtype) == Name.TrueType:
        font.Subtype = Name.Type1
    _set_encoding(font, choice, original_names, final_names)
    if not isinstance(font.get(Name.Widths), Array):
        used = [code for code, name in enumerate(final_names) if name]
        first, last = (min(used), max(used)) if used else (32, 32)
        widths = []
        standard = _fontdata.widthsByFontGlyph.get(choice.standard or "", {})
        for code in range(first, last + 1):
            name = original_names[code]
            if final_names[code] is None:
                widths.append(0)
            elif name in standard:
                widths.append(standard[name])
            else:
                widths.append(metrics.width(final_names[code]))
        font.FirstChar = first
        font.LastChar = last
        font.Widths = Array(widths)
    old = font.get(Name.FontDescriptor)
    # the standard fonts' ascent and descent as viewers know them (text boxes stay the same)
    ascent, descent = _ASCENT_DESCENT.get(choice.standard or "") or _fontdata.ascent_descent.get(
        choice.standard or "", (0, 0))
    if not ascent:
        ascent, descent = metrics.ascent, metrics.descent
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name("/" + substitute),
        Flags=_flags(choice),
        FontBBox=Array(metrics.bbox),
        ItalicAngle=metrics.italic_angle,
        Ascent=ascent,
        Descent=descent,
        CapHeight=metrics.cap_height,
        XHeight=metrics.x_height,
        StemV=metrics.stem_v,
    )
    if isinstance(old, Dictionary) and Name.MissingWidth in old:
        descriptor.MissingWidth = old.MissingWidth
    descriptor[Name.FontFile3 if choice.cff else Name.FontFile2] = program
    font.FontDescriptor = pdf.make_indirect(descriptor)
    return metrics.postscript_name


def _flags(choice: _Choice) -> int:
    flags = _SYMBOLIC_FLAG if choice.symbolic else _NONSYMBOLIC
    if choice.serif:
        flags |= _SERIF
    if choice.fixed:
        flags |= _FIXED_PITCH
    if choice.italic:
        flags |= _ITALIC
    return flags


def _code_names(font: Dictionary, choice: _Choice) -> list[str | None]:
    """The glyph name each code 0..255 selects, as a viewer reads the font's encoding."""
    encoding = font.get(Name.Encoding)
    base = _table(choice.builtin)
    if isinstance(encoding, Name):
        base = _table(str(encoding)[1:]) or base
    elif isinstance(encoding, Dictionary):
        base_name = encoding.get(Name.BaseEncoding)
        if isinstance(base_name, Name):
            base = _table(str(base_name)[1:]) or base
    names = list(base)
    if isinstance(encoding, Dictionary) and isinstance(encoding.get(Name.Differences), Array):
        code = 0
        for item in encoding.Differences:
            if isinstance(item, Name):
                if 0 <= code < 256:
                    names[code] = str(item)[1:]
                code += 1
            else:
                code = int(item)
    return [name if name and name != ".notdef" else None for name in names]


def _table(name: str) -> list[str | None] | None:
    if name in _ENCODINGS or name in ("SymbolEncoding", "ZapfDingbatsEncoding"):
        return list(_fontdata.encodings[name])
    return None


def _set_encoding(font: Dictionary, choice: _Choice, original: list[str | None],
                  final: list[str | None]) -> None:
    """Keep the font's encoding; state it explicitly where the embedded program needs it.

    A font without ``/Encoding`` used its built-in one (StandardEncoding, or Symbol's and
    ZapfDingbats' own); the embedded program's built-in encoding may differ, so it is written out.
    A code whose glyph the substitute has under another name (``uni20AC`` for ``Euro``) is
    mapped to that name for a CFF program, where glyphs are found by name.
    """
    renamed = {code: name for code, (before, name) in enumerate(zip(original, final, strict=True))
               if name and before != name}
    encoding = font.get(Name.Encoding)
    if not renamed and encoding is not None:
        return
    if not renamed and not choice.symbolic:
        font.Encoding = Name.StandardEncoding
        return
    differences: list = []
    base = None
    if isinstance(encoding, Name) and _table(str(encoding)[1:]):
        base = encoding
    elif isinstance(encoding, Dictionary) and isinstance(encoding.get(Name.BaseEncoding), Name):
        base = encoding.BaseEncoding
    elif not choice.symbolic:
        base = Name.StandardEncoding
    base_names = _table(str(base)[1:]) if base is not None else [None] * 256
    previous = -2
    for code in range(256):
        name = final[code]
        if name is None:
            if base_names[code] is None:
                continue
            name = ".notdef"  # the original glyph is missing: show nothing, as before
        elif base_names[code] == name and not choice.symbolic:
            continue
        if code != previous + 1:
            differences.append(code)
        differences.append(Name("/" + name))
        previous = code
    new = Dictionary(Type=Name.Encoding, Differences=Array(differences))
    if base is not None:
        new.BaseEncoding = base
    font.Encoding = new


def _tag(file: str, glyphs: tuple[str, ...]) -> str:
    """Six capital letters derived from the subset (same subset, same tag)."""
    digest = hashlib.sha256((file + "\0" + "\0".join(glyphs)).encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


@dataclass(frozen=True)
class _Metrics:
    postscript_name: str
    scale: float
    advances: dict[str, int]
    cmap: dict[int, str]
    bbox: tuple[int, int, int, int]
    italic_angle: int
    ascent: int
    descent: int
    cap_height: int
    x_height: int
    stem_v: int

    def glyph_for(self, name: str) -> str | None:
        if name in self.advances:
            return name
        text = agl.toUnicode(name)
        if len(text) == 1:
            return self.cmap.get(ord(text))
        return None

    def width(self, glyph: str) -> int:
        return round(self.advances.get(glyph, 0) * self.scale)


@functools.lru_cache(maxsize=32)
def _metrics(path: str) -> _Metrics:
    return _read_metrics(TTFont(path, lazy=True), path)


def _read_metrics(font: TTFont, path: str) -> _Metrics:
    scale = 1000 / font["head"].unitsPerEm
    head, hhea, post = font["head"], font["hhea"], font["post"]
    os2 = font["OS/2"] if "OS/2" in font else None
    bold = bool(os2 and os2.usWeightClass >= 600)

    def s(value: float) -> int:
        return round(value * scale)

    cap = getattr(os2, "sCapHeight", 0) if os2 else 0
    x_height = getattr(os2, "sxHeight", 0) if os2 else 0
    return _Metrics(
        postscript_name=font["name"].getDebugName(6) or Path(path).stem,
        scale=scale,
        advances={name: advance for name, (advance, _lsb) in font["hmtx"].metrics.items()},
        cmap=dict(font.getBestCmap() or {}),
        bbox=(s(head.xMin), s(head.yMin), s(head.xMax), s(head.yMax)),
        italic_angle=round(post.italicAngle),
        ascent=s(hhea.ascent),
        descent=s(hhea.descent),
        cap_height=s(cap) or s(hhea.ascent),
        x_height=s(x_height) or s(hhea.ascent) // 2,
        stem_v=140 if bold else 80,
    )


@functools.lru_cache(maxsize=64)
def _subset(path: str, glyphs: tuple[str, ...], cff: bool) -> bytes:
    """The font at ``path`` cut down to ``glyphs``: its CFF table (``cff``) or a TrueType file.

    Deterministic: the same font and glyphs give the same bytes (no timestamp is written).
    """
    font = TTFont(path, recalcTimestamp=False)
    options = subset.Options()
    options.glyph_names = True
    options.notdef_outline = True
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "DSIG", "FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=[glyph for glyph in glyphs if glyph in font.getGlyphSet()])
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    if not cff:
        return buffer.getvalue()
    return TTFont(io.BytesIO(buffer.getvalue())).reader["CFF "]


# -- a font for text drawn by the bundle itself (annotation appearances) -------------------------

#: Noto Sans CJK (Debian package fonts-noto-cjk): Chinese, Japanese, Korean and Latin glyphs.
NOTO_SANS_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
_NOTO_FACE = "Noto Sans CJK SC"


class FontUnavailable(Exception):
    """No embeddable font has every character of a text (the message says which, in Chinese)."""


def text_font(pdf: pikepdf.Pdf, text: str):
    """An embedded font in ``pdf`` for drawing ``text``: Noto Sans CJK SC, subset to its characters.

    Returns:
        ``(font, encode, advance)``: the Type 0 font dictionary (indirect, Identity-H, with a
        ToUnicode map so the text extracts), ``encode(str) -> bytes`` for a show-text operator,
        and ``advance(str) -> int``, the width of a string in thousandths of the font size.

    Raises:
        FontUnavailable: the font file is missing or lacks a character of ``text``.
    """
    if not NOTO_SANS_CJK.is_file():
        raise FontUnavailable(f"字体文件 {NOTO_SANS_CJK} 不存在（Debian 软件包 fonts-noto-cjk）")
    number = _collection_number(str(NOTO_SANS_CJK), _NOTO_FACE)
    metrics = _metrics_of(str(NOTO_SANS_CJK), number)
    chars = sorted({char for char in text if char not in "\r\n"})
    missing = [char for char in chars if ord(char) not in metrics.cmap]
    if missing:
        raise FontUnavailable(f"字体 {_NOTO_FACE} 没有字符 {''.join(missing[:10])}")
    glyph_of = {char: metrics.cmap[ord(char)] for char in chars}
    glyphs = tuple(sorted(set(glyph_of.values()) | {".notdef"}))
    data = _subset_cid(str(NOTO_SANS_CJK), number, glyphs)
    cid_of = {char: int(glyph[3:]) for char, glyph in glyph_of.items()}
    width_of = {char: metrics.width(glyph) for char, glyph in glyph_of.items()}
    name = f"{_tag(_NOTO_FACE, glyphs)}+{metrics.postscript_name}"
    program = pikepdf.Stream(pdf, data, Subtype=Name.CIDFontType0C)
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + name), Flags=_SYMBOLIC_FLAG,
        FontBBox=Array(metrics.bbox), ItalicAngle=0, Ascent=metrics.ascent,
        Descent=metrics.descent, CapHeight=metrics.cap_height, StemV=metrics.stem_v,
        FontFile3=pdf.make_indirect(program),
    )
    widths = Array()
    for cid, width in sorted({cid_of[c]: width_of[c] for c in chars}.items()):
        widths.append(cid)
        widths.append(Array([width]))
    descendant = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType0, BaseFont=Name("/" + name),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                 Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor), DW=1000, W=widths,
    )
    to_unicode = pikepdf.Stream(pdf, _to_unicode_cmap({cid_of[c]: c for c in chars}))
    font = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/" + name), Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(descendant)]), ToUnicode=pdf.make_indirect(to_unicode),
    ))

    def encode(value: str) -> bytes:
        return b"".join(cid_of[char].to_bytes(2, "big") for char in value if char in cid_of)

    def advance(value: str) -> int:
        return sum(width_of.get(char, 0) for char in value)

    return font, encode, advance


def _to_unicode_cmap(text_of: dict[int, str]) -> bytes:
    """A ToUnicode CMap for 2-byte codes: ``{code: text}``."""
    return _cmap("UCS", "Adobe-Identity-UCS", 2, "bfchar",
                 [f"<{code:04X}> <{text.encode('utf-16-be').hex().upper()}>" for code, text in sorted(text_of.items())])


def _cmap(ordering: str, name: str, cmap_type: int, section: str, entries: list[str]) -> bytes:
    """A CMap for 2-byte codes whose mappings are ``entries`` (lines of a ``section``, bfchar or
    cidchar), written 100 to a block as the CMap format requires."""
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        f"/CIDSystemInfo << /Registry (Adobe) /Ordering ({ordering}) /Supplement 0 >> def",
        f"/CMapName /{name} def", f"/CMapType {cmap_type} def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        chunk = entries[start:start + 100]
        lines += [f"{len(chunk)} begin{section}", *chunk, f"end{section}"]
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


@functools.lru_cache(maxsize=8)
def _collection_number(path: str, face: str) -> int:
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    for number, font in enumerate(collection.fonts):
        if font["name"].getDebugName(4) == face or font["name"].getDebugName(1) == face:
            return number
    return 0


@functools.lru_cache(maxsize=8)
def _metrics_of(path: str, number: int) -> _Metrics:
    return _read_metrics(TTFont(path, fontNumber=number, lazy=True), path)


@functools.lru_cache(maxsize=64)
def _subset_cid(path: str, number: int, glyphs: tuple[str, ...]) -> bytes:
    """The CID-keyed CFF of font ``number`` of the collection at ``path``, cut down to ``glyphs``."""
    font = TTFont(path, fontNumber=number, recalcTimestamp=False)
    options = subset.Options()
    options.glyph_names = True
    options.notdef_outline = True
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "VORG", "vhea", "vmtx", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=list(glyphs))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return TTFont(io.BytesIO(buffer.getvalue())).reader["CFF "]


# -- Chinese, Japanese and Korean fonts named through a Unicode CMap -----------------------------

#: Noto CJK families by style, regular and bold (Debian package fonts-noto-cjk).
NOTO_CJK_FILES = {
    (False, False): NOTO_SANS_CJK,
    (False, True): Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    (True, False): Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    (True, True): Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"),
}
# predefined CMaps whose codes are UCS-2 / UTF-16 (horizontal), by the script they imply
_UNICODE_CMAPS = {
    "UniGB-UCS2-H": "SC", "UniGB-UTF16-H": "SC", "UniCNS-UCS2-H": "TC", "UniCNS-UTF16-H": "TC",
    "UniJIS-UCS2-H": "JP", "UniJIS-UTF16-H": "JP", "UniKS-UCS2-H": "KR", "UniKS-UTF16-H": "KR",
}
_ORDERING_SCRIPT = {"GB1": "SC", "CNS1": "TC", "Japan1": "JP", "Korea1": "KR"}
_SERIF_WORDS = ("song", "sung", "ming", "mincho", "myeongjo", "batang", "fangsong", "kai", "fs", "simsun",
                "nsimsun", "serif", "宋", "明", "仿宋", "楷")
_ASCII_FIRST_CID = 1  # in every Adobe CJK collection, CIDs 1-95 are U+0020-U+007E


def _embed_cid(pdf: pikepdf.Pdf, font: Dictionary) -> str:
    """Give a Type 0 font without its program an embedded Noto CJK face; return its name.

    Possible when the codes can be read as text: a Unicode CMap (``UniGB-UCS2-H`` ...) or
    ``Identity-H`` with a ``/ToUnicode`` map. The codes the pages show are collected; the font's
    encoding becomes an embedded CMap from each code to the Noto glyph of its character, and the
    widths stay those the PDF gives for the code (so every glyph stays where it was). A
    ``/ToUnicode`` map is added when missing, so the text extracts as before.
    """
    descendants = font.get(Name.DescendantFonts)
    if not isinstance(descendants, Array) or len(descendants) != 1 or not isinstance(descendants[0], Dictionary):
        raise _NoSubstitute("复合字体缺少下级字体")
    descendant = descendants[0]
    encoding = font.get(Name.Encoding)
    encoding_name = str(encoding)[1:] if isinstance(encoding, Name) else ""
    ordering = descendant.get(Name.CIDSystemInfo, Dictionary()).get(Name.Ordering)
    script = _UNICODE_CMAPS.get(encoding_name) or _ORDERING_SCRIPT.get(str(ordering) if ordering is not None else "", "SC")
    if encoding_name in _UNICODE_CMAPS:
        text_of = None  # the code is the character
    elif encoding_name == "Identity-H" and isinstance(font.get(Name.ToUnicode), pikepdf.Stream):
        text_of = _read_to_unicode(font.ToUnicode.read_bytes())
    else:
        raise _NoSubstitute(f"其编码 {encoding_name or '（内嵌 CMap）'} 无法对应到文字，找不到可替代的字形")

    codes = sorted(_shown_codes(pdf, font))
    texts: dict[int, str] = {}
    for code in codes:
        if text_of is None:
            if 0xD800 <= code <= 0xDFFF:
                raise _NoSubstitute("文字含有基本多文种平面以外的字符，无法可靠替代")
            texts[code] = chr(code)
        elif code in text_of and len(text_of[code]) == 1:
            texts[code] = text_of[code]
        else:
            raise _NoSubstitute(f"编码 {code:04X} 没有对应的文字，无法可靠替代")

    widths = _cid_widths(descendant)
    default = _int(descendant.get(Name.DW), 1000)
    width_of: dict[int, int] = {}
    for code in codes:
        if text_of is not None:  # Identity-H: the code is the CID
            width_of[code] = widths.get(code, default)
        elif 0x20 <= code <= 0x7E:
            width_of[code] = widths.get(code - 0x20 + _ASCII_FIRST_CID, default)
        elif any(cid > 95 and width != default for cid, width in widths.items()):
            raise _NoSubstitute("文件给出的字宽无法对应到所用文字，替代后文字位置可能改变")
        else:
            width_of[code] = default

    name = _base_name(font)
    descriptor = descendant.get(Name.FontDescriptor)
    flags = _int(descriptor.get(Name.Flags), 0) if isinstance(descriptor, Dictionary) else 0
    weight = _int(descriptor.get(Name.FontWeight), 400) if isinstance(descriptor, Dictionary) else 400
    lowered = name.lower()
    serif = bool(flags & _SERIF) or any(word in lowered for word in _SERIF_WORDS)
    bold = "bold" in lowered or weight >= 600
    path = NOTO_CJK_FILES[(serif, bold)]
    if not path.is_file():
        raise _NoSubstitute(f"替代字体文件 {path} 不存在（请安装 Debian 软件包 fonts-noto-cjk）")
    face = f"Noto {'Serif' if serif else 'Sans'} CJK {script}"
    number = _collection_number(str(path), face)
    metrics = _metrics_of(str(path), number)
    glyph_of: dict[int, str] = {}
    for code, text in texts.items():
        glyph = metrics.cmap.get(ord(text))
        if glyph is None:
            raise _NoSubstitute(f"替代字体 {face} 没有字符“{text}”")
        glyph_of[code] = glyph
    new_cid = {code: int(glyph[3:]) if glyph.startswith("cid") else 0 for code, glyph in glyph_of.items()}
    cid_width: dict[int, int] = {}
    for code, cid in new_cid.items():
        if cid_width.setdefault(cid, width_of[code]) != width_of[code]:
            raise _NoSubstitute("同一字形在文件中有两种字宽，替代后文字位置可能改变")
    glyphs = tuple(sorted(set(glyph_of.values()) | {".notdef"}))
    data = _subset_cid(str(path), number, glyphs)
    substitute = f"{_tag(face + name, glyphs)}+{metrics.postscript_name}"

    cmap = pikepdf.Stream(pdf, _code_cmap(new_cid, substitute), Type=Name.CMap,
                          CMapName=Name("/" + substitute.replace("+", "-") + "-H"),
                          CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"),
                                                   Ordering=pikepdf.String("Identity"), Supplement=0))
    new_descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + substitute),
        Flags=(_SERIF if serif else 0) | _SYMBOLIC_FLAG, FontBBox=Array(metrics.bbox), ItalicAngle=0,
        Ascent=metrics.ascent, Descent=metrics.descent, CapHeight=metrics.cap_height, StemV=metrics.stem_v,
        FontFile3=pdf.make_indirect(pikepdf.Stream(pdf, data, Subtype=Name.CIDFontType0C)),
    )
    if isinstance(descriptor, Dictionary):  # keep the PDF's own ascent and descent (text boxes)
        for key in (Name.Ascent, Name.Descent, Name.CapHeight):
            if key in descriptor:
                new_descriptor[key] = descriptor[key]
    new_widths = Array()
    for cid, width in sorted(cid_width.items()):
        new_widths.append(cid)
        new_widths.append(Array([width]))
    new_descendant = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType0, BaseFont=Name("/" + substitute),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                 Supplement=0),
        FontDescriptor=pdf.make_indirect(new_descriptor), DW=default, W=new_widths,
    )
    if Name.ToUnicode not in font:
        font.ToUnicode = pdf.make_indirect(pikepdf.Stream(pdf, _to_unicode_cmap(texts)))
    font.Encoding = pdf.make_indirect(cmap)
    font.DescendantFonts = Array([pdf.make_indirect(new_descendant)])
    font.BaseFont = Name("/" + substitute)
    return metrics.postscript_name


def _int(value: object, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return default
    return int(value)


def _cid_widths(descendant: Dictionary) -> dict[int, int]:
    """A CIDFont's ``/W`` as ``{cid: width}``."""
    widths: dict[int, int] = {}
    items = list(descendant.get(Name.W, Array()))
    i = 0
    while i < len(items) - 1:
        first = _int(items[i], -1)
        if isinstance(items[i + 1], Array):
            for offset, width in enumerate(items[i + 1]):
                widths[first + offset] = _int(width, 0)
            i += 2
        elif i + 2 < len(items):
            last, width = _int(items[i + 1], -1), _int(items[i + 2], 0)
            for cid in range(first, min(last, first + 65535) + 1):
                widths[cid] = width
            i += 3
        else:
            break
    return widths


_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")


def _read_to_unicode(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap's ``bfchar`` and ``bfrange`` entries as ``{code: text}``."""
    def text(hexdigits: bytes) -> str:
        raw = bytes.fromhex(hexdigits.decode("ascii").replace(" ", "").replace("\n", ""))
        return raw.decode("utf-16-be", errors="replace")

    def code(hexdigits: bytes) -> int:
        return int(hexdigits.decode("ascii").split()[0] if hexdigits.strip() else "0", 16)

    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = _HEX.findall(block)
        for source, target in zip(pairs[::2], pairs[1::2]):
            mapping[code(source)] = text(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
            start, end = code(low), code(high)
            if end - start > 65535:
                continue
            if rest.startswith(b"["):
                for offset, target in enumerate(_HEX.findall(rest)):
                    mapping[start + offset] = text(target)
            else:
                base = text(rest[1:-1])
                for offset in range(end - start + 1):
                    mapping[start + offset] = base[:-1] + chr(ord(base[-1]) + offset) if base else ""
    return mapping


def _code_cmap(cid_of: dict[int, int], name: str) -> bytes:
    """An embedded CMap from 2-byte codes to CIDs."""
    return _cmap("Identity", f"{name.replace('+', '-')}-H", 1, "cidchar",
                 [f"<{code:04X}> {cid}" for code, cid in sorted(cid_of.items())])


def _shown_codes(pdf: pikepdf.Pdf, font: Dictionary) -> set[int]:
    """The 2-byte codes the pages show in ``font`` (in their content, forms and patterns)."""
    target = font.objgen
    codes: set[int] = set()
    seen: set = set()
    for page in pdf.pages:
        _collect_codes(page.obj, page, target, codes, seen)
    return codes


def _collect_codes(holder: Dictionary, content: object, target: tuple[int, int], codes: set[int], seen: set) -> None:
    resources = holder.get(Name.Resources)
    if not isinstance(resources, Dictionary):
        return
    fonts = resources.get(Name.Font)
    names = set()
    if isinstance(fonts, Dictionary):
        names = {key for key, value in fonts.items() if isinstance(value, Dictionary) and value.is_indirect
                 and value.objgen == target}
    if names:
        current: str | None = None
        stack: list[str | None] = []
        for operands, operator in pikepdf.parse_content_stream(content):
            op = str(operator)
            if op == "q":
                stack.append(current)
            elif op == "Q":
                current = stack.pop() if stack else None
            elif op == "Tf" and operands:
                current = str(operands[0])
            elif current in names and op in ("Tj", "TJ", "'", '"') and operands:
                strings = operands[-1] if op == "TJ" else [operands[-1]]
                for item in strings:
                    if isinstance(item, pikepdf.String):
                        raw = bytes(item)
                        codes.update(int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw) - 1, 2))
    for group in (Name.XObject, Name.Pattern):
        entries = resources.get(group)
        if isinstance(entries, Dictionary):
            for entry in entries.values():
                if (isinstance(entry, pikepdf.Stream) and entry.get(Name.Subtype) != Name.Image
                        and not _visited(entry, seen)):
                    _collect_codes(entry.stream_dict, entry, target, codes, seen)
