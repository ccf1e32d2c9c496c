"""Where an exhibit page goes on its bundle page, so that the stamps never cover its content.

The page number and the exhibit label have fixed zones on every page (:func:`evidence.stamp.zones`).
A page with no content in them keeps its place. Otherwise it is scaled down uniformly and
centred between a band at the bottom and, if needed, one at the top (:func:`evidence.stamp.bands`,
about 10.6 mm and 11.3 mm on A4), never cropped and never enlarged: the first of these that
leaves both zones free is used:

1. the page as it is (with ``fit_a4``: shrunk to fit A4, centred);
2. between the bottom band and the top edge (an A4 page at 96.4%);
3. between the top band and the bottom edge (96.2%);
4. between both bands (92.6%), which always leaves both zones free.

With ``fit_a4`` every page becomes an A4 page, a landscape page (wider than tall) a landscape
A4 one, so that it is still read upright on screen and printers turn it as any landscape page;
larger pages (Letter, legal, A3, odd sizes) are shrunk to fit, smaller ones (a receipt, A5) are
centred at their own size, as a photocopy at 100% would be; even a page a fraction of a point
from A4 is placed on an exact A4 page.

Whether a zone holds content is the caller's question (``occupied``). :class:`PageImages`
answers it by rendering the page at about 36 dpi with PDFium (pypdfium2, used only here) and
looking for pixels darker than a light grey, so a white background, an invisible text layer or
a clipped-away drawing do not count, and a scan's dark border does; :class:`JpegScan` answers
it for a scanned page's JPEG image from the image decoded at an eighth of its size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evidence import stamp

__all__ = ["A4_PT", "JpegScan", "PageImages", "Placement", "place"]

#: A4 portrait, in points.
A4_PT = (595.2756, 841.8898)
_A4_TOLERANCE_PT = 0.01
_RENDER_SCALE = 0.5  # pixels per point: 36 dpi
_MAX_RENDER_PIXELS = 4_000_000
_INK = 230  # grey level (0 black, 255 white) below which a pixel is content
_BOX_TOLERANCE_PT = 0.5
_MAX_JPEG_PIXELS = 200_000_000


@dataclass(frozen=True)
class Placement:
    """A page drawn scaled on a new page.

    Attributes:
        size: the new page's ``(width, height)``, in points.
        scale: the factor applied to the page (at most 1).
        offset: where the page's lower-left corner lands on the new page, in points.
    """

    size: tuple[float, float]
    scale: float
    offset: tuple[float, float]


def place(width: float, height: float, *, fit_a4: bool = False,
          occupied: Callable[[stamp.Rect], bool] | None = None) -> Placement | None:
    """How to place a ``width`` x ``height`` page (points) so that no content is in a stamp zone.

    Args:
        width, height: the page's visible size, in points.
        fit_a4: make the page an A4 one (see the module's description).
        occupied: tells whether the page has content in a rectangle ``(left, bottom, right,
            top)`` given in points from the page's lower-left corner; without it every zone is
            taken to hold content (the bands are then kept free wherever a zone falls on the
            page).

    Returns:
        ``None`` when the page stays as it is, else its :class:`Placement`.
    """
    target_w, target_h = _target(width, height, fit_a4)
    base = min(1.0, target_w / width, target_h / height)
    bottom_band, top_band = stamp.bands(target_w, target_h)
    areas = [
        (0.0, 0.0, target_w, target_h),
        (0.0, bottom_band, target_w, target_h),
        (0.0, 0.0, target_w, target_h - top_band),
        (0.0, bottom_band, target_w, target_h - top_band),
    ]
    for position, (left, bottom, right, top) in enumerate(areas):
        scale = min(base, (right - left) / width, (top - bottom) / height)
        plan = Placement(
            size=(target_w, target_h),
            scale=scale,
            offset=(left + ((right - left) - scale * width) / 2,
                    bottom + ((top - bottom) - scale * height) / 2),
        )
        if position == len(areas) - 1 or _zones_free(plan, width, height, occupied):
            break
    if (plan.size == (width, height) and plan.scale == 1.0
            and abs(plan.offset[0]) < 1e-9 and abs(plan.offset[1]) < 1e-9):
        return None
    return plan


def _target(width: float, height: float, fit_a4: bool) -> tuple[float, float]:
    if not fit_a4:
        return width, height
    a4 = A4_PT if height >= width else A4_PT[::-1]
    if abs(width - a4[0]) <= _A4_TOLERANCE_PT and abs(height - a4[1]) <= _A4_TOLERANCE_PT:
        return width, height
    return a4


def _zones_free(plan: Placement, width: float, height: float,
                occupied: Callable[[stamp.Rect], bool] | None) -> bool:
    """True if no content of the page, placed by ``plan``, lies in a stamp zone."""
    scale, (dx, dy) = plan.scale, plan.offset
    for left, bottom, right, top in stamp.zones(*plan.size):
        # the zone in the page's own coordinates, within the page
        x0, x1 = max((left - dx) / scale, 0.0), min((right - dx) / scale, width)
        y0, y1 = max((bottom - dy) / scale, 0.0), min((top - dy) / scale, height)
        if x1 <= x0 or y1 <= y0:
            continue
        if occupied is None or occupied((x0, y0, x1, y1)):
            return False
    return True


class PageImages:
    """Low-resolution renderings of a PDF's pages, to see where they hold content.

    Pages are rendered when first asked about, one at a time (about 3 ms for a text page, 50 ms
    for a 300 dpi full-page scan). Use as a context manager, or call :meth:`close`.

    Args:
        path: the PDF (pages without ``/Rotate``, as :mod:`evidence.pdf` writes exhibits).
    """

    def __init__(self, path: Path):
        self._path = Path(path)
        self._document = None
        self._failed = False
        self._page: tuple[int, _Image | None] | None = None

    def __enter__(self) -> PageImages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._document is not None:
            self._document.close()
            self._document = None

    def occupied(self, index: int, box: stamp.Rect, rect: stamp.Rect) -> bool:
        """Whether page ``index`` (0-based) has content in ``rect`` (points from the lower-left
        corner of ``box``, the page's visible area). A page that cannot be rendered, or whose
        visible area PDFium sees otherwise, counts as having content everywhere."""
        if self._page is None or self._page[0] != index:
            self._page = (index, self._render(index, box))
        image = self._page[1]
        return True if image is None else image.inked(rect)

    def _render(self, index: int, box: stamp.Rect) -> _Image | None:
        import pypdfium2  # only when an exhibit is prepared

        if self._failed:
            return None
        try:
            if self._document is None:
                self._document = pypdfium2.PdfDocument(str(self._path))
            page = self._document[index]
            try:
                seen = page.get_bbox()
                if any(abs(a - b) > _BOX_TOLERANCE_PT for a, b in zip(seen, box, strict=True)):
                    return None
                width, height = box[2] - box[0], box[3] - box[1]
                scale = min(_RENDER_SCALE, math.sqrt(_MAX_RENDER_PIXELS / (width * height)))
                bitmap = page.render(scale=scale, grayscale=True, draw_annots=False, may_draw_forms=False)
                if bitmap.n_channels != 1:
                    return None
                return _Image(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, scale, height)
            finally:
                page.close()
        except (pypdfium2.PdfiumError, OSError, ValueError, IndexError):
            self._failed = True
            return None


class JpegScan:
    """A plain JPEG image drawn on a page (a scanner's page), looked at an eighth of its size.

    The image is decoded at reduced size directly (:func:`evidence.images.grey_eighth`): about
    10 ms for a 300 dpi A4 colour scan, against 50 ms or more to render the page.

    Args:
        data: the JPEG file (the image's stream as stored, ``/DCTDecode``).
        width, height: its size in pixels as the PDF gives it.
    """

    def __init__(self, data: bytes, width: int, height: int):
        self._data = data
        self._size = (width, height)
        self._grey: tuple[bytes, int, int] | None = None
        self._looked = False

    def inked(self, matrix: tuple[float, ...], rect: stamp.Rect) -> bool | None:
        """Whether the image, drawn with ``matrix`` (``a b c d e f``, its unit square onto the
        page), has a pixel darker than the ink threshold within ``rect`` (page coordinates,
        points); ``None`` when that cannot be told this way (a turned image, a damaged one)."""
        a, b, c, d, e, f = matrix
        if abs(b) > 1e-6 or abs(c) > 1e-6 or not a or not d:
            return None
        if not self._looked:
            from evidence import images  # Pillow, for a scanned page only

            self._looked = True
            self._grey = images.grey_eighth(self._data, *self._size, max_pixels=_MAX_JPEG_PIXELS)
        if self._grey is None:
            return None
        pixels, width, height = self._grey
        us = sorted(((rect[0] - e) / a, (rect[2] - e) / a))
        vs = sorted((1 - (rect[1] - f) / d, 1 - (rect[3] - f) / d))  # rows run from the top
        x0, x1 = max(math.floor(us[0] * width) - 1, 0), min(math.ceil(us[1] * width) + 1, width)
        y0, y1 = max(math.floor(vs[0] * height) - 1, 0), min(math.ceil(vs[1] * height) + 1, height)
        if x1 <= x0 or y1 <= y0:
            return False
        return any(min(pixels[row * width + x0:row * width + x1]) < _INK for row in range(y0, y1))


@dataclass(frozen=True)
class _Image:
    pixels: bytes  # one grey byte per pixel, rows from the top
    width: int
    height: int
    stride: int
    scale: float  # pixels per point
    page_height: float  # points

    def inked(self, rect: stamp.Rect) -> bool:
        """Any pixel darker than the ink threshold in ``rect`` (plus a pixel around it)?"""
        left, bottom, right, top = rect
        x0 = max(math.floor(left * self.scale) - 1, 0)
        x1 = min(math.ceil(right * self.scale) + 1, self.width)
        y0 = max(math.floor((self.page_height - top) * self.scale) - 1, 0)
        y1 = min(math.ceil((self.page_height - bottom) * self.scale) + 1, self.height)
        if x1 <= x0:
            return False
        for row in range(y0, y1):
            start = row * self.stride
            if min(self.pixels[start + x0:start + x1]) < _INK:
                return True
        return False
