"""Page-number stamps drawn with reportlab (used only here), in an embedded TrueType font.

The stamp of page ``n`` reads ``— n —`` (numerals between dashes, the page-number style of
GB/T 9704 公文 layout), centred 6 mm above the bottom edge (on an A4-sized page; scaled with
the page's shorter side otherwise), black on a small white, slightly translucent plate so
that it stays legible on dark full-page scans. reportlab embeds a subset of the
TrueType font, so the numbers render the same everywhere; the standard PDF fonts, which viewers
may substitute, are never used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas

from evidence.errors import BundleError
from legaldocs.i18n import _

__all__ = ["DEFAULT_FONT", "write_page_numbers"]

#: DejaVu Sans, from Debian package fonts-dejavu-core.
DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# Sizes for an A4-wide page, in points; other pages scale them by their shorter side.
_FONT_SIZE_PT = 10
_BASELINE_PT = 17  # 6 mm above the bottom edge, inside printers' reach, below usual margins
_A4_SHORT_PT = 595.2756
_SCALE_LIMITS = (0.8, 4)
_DASH = "\u2014"
_PAD = 0.25  # plate padding, as a fraction of the font size
_PLATE_ALPHA = 0.85


def write_page_numbers(
    sizes: Sequence[tuple[float, float]],
    out: Path,
    *,
    first: int = 1,
    font: Path = DEFAULT_FONT,
) -> None:
    """Write a PDF of page-number stamps: page ``i`` is ``sizes[i]`` and reads ``first + i``.

    Args:
        sizes: ``(width, height)`` of each page, in points.
        out: the PDF to write (overwritten).
        first: the number of the first page.
        font: a TrueType (``.ttf``) font file with the digits; it is embedded (subset).

    Raises:
        BundleError: the font file is missing or not a usable TrueType font.
    """
    name = _register(Path(font))
    face = pdfmetrics.getFont(name).face
    dash = _DASH if ord(_DASH) in face.charToGlyph else "-"
    # The initial font is ours too: otherwise every page would name an unembedded Helvetica.
    pdf = canvas.Canvas(str(out), invariant=1, pageCompression=1, initialFontName=name)
    for offset, (width, height) in enumerate(sizes):
        scale = min(max(min(width, height) / _A4_SHORT_PT, _SCALE_LIMITS[0]), _SCALE_LIMITS[1])
        size = _FONT_SIZE_PT * scale
        text = f"{dash} {first + offset} {dash}"
        width_text = pdfmetrics.stringWidth(text, name, size)
        x = (width - width_text) / 2
        pdf.setPageSize((width, height))
        baseline = _BASELINE_PT * scale
        pad = size * _PAD
        # A white, slightly translucent plate under the numerals keeps them legible on a dark
        # full-page scan while hiding little of it; it is a shape, so text extraction sees the
        # number once.
        pdf.saveState()
        pdf.setFillColorRGB(1, 1, 1)
        pdf.setFillAlpha(_PLATE_ALPHA)
        plate_height = size + 2 * pad
        pdf.roundRect(
            x - 2 * pad,
            baseline - 0.25 * size - pad,
            width_text + 4 * pad,
            plate_height,
            plate_height / 2,
            stroke=0,
            fill=1,
        )
        pdf.restoreState()
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont(name, size)
        pdf.drawString(x, baseline, text)
        pdf.showPage()
    pdf.save()


def _register(font: Path) -> str:
    """Register the font with reportlab once per file; return its registered name."""
    if not font.is_file():
        raise BundleError(
            _("{font}: page-number font not found (install Debian package fonts-dejavu-core, "
              "or pass another TrueType font)").format(font=font)
        )
    digest = hashlib.sha256(str(font.resolve()).encode("utf-8")).hexdigest()[:12]
    name = f"LegalDocsStamp-{digest}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        ttf = TTFont(name, str(font))
    except (TTFError, OSError, ValueError, KeyError) as exc:
        raise BundleError(_("{font}: not a usable TrueType font for page numbers: {error}").format(font=font, error=exc)) from exc
    if not all(ord(digit) in ttf.face.charToGlyph for digit in "0123456789"):
        raise BundleError(_("{font}: font lacks the digits 0-9 needed for page numbers").format(font=font))
    pdfmetrics.registerFont(ttf)
    return name
