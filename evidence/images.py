"""Images (JPEG, PNG, TIFF) to PDF pages, one A4 page per image or TIFF frame.

Each image is fitted within 15 mm margins of an A4 page and centred; a landscape image gets a
landscape A4 page. Before anything is decoded the header is read and an image above
``max_image_pixels`` is refused (decompression bomb). Frames are decoded one at a time.

What is done to the pixels, and why:

* EXIF orientation is applied, so the page shows the image upright as a photo viewer would.
* Transparency (PNG alpha, palette transparency) is flattened onto white: PDF images here are
  opaque, and a scan's transparent areas are paper.
* Every Pillow mode becomes one that can be encoded (1, L, RGB, or CMYK for JPEG) through one
  table, :data:`_ENCODABLE`: 16-bit samples scaled to 8 bits, so are 32-bit integer and float
  samples (their range stretched over 0..255 unless it is 8-bit, 16-bit or 0..1); YCbCr, LAB,
  HSV and RGBX converted to RGB, and a lossless CMYK image (a CMYK TIFF) too, PNG having no CMYK.
* An image finer than 600 dpi at its printed size is downscaled to 600 dpi; JPEG files are
  decoded at reduced size directly (libjpeg's DCT scaling) to spare memory.
* Bilevel (1-bit) frames are stored CCITT G4 (lossless), images that came as JPEG are stored as
  JPEG (quality 90), everything else as lossless Flate. JPEG and PNG files that need none of the
  above are embedded unchanged (no generation loss).

Pillow and img2pdf are used only in this module.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import img2pdf
from PIL import Image, ImageOps, UnidentifiedImageError

from evidence.errors import ExhibitError
from legaldocs.files import atomic_path
from legaldocs.i18n import _

__all__ = ["MARGIN_MM", "MAX_DPI", "EncodedImage", "as_jpeg_or_png", "grey_eighth", "image_to_pdfs", "resample_jpeg",
           "resample_pixels"]

# Pillow's process-wide guard (warning above MAX_IMAGE_PIXELS, error above twice that) is
# replaced by the explicit ``max_image_pixels`` check every open in this module makes on the
# header, before any pixel is decoded. Pillow is imported nowhere else in the project.
Image.MAX_IMAGE_PIXELS = None

#: Margin around an image on its A4 page, in millimetres.
MARGIN_MM = 15
#: Images finer than this at their printed size are downscaled to it (dots per inch).
MAX_DPI = 600
_JPEG_QUALITY = 90
_FRAMES_PER_FILE = 32

_A4_PT = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
_MARGIN_PT = img2pdf.mm_to_pt(MARGIN_MM)
_LAYOUT = img2pdf.get_layout_fun(
    pagesize=_A4_PT,
    border=(_MARGIN_PT, _MARGIN_PT),
    fit=img2pdf.FitMode.into,
    auto_orient=True,
)
_PILLOW_FORMATS = {"jpeg": ["JPEG", "MPO"], "png": ["PNG"], "tiff": ["TIFF"]}
_EXIF_ORIENTATION = 0x0112


def image_to_pdfs(
    source: Path,
    kind: str,
    out_dir: Path,
    *,
    max_image_pixels: int,
    label: Path | None = None,
) -> list[Path]:
    """Write the image as A4 PDF pages, one page per image (per frame of a TIFF), in ``out_dir``.

    Args:
        source: the image file.
        kind: ``"jpeg"``, ``"png"`` or ``"tiff"``, as found by :func:`evidence.sniff.detect_kind`.
            Only the first frame of a JPEG (MPO) or PNG (APNG) is used; every TIFF frame is.
        out_dir: existing folder for the PDFs, named ``frames-00001.pdf`` and so on;
            each holds up to 32 pages, so that no more than 32 encoded frames are held in
            memory and a long TIFF does not become hundreds of files.
        max_image_pixels: refuse any image or frame with more pixels (width x height).
        label: the name used in error messages (defaults to ``source``).

    Returns:
        The PDF paths, in frame order.

    Raises:
        ExhibitError: the image is damaged, truncated, too large, or cannot be converted.
    """
    label = Path(label or source)
    out_dir = Path(out_dir)
    written: list[Path] = []
    chunk: list[bytes] = []

    def flush() -> None:
        if chunk:
            pdf = img2pdf.convert(
                *chunk, layout_fun=_LAYOUT, rotation=img2pdf.Rotation.none, nodate=True
            )
            target = out_dir / f"frames-{len(written) + 1:05d}.pdf"
            try:
                with atomic_path(target) as temporary:
                    temporary.write_bytes(pdf)
            except OSError as exc:
                raise ExhibitError(label, _("cannot write {path}: {reason}").format(path=target, reason=exc.strerror or exc)) from exc
            written.append(target)
            chunk.clear()

    try:
        with Image.open(source, formats=_PILLOW_FORMATS[kind]) as image:
            frames = getattr(image, "n_frames", 1) if kind == "tiff" else 1
            for index in range(frames):
                if index:
                    image.seek(index)
                where = _("frame {number} of {count}: ").format(number=index + 1, count=frames) if frames > 1 else ""
                _check_size(image, max_image_pixels, label, where)
                chunk.append(_page_image(image, source, single=frames == 1))
                if len(chunk) == _FRAMES_PER_FILE:
                    flush()
            flush()
    except (ExhibitError, MemoryError):  # out of memory: the worker's budget says so, naming the file
        raise
    except UnidentifiedImageError as exc:
        raise ExhibitError(label, _("not a readable {kind} image").format(kind=kind.upper())) from exc
    except Image.DecompressionBombError as exc:
        raise ExhibitError(label, _("image refused as a decompression bomb: {error}").format(error=exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError, img2pdf.ImageOpenError) as exc:
        raise ExhibitError(label, _("damaged or unsupported {kind} image: {error}").format(kind=kind.upper(), error=exc)) from exc
    except Exception as exc:  # img2pdf raises plain Exception for some malformed images
        raise ExhibitError(label, _("cannot convert {kind} image: {error}").format(kind=kind.upper(), error=exc)) from exc
    return written


def as_jpeg_or_png(data: bytes, *, max_image_pixels: int, label: Path | str) -> tuple[bytes, str] | None:
    """An image file's bytes as a JPEG or PNG file, for a library that draws only those (OFD
    pages): JPEG and PNG as they are, BMP, GIF, TIFF and the other formats Pillow reads as PNG
    (lossless, alpha kept; the first frame).

    Returns:
        ``(bytes, "jpg" or "png")``, or None when the data is no image Pillow can read
        (JBIG2, damaged data).

    Raises:
        ExhibitError: naming ``label``, the image has more than ``max_image_pixels`` pixels.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            _check_size(image, max_image_pixels, Path(label), "")
            if image.format == "JPEG":
                return data, "jpg"
            if image.format == "PNG":
                return data, "png"
            # alpha kept (a seal drawn over text), every other mode through the one table
            has_alpha = "A" in image.getbands() or "a" in image.getbands() or "transparency" in image.info
            frame = image.convert("RGBA") if has_alpha else encodable(image, jpeg=False)
            buffer = io.BytesIO()
            frame.save(buffer, format="PNG")
            return buffer.getvalue(), "png"
    except ExhibitError:
        raise
    except Exception:  # noqa: BLE001 - any failure to read means: not an image we can draw
        return None


