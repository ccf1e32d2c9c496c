"""Make the stamps' font: the glyphs the page numbers and exhibit labels use, as a small TrueType font.

    .venv/bin/python scripts/make_stamp_font.py [FONT [OUT]]

FONT (TrueType or OpenType: .ttf, .otf, or a .ttc collection, whose Simplified Chinese face is
taken) defaults to Noto Sans CJK of Debian package fonts-noto-cjk; OUT defaults to
evidence/data/stamp-font.ttf, the font the package ships and uses (:data:`evidence.stamp.DEFAULT_FONT`).
Another font made so can be given to :func:`evidence.assemble_bundle` as ``stamp_font``.

Kept: the glyphs of the digits, space, hyphen, em dash, 证 and 据 that the font has (CFF outlines
become TrueType quadratics within a font unit), their advance widths, the font's typographic
ascent and descent, cap height, PostScript name, copyright and licence notices. The same font
gives the same bytes, which tests/evidence/test_evidence_stamps.py checks for the shipped one.
Noto Sans CJK is under the SIL Open Font License 1.1, evidence/data/OFL.txt.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUT = ROOT / "evidence" / "data" / "stamp-font.ttf"
DIGITS = "0123456789"
CHARACTERS = DIGITS + " -\u2014证据"
FACE = "SC"  # in a CJK collection, the Simplified Chinese face
CURVE_TOLERANCE = 1.0  # font units


def build_font(path: Path) -> bytes:
    """A TrueType font of the stamps' glyphs copied from the font at ``path``.

    Raises:
        ValueError: the font lacks the digits 0-9 or 证 and 据.
    """
    source = _face(path)
    cmap = source.getBestCmap() or {}
    missing = [c for c in DIGITS + "证据" if ord(c) not in cmap]
    if missing:
        raise ValueError(f"{path}: the font lacks {''.join(missing)}")
    characters = [c for c in CHARACTERS if ord(c) in cmap]
    glyph_set = source.getGlyphSet()
    cubic = "glyf" not in source
    names = [".notdef"] + [f"g{index}" for index in range(1, len(characters) + 1)]
    outlines = {".notdef": TTGlyphPen(None).glyph()}
    metrics = {".notdef": (source["hmtx"][source.getGlyphOrder()[0]][0], 0)}
    for name, character in zip(names[1:], characters, strict=True):
        glyph = glyph_set[cmap[ord(character)]]
        pen = TTGlyphPen(None)
        glyph.draw(Cu2QuPen(pen, CURVE_TOLERANCE, reverse_direction=True) if cubic else pen)
        outlines[name] = pen.glyph()
        metrics[name] = (round(glyph.width), 0)
    os2 = source["OS/2"] if "OS/2" in source else None
    # the typographic ascent and descent (a CJK font's em box) where the font has them
    ascent = getattr(os2, "sTypoAscender", 0) or source["hhea"].ascent
    descent = getattr(os2, "sTypoDescender", 0) or source["hhea"].descent
    cap = getattr(os2, "sCapHeight", 0) or round(ascent * 0.7)
    names_table = source["name"]
    ps_name = re.sub(r"[^A-Za-z0-9-]", "", names_table.getDebugName(6) or "") or "Stamp"
    notices = {key: names_table.getDebugName(number)
               for key, number in (("copyright", 0), ("licenseDescription", 13), ("licenseInfoURL", 14))}

    builder = FontBuilder(source["head"].unitsPerEm, isTTF=True)
    builder.font.recalcTimestamp = False  # same font, same bytes
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(c): name for name, c in zip(names[1:], characters, strict=True)})
    builder.setupGlyf(outlines)
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=ascent, descent=descent)
    builder.setupNameTable({"familyName": "LegalDocs Stamp", "styleName": "Regular", "psName": ps_name,
                            **{key: value for key, value in notices.items() if value}})
    builder.setupOS2(sTypoAscender=ascent, sTypoDescender=descent, usWinAscent=ascent,
                     usWinDescent=-descent, sCapHeight=cap, sxHeight=round(cap * 0.7))
    builder.setupPost(keepGlyphNames=False)
    builder.font["head"].created = builder.font["head"].modified = 0
    buffer = io.BytesIO()
    builder.save(buffer)
    return buffer.getvalue()


def _face(path: Path) -> TTFont:
    """The font in ``path``; in a collection the Simplified Chinese face, else the first one."""
    with open(path, "rb") as handle:
        header = handle.read(12)
    if header[:4] != b"ttcf":
        return TTFont(path, lazy=True)
    for number in range(int.from_bytes(header[8:12], "big")):
        face = TTFont(path, fontNumber=number, lazy=True)
        if (face["name"].getDebugName(1) or "").endswith(FACE):
            return face
    return TTFont(path, fontNumber=0, lazy=True)


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else OUT
    program = build_font(source)
    out.write_bytes(program)
    print(f"{out}: {len(program)} bytes from {source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
