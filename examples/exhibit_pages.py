"""Stand-in scans for the examples' exhibits: an A4 page at 100 dpi with a centred title, lines
of text and an optional round seal, and a PDF of such pages. Used by each example's
``make_exhibits.py``. All names, numbers and amounts drawn are fictitious."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SIZE = (827, 1169)  # A4 at 100 dpi


def page(title: str, lines: list[str], *, stamp: str | None = None, mode: str = "L", title_size: int = 34,
         line_height: int = 34, wrap: int | None = None) -> Image.Image:
    """A page: ``title`` centred, ``lines`` from the top left (cut every ``wrap`` characters when
    given), a seal reading ``stamp`` below them; ``mode`` ``L`` (grey) or ``RGB`` (red seal)."""
    img = Image.new(mode, SIZE, "white")
    draw = ImageDraw.Draw(img)
    big = ImageFont.truetype(FONT, title_size, index=2)
    body = ImageFont.truetype(FONT, 20, index=2)
    w = draw.textlength(title, font=big)
    draw.text(((SIZE[0] - w) / 2, 90), title, fill="black", font=big)
    y = 180
    for line in lines:
        parts = [line[i:i + wrap] for i in range(0, len(line), wrap)] or [""] if wrap else [line]
        for part in parts:
            draw.text((90, y), part, fill="black", font=body)
            y += line_height
    if stamp:
        red = (200, 30, 30) if mode == "RGB" else 90
        draw.ellipse((520, y + 20, 720, y + 220), outline=red, width=5)
        sw = draw.textlength(stamp, font=body)
        draw.text((620 - sw / 2, y + 108), stamp, fill=red, font=body)
    return img


def pdf(path: Path, pages: list[Image.Image]) -> None:
    """``pages`` saved as one PDF at 100 dpi."""
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=100)