#: JPEG quality of images re-encoded at a lower resolution (see :func:`resample_jpeg`).
DOWNSAMPLE_JPEG_QUALITY = 85
# An image with at most this many colours or grey levels (text, line art) stays lossless when re-encoded.
_FEW_COLOURS = 64


@dataclass(frozen=True)
class EncodedImage:
    """Pixels encoded for a PDF image XObject.

    Attributes:
        filter: the PDF filter of ``data``: ``DCTDecode`` (JPEG), ``FlateDecode`` (zlib of the
            samples, row after row) or ``CCITTFaxDecode`` (Group 4 fax).
        data: the encoded data.
        width, height: in pixels.
        components: samples per pixel, 1 (grey or bilevel) or 3 (RGB).
        bits: bits per sample, 1 (bilevel: 0 black, 1 white) or 8.
        parms: the ``/DecodeParms`` entries the filter needs (CCITT), else empty.
    """

    filter: str
    data: bytes
    width: int
    height: int
    components: int
    bits: int
    parms: dict = field(default_factory=dict)


def resample_jpeg(data: bytes, size: tuple[int, int], *, max_image_pixels: int) -> EncodedImage | None:
    """A JPEG (a PDF's DCTDecode image) re-encoded as JPEG at ``size`` (width, height) pixels.

    The JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers ``size`` (libjpeg's
    DCT scaling: faster, less memory), resized (Lanczos) and encoded at quality
    :data:`DOWNSAMPLE_JPEG_QUALITY`.

    Returns:
        The :class:`EncodedImage`, or None when the data is no readable grey or RGB JPEG (CMYK
        JPEGs are left alone: their inversion conventions differ between writers), has more
        than ``max_image_pixels`` pixels, or ``size`` is not smaller.
    """
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            width, height = image.size
            if image.mode not in ("L", "RGB") or width * height > max_image_pixels:
                return None
            if size[0] >= width or size[1] >= height:
                return None
            image.draft(image.mode, size)
            frame = image.convert(image.mode).resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    except Exception:  # noqa: BLE001 - damaged or unusual JPEG: left as it is
        return None
    buffer = io.BytesIO()
    frame.save(buffer, format="JPEG", quality=DOWNSAMPLE_JPEG_QUALITY, optimize=True)
    return EncodedImage("DCTDecode", buffer.getvalue(), size[0], size[1], 1 if frame.mode == "L" else 3, 8)


def resample_pixels(image: Image.Image, size: tuple[int, int]) -> EncodedImage | None:
    """A decoded image resized to ``size`` and encoded (a mode other than ``1``, ``L`` or ``RGB``
    first becomes one of them through :func:`encodable`).

    Bilevel images (fax, black-and-white scans) stay bilevel: resized through grey (box
    filter) and thresholded at half, then encoded as CCITT Group 4 (lossless). Grey and RGB
    images with at most 64 colours or grey levels (text, line art) are kept lossless (Flate), photographs
    and greyscale scans become JPEG at quality :data:`DOWNSAMPLE_JPEG_QUALITY`.

    Returns:
        The :class:`EncodedImage`, or None when ``size`` is not smaller.
    """
    if size[0] >= image.width or size[1] >= image.height:
        return None
    if image.mode not in ("1", "L", "RGB"):
        image = encodable(image, jpeg=False)  # every other mode through the one table
    if image.mode == "1":
        grey = image.convert("L").resize(size, Image.Resampling.BOX)
        bilevel = grey.point(lambda value: 255 if value >= 128 else 0).convert("1", dither=Image.Dither.NONE)
        buffer = io.BytesIO()
        bilevel.save(buffer, format="TIFF", compression="group4", tiffinfo={278: size[1]})  # one strip
        with Image.open(io.BytesIO(buffer.getvalue())) as tiff:
            offset, length = tiff.tag_v2[273][0], tiff.tag_v2[279][0]
            photometric = tiff.tag_v2.get(262, 0)
        strip = buffer.getvalue()[offset:offset + length]
        # libtiff codes 0 bits as white runs; with BlackIsZero (1) samples, 0 is black: say so
        parms = {"K": -1, "Columns": size[0], "Rows": size[1], "BlackIs1": photometric == 1}
        return EncodedImage("CCITTFaxDecode", strip, size[0], size[1], 1, 1, parms)
    frame = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    components = 1 if frame.mode == "L" else 3
    if frame.getcolors(_FEW_COLOURS) is not None:
        return EncodedImage("FlateDecode", zlib.compress(frame.tobytes(), 9), size[0], size[1], components, 8)
    buffer = io.BytesIO()
    frame.save(buffer, format="JPEG", quality=DOWNSAMPLE_JPEG_QUALITY, optimize=True)
    return EncodedImage("DCTDecode", buffer.getvalue(), size[0], size[1], components, 8)


def _check_size(image: Image.Image, max_image_pixels: int, label: Path, where: str) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise ExhibitError(label, _("{where}image has no pixels ({width}x{height})").format(
            where=where, width=width, height=height))
    if width * height > max_image_pixels:
        raise ExhibitError(
            label,
            _("{where}image is {width}x{height} = {pixels} pixels, above the limit of {limit} "
              "(refused as a possible decompression bomb)").format(
                where=where, width=width, height=height, pixels=width * height, limit=max_image_pixels),
        )


def _page_image(image: Image.Image, source: Path, *, single: bool) -> bytes:
    """The encoded image to put on the page: the file itself when usable as is."""
    orientation = _orientation(image)
    width, height = image.size
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    ratio = _downscale_ratio(width, height)
    if single and orientation == 1 and ratio >= 1 and _embeddable_as_is(image):
        _check_decodes(image)
        return source.read_bytes()
    target = (width, height)
    if ratio < 1:
        target = (max(1, round(width * ratio)), max(1, round(height * ratio)))
        if image.format in ("JPEG", "MPO"):
            # Decode at 1/2, 1/4 or 1/8 size when that still covers the target.
            draft_size = target if orientation < 5 else (target[1], target[0])
            image.draft(image.mode, draft_size)
    was_jpeg = image.format in ("JPEG", "MPO") or _tiff_jpeg(image)
    icc = image.info.get("icc_profile")
    base_mode = image.mode
    frame = ImageOps.exif_transpose(image) if orientation != 1 else image
    frame = encodable(frame, jpeg=was_jpeg)
    if frame.size != target:
        if frame.mode == "1":  # resampled through grey: a bilevel image has no grey to blend
            frame = frame.convert("L")
        frame = frame.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if icc and _ENCODABLE[base_mode][0] != _ENCODABLE[frame.mode][0]:
        icc = None  # the profile describes other samples than those now stored
    return _encode(frame, jpeg=was_jpeg, icc=icc)


def _check_decodes(image: Image.Image) -> None:
    """Decode an image embedded as is, so a truncated or corrupt file is caught here.

    A JPEG is decoded at 1/8 size (libjpeg's DCT scaling), which still reads every byte.
    Raises OSError (or another Pillow error) when the data is damaged.
    """
    if image.format == "JPEG":
        width, height = image.size
        image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
    image.load()


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _downscale_ratio(width: int, height: int) -> float:
    """Scale factor (<= 1 means shrink) bringing the image to MAX_DPI at its printed size."""
    long_pt = max(_A4_PT) - 2 * _MARGIN_PT
    short_pt = min(_A4_PT) - 2 * _MARGIN_PT
    # Points per pixel once fitted on the page; the printed resolution is 72 / fit dpi.
    fit = min(long_pt / max(width, height), short_pt / min(width, height))
    return min(1, MAX_DPI * fit / 72)


def _embeddable_as_is(image: Image.Image) -> bool:
    """True for JPEG/PNG files img2pdf embeds without decoding (opaque, common modes)."""
    if "transparency" in image.info:
        return False
    if image.format == "JPEG":
        return image.mode in ("L", "RGB", "CMYK")
    if image.format == "PNG":
        return image.mode in ("1", "L", "RGB", "P")
    return False


def _tiff_jpeg(image: Image.Image) -> bool:
    return image.format == "TIFF" and image.info.get("compression") in ("jpeg", "tiff_jpeg")


def encodable(frame: Image.Image, *, jpeg: bool) -> Image.Image:
    """``frame`` in a mode that can be encoded: ``1`` (CCITT G4), ``L`` or ``RGB`` (PNG, or JPEG
    when ``jpeg``), ``CMYK`` (only when ``jpeg``); transparency flattened onto white.

    One table, :data:`_ENCODABLE`, says how for every Pillow mode.

    Raises:
        ValueError: a mode Pillow may add one day that is not in the table.
    """
    if frame.mode not in _ENCODABLE:
        raise ValueError(f"image mode {frame.mode} is not supported")
    return _ENCODABLE[frame.mode][1](frame, jpeg)


_Convert = Callable[[Image.Image, bool], Image.Image]


def _as_is(frame: Image.Image, jpeg: bool) -> Image.Image:
    return frame


def _to(mode: str) -> _Convert:
    return lambda frame, jpeg: frame.convert(mode)


def _flattened(via: str, mode: str) -> _Convert:
    """Through ``via`` (a mode with alpha), then its alpha flattened onto white as ``mode``."""
    def convert(frame: Image.Image, jpeg: bool) -> Image.Image:
        frame = frame.convert(via) if frame.mode != via else frame
        background = Image.new(mode, frame.size, "white")
        background.paste(frame.convert(mode), mask=frame.getchannel("A"))
        return background
    return convert


def _transparent(keyed: _Convert, mode: str, alpha_mode: str) -> _Convert:
    """A mode that may carry a transparent colour (``info["transparency"]``): flattened then."""
    flatten = _flattened(alpha_mode, mode)
    return lambda frame, jpeg: flatten(frame, jpeg) if "transparency" in frame.info else keyed(frame, jpeg)


def _palette(frame: Image.Image, jpeg: bool) -> Image.Image:
    if "transparency" in frame.info or frame.palette.mode == "RGBA":
        return _flattened("RGBA", "RGB")(frame, jpeg)
    return frame.convert("RGB")


def _sixteen_bits(frame: Image.Image, jpeg: bool) -> Image.Image:
    return frame.convert("I").point(lambda value: value / 257).convert("L")


def _wide_samples(frame: Image.Image, jpeg: bool) -> Image.Image:
    """32-bit integer or float samples to 8 bits: kept when within 0..255, read as 16 bits
    when within 0..65535 (integers), as fractions when within 0..1 (floats); any other range
    stretched over 0..255."""
    low, high = frame.getextrema()
    offset, scale = 0, 1
    if frame.mode == "F" and 0 <= low and high <= 1:
        scale = 255
    elif 0 <= low and high <= 255:
        pass
    elif frame.mode == "I" and 0 <= low and high <= 65535:
        scale = 1 / 257
    else:
        offset, scale = low, 255 / ((high - low) or 1)
    return frame.point(lambda value: (value - offset) * scale).convert("L")


def _cmyk(frame: Image.Image, jpeg: bool) -> Image.Image:
    # PNG has no CMYK: stored losslessly, a CMYK image (a CMYK TIFF) becomes RGB
    return frame if jpeg else frame.convert("RGB")


#: Every Pillow mode: the colour family of its samples (an ICC profile of one family does not
#: describe samples of another) and how a frame of it becomes encodable (:func:`encodable`).
_ENCODABLE: dict[str, tuple[str, _Convert]] = {
    "1": ("L", _as_is),
    "L": ("L", _transparent(_as_is, "L", "LA")),
    "LA": ("L", _flattened("LA", "L")),
    "La": ("L", _flattened("LA", "L")),
    "I": ("L", _wide_samples),
    "F": ("L", _wide_samples),
    "I;16": ("L", _sixteen_bits),
    "I;16L": ("L", _sixteen_bits),
    "I;16B": ("L", _sixteen_bits),
    "I;16N": ("L", _sixteen_bits),
    "P": ("RGB", _palette),
    "PA": ("RGB", _flattened("RGBA", "RGB")),
    "RGB": ("RGB", _transparent(_as_is, "RGB", "RGBA")),
    "RGBA": ("RGB", _flattened("RGBA", "RGB")),
    "RGBa": ("RGB", _flattened("RGBA", "RGB")),
    "RGBX": ("RGB", _to("RGB")),
    "YCbCr": ("YCbCr", _to("RGB")),
    "LAB": ("LAB", _to("RGB")),
    "HSV": ("HSV", _to("RGB")),
    "CMYK": ("CMYK", _cmyk),
}


def _encode(frame: Image.Image, *, jpeg: bool, icc: bytes | None) -> bytes:
    buffer = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    if frame.mode == "1":
        frame.save(buffer, format="TIFF", compression="group4")
    elif jpeg and frame.mode in ("L", "RGB", "CMYK"):
        frame.save(buffer, format="JPEG", quality=_JPEG_QUALITY, **extra)
    else:
        frame.save(buffer, format="PNG", **extra)
    return buffer.getvalue()


def grey_eighth(data: bytes, width: int, height: int, *, max_pixels: int) -> tuple[bytes, int, int] | None:
    """A JPEG's pixels in grey at an eighth of its size, decoded so directly (libjpeg's DCT
    scaling: about 10 ms for a 300 dpi A4 scan), to see where a scanned page has ink.

    Args:
        data: the JPEG file, e.g. a PDF image's ``/DCTDecode`` stream as stored.
        width, height: the size in pixels the JPEG must have (as the PDF gives it).
        max_pixels: a larger image is not decoded.

    Returns:
        ``(pixels, width, height)``: one byte a pixel (0 black, 255 white), rows from the top;
        ``None`` when the data is not a grey or RGB JPEG of that size, or is damaged.
    """
    if width * height > max_pixels:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG" or image.size != (width, height) or image.mode not in ("L", "RGB"):
                return None
            image.draft("L", (max(width // 8, 1), max(height // 8, 1)))
            grey = image.convert("L")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return grey.tobytes(), grey.width, grey.height
