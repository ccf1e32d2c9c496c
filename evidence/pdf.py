"""PDF reading, normalising, merging, bookmarking and stamping (pikepdf, used only here).

Every page that enters an exhibit PDF or a bundle is normalised the same way:

* **Encryption**: a PDF that opens with an empty password (owner password only) is accepted
  and written out decrypted; one that needs a user password is refused.
* **Damage**: qpdf's repair (rebuilding the cross-reference table) is attempted; a file that
  still cannot be read is refused.
* **Annotations and forms**: AcroForm fields and other annotations are flattened into the page
  as they would print (qpdf generates missing field appearances first); everything left over
  (links, hidden or non-printing annotations, the form itself) is dropped, so merged forms
  never clash and the bundle shows each page as printed.
* **Rotation**: ``/Rotate`` is folded into the page content (qpdf ``flattenRotation``), so that
  every page has rotation 0 and its bottom edge is the bottom as viewed; stamps placed at the
  bottom of the page are then upright.
* **Tiny pages**: a page whose shorter side is under :data:`MIN_PAGE_SIDE_PT` (e.g. a 16-pixel
  fax image written at 300 dpi, 4 pt wide) is drawn, scaled to fit, within 15 mm margins of
  an A4 page.
* **Document-level parts** of the sources (outlines, named destinations, JavaScript, embedded
  files, metadata, structure tree, page labels) are not carried over: only pages are copied
  into a new document. The bundle's own outline is exactly the index plus one bookmark per
  exhibit (nested under its group's), and its only annotations are the links it puts on the
  index's rows (:func:`write_bundle`).

Marks and fonts, as they print:

* **Annotations without an appearance** (a highlight, ink or sticky note saved without one)
  that would print are first given one drawn from their geometry, as viewers draw them, so
  that flattening keeps them; one that cannot be drawn is reported (:mod:`evidence.annotations`).
* **Fonts not embedded**: after flattening, every font the pages use without embedding it gets
  an embedded substitute drawn at the same widths, every glyph staying where it was: the
  metric-compatible URW or Liberation font for the standard 14 fonts, Arial, Times New Roman
  and Courier New, Noto CJK for a Chinese font named through a Unicode CMap; a font without
  one is left and reported as blocking (:mod:`evidence.fonts`).

What was done is reported in the exhibit's notes. :func:`unembedded_fonts` lists the fonts a
PDF still uses without embedding them; the bundle refuses an index PDF with any (see
:func:`write_bundle`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Page, Rectangle

from evidence import decoding
from evidence.annotations import give_appearances
from evidence.fonts import embed_substitutes, fonts_used, is_embedded as _is_embedded
from evidence.errors import BundleError, ExhibitError, ExhibitNote
from evidence.stamp import PLATE_ALPHA, Stamper, StampFont, exhibit_label
from legaldocs.files import atomic_path
from legaldocs.i18n import _

__all__ = [
    "IndexLink",
    "MIN_PAGE_SIDE_PT",
    "PageBox",
    "make_reproducible",
    "make_room_for_stamps",
    "page_count",
    "unembedded_fonts",
    "write_bundle",
    "write_exhibit",
]

#: Pages with a shorter side below this many points are placed on an A4 page.
MIN_PAGE_SIDE_PT = 144
_A4_PT = (595.2756, 841.8898)
_MARGIN_PT = 42.5197  # 15 mm
# Page dictionary entries that refer to document-level structures not carried over, or to
# interactive behaviour the bundle drops.
_PAGE_KEYS_DROPPED = ("/Annots", "/AA", "/B", "/StructParents", "/Tabs", "/PieceInfo", "/Thumb")
_MAX_OPEN_SOURCES = 128

#: Visible area of a page (CropBox within MediaBox) as ``(left, bottom, right, top)`` in points.
PageBox = tuple[float, float, float, float]


def page_count(path: Path, *, label: Path | None = None) -> int:
    """Number of pages of the PDF at ``path``.

    Raises:
        ExhibitError: (naming ``label`` or ``path``) the file is encrypted with a user password,
            damaged beyond repair, or not a PDF.
    """
    with _open(Path(path), Path(label or path)) as pdf:
        return len(pdf.pages)


def write_exhibit(
    parts: Sequence[tuple[Path, Path]], out: Path, notes: list[ExhibitNote] | None = None, *,
    received: Collection[Path] = (), max_decoded_bytes: int | None = None,
    on_part: Callable[[Path], None] | None = None,
) -> int:
    """Normalise and concatenate PDFs into one exhibit PDF written atomically at ``out``.

    Args:
        parts: ``(pdf path, label)`` pairs in order; the label (the file the caller gave,
            e.g. the .docx a PDF was converted from) names the file in error messages.
        out: the PDF to write; its folder must exist.
        notes: when given, what normalising did or found that a clerk must know is appended
            to it (:class:`~evidence.errors.ExhibitNote`).
        received: the paths among ``parts`` that are files as received from outside (a PDF
            given as an exhibit), not made by this package (image pages, LibreOffice's PDFs).
            Each is checked before anything else reads its data: its streams, decoded piece
            by piece, may not exceed ``max_decoded_bytes`` (bytes, for the file; no limit when
            None), and it is refused when pages or content were lost (damaged, or drawing a
            missing resource), or noted ``repaired`` when qpdf repaired it without loss.
        max_decoded_bytes: see ``received``.
        on_part: called with each part's label before the part is read.

    Returns:
        The number of pages written.

    Raises:
        ExhibitError: a part cannot be opened (needs a password, damaged beyond repair), has
            no pages, or cannot be copied; a received part exceeds ``max_decoded_bytes`` or
            lost content (the message gives the pages the file declares, found and intact).
            ``out`` is then left untouched.
    """
    if not parts:
        raise ExhibitError(out, _("no pages to write"))
    out = Path(out)
    labels = ", ".join(str(label) for _, label in parts)

    def error(reason: str) -> ExhibitError:
        return ExhibitError(labels, reason)

    merger = _Merger(out.parent, error, notes)
    try:
        checked = {Path(path) for path in received}
        for path, label in parts:
            if on_part is not None:
                on_part(Path(label))
            merger.append(Path(path), Path(label), check=Path(path) in checked,
                          max_decoded_bytes=max_decoded_bytes)
        _save(merger.pdf, out, error)
        return len(merger.pdf.pages)
    except pikepdf.PdfError as exc:
        raise error(_("cannot write {path}: {reason}").format(path=out, reason=exc)) from exc
    finally:
        merger.close()


def write_bundle(
    index: Path | None,
    exhibits: Sequence[tuple[Path, int]],
    out: Path,
    *,
    bookmarks: Sequence[BundleBookmark],
    stamper: Stamper,
    exhibit_numbers: Sequence[int],
    title: str,
    work_dir: Path,
    fit_a4: bool = False,
    first_page: int = 1,
    links: Sequence[IndexLink] = (),
    part_bytes: list[int] | None = None,
) -> tuple[int, int]:
    """Write the bundle (or one volume of it): index pages, then each exhibit's pages,
    bookmarked, stamped, and the index's rows linked to their exhibits.

    The file is written as it is assembled, one source at a time (:mod:`evidence.writer`), so
    memory stays flat whatever the number of pages or the size of the scans; every stream is
    copied as stored (an exhibit's unusual streams were decoded, once, when
    :func:`write_exhibit` wrote it). A part whose pages still need normalising (annotations, a
    form, a rotation, a tiny page: not a PDF :func:`write_exhibit` wrote) goes through
    :func:`write_exhibit` first.

    Args:
        index: the 证据目录 PDF (every font in it must be embedded), or ``None`` for a volume
            without it.
        exhibits: ``(pdf path, expected page count)`` per exhibit, in order.
        out: the bundle PDF to write (atomically); its folder must exist.
        bookmarks: the outline, in order: ``(title, 0-based page index)`` or ``(title, page
            index, children)``, ``children`` being bookmarks of the same form nested under it.
        stamper: draws the stamps (:class:`evidence.stamp.Stamper`): every page gets its
            number ``first_page, first_page + 1 ...``, each exhibit page also its label
            ``证据N-k``; its font is embedded once. Exhibit pages are expected to have room for
            them (:func:`make_room_for_stamps`); the index's pages are given room here the same
            way.
        exhibit_numbers: the number N of each exhibit, as ``exhibits``.
        title: document title (``/Title`` in the document information).
        work_dir: existing folder for temporary files.
        fit_a4: make every page that is not A4 an A4 one (see :mod:`evidence.placement`),
            keeping the stamp zones free; exhibits prepared with ``fit_a4`` already are.
        first_page: the number stamped on the first page (a later volume, or a supplement,
            continues the numbers of those before it).
        links: link annotations put on the index's pages (:class:`IndexLink`).
        part_bytes: when given, the bytes each part (the index, then each exhibit) takes in
            the file are appended to it.

    Returns:
        ``(pages written, index pages)``; index pages 0 without an index.

    Raises:
        BundleError: the index has unembedded fonts or no pages, an exhibit PDF's page count
            differs from the expected one, a link goes to a page the file lacks, or the
            bundle cannot be written. Nothing is written at ``out`` then.
        ExhibitError: an exhibit PDF cannot be read.
    """
    from evidence import writer

    parts: list[tuple[Path, int]] = []
    index_pages = 0
    if index is not None:
        index = Path(index)
        try:
            missing = unembedded_fonts(index)
            index_pages = page_count(index)
        except ExhibitError as exc:
            raise BundleError(_("index PDF unusable: {error}").format(error=exc)) from exc
        if missing:
            raise BundleError(
                _("{path}: the index uses fonts that are not embedded ({fonts}); "
                  "produce it with every font embedded so that every Chinese glyph renders").format(
                    path=index, fonts=", ".join(missing))
            )
        parts.append((index, index_pages))
    parts += [(Path(path), expected) for path, expected in exhibits]
    labels: list[str | None] = [None] * index_pages
    for (_path, expected), number in zip(exhibits, exhibit_numbers, strict=True):
        labels += [exhibit_label(number, page) for page in range(1, expected + 1)]
    for link in links:
        if link.file is None and not 0 <= link.target < len(labels):
            raise BundleError(_("{path}: a link goes to page {page}, which the bundle does not have").format(
                path=out, page=link.target + 1))
    out = Path(out)
    try:
        with atomic_path(out) as temporary, temporary.open("wb") as handle:
            bundle = writer.StreamingPdf(handle)
            # written once for every page: the stamp font, the plate's state, the stream that
            # opens each page's own content
            with pikepdf.new() as shared:
                copier = bundle.copier(shared)
                common = [copier.reference(obj) for obj in (
                    _embed_stamp_font(shared, stamper.font),
                    shared.make_indirect(Dictionary(Type=Name.ExtGState, ca=Decimal(str(PLATE_ALPHA)))),
                    shared.make_stream(b"q\n"),
                )]
                copier.write_pending()
            pages = [bundle.reserve() for _ in labels]
            done = 0
            start_of_part = bundle.size
            for position, (path, expected) in enumerate(parts):
                on_index = index is not None and position == 0
                with _bundle_part(path, expected, work_dir, on_index) as source:
                    # the index too keeps the page number's zone free (a bank's template may
                    # put a footer there); exhibits were placed when they were prepared
                    room = _room_plans(source, Path(source.filename)) if on_index else {}
                    copier = bundle.copier(source)
                    font, plate, opener = (copier.external(number) for number in common)
                    mine = pages[done:done + expected]
                    for page, number in zip(source.pages, mine):
                        copier.bind(page.obj, number)
                    for offset, page in enumerate(source.pages):
                        writer.push_inherited(page.obj)
                        if offset in room:
                            _place(page, *room[offset])
                        _stamp_page(page, first_page + done + offset, labels[done + offset], stamper,
                                    font, plate, opener, source.make_stream, fit_a4=fit_a4)
                        if on_index:
                            _add_links(source, page, [link for link in links if link.page == offset],
                                       lambda target: copier.external(pages[target]))
                        bundle.write_page(copier, page, mine[offset])
                done += expected
                if part_bytes is not None:
                    bundle.flush_objects()
                    part_bytes.append(bundle.size - start_of_part)
                start_of_part = bundle.size
            bundle.finish(pages, outline=_outline(bookmarks, pages), info={"Title": title})
    except pikepdf.PdfError as exc:
        raise BundleError(_("{path}: cannot assemble the bundle: {error}").format(path=out, error=exc)) from exc
    except OSError as exc:
        raise BundleError(_("cannot write {path}: {reason}").format(path=out, reason=exc.strerror or exc)) from exc
    return len(pages), index_pages


#: An outline entry of :func:`write_bundle`: ``(title, 0-based page index)`` or
#: ``(title, page index, children)``.
BundleBookmark = tuple


@dataclass(frozen=True)
class IndexLink:
    """A link on a page of the index: a click within ``rect`` goes to a page.

    Attributes:
        page: the index page it is on (0-based).
        rect: ``(left, bottom, right, top)`` in that page's coordinates, points.
        target: the 0-based index of the page it goes to, in this file or in ``file``.
        file: ``None`` for a page of this file, else the name of another file in the same
            folder (another volume of the bundle).
    """

    page: int
    rect: tuple[float, float, float, float]
    target: int
    file: str | None = None


@contextlib.contextmanager
def _bundle_part(path: Path, expected: int, work_dir: Path, is_index: bool) -> Iterator[pikepdf.Pdf]:
    """The part of a bundle at ``path`` opened (read as a stream, not mapped into memory),
    with ``expected`` pages, normalised through :func:`write_exhibit` first when it needs it."""

    def unusable(exc: ExhibitError) -> BundleError:
        return BundleError(_("index PDF unusable: {error}").format(error=exc))

    try:
        source = _open(path, path, stream=True)
    except ExhibitError as exc:
        if is_index:
            raise unusable(exc) from exc
        raise
    try:
        if len(source.pages) != expected:
            if is_index:
                raise BundleError(_("{path}: the index changed while the bundle was assembled").format(path=path))
            raise BundleError(
                _("{label}: has {pages} pages but its exhibit record says {expected}; prepare the exhibit again").format(
                    label=path, pages=len(source.pages), expected=expected)
            )
        if _needs_normalising(source):
            source.close()
            handle, name = tempfile.mkstemp(prefix=".normalised-", suffix=".pdf", dir=work_dir)
            os.close(handle)
            normalised = Path(name)
            try:
                try:
                    write_exhibit([(path, path)], normalised)
                except ExhibitError as exc:
                    if is_index:
                        raise unusable(exc) from exc
                    raise
                source = _open(normalised, path, stream=True)
                if len(source.pages) != expected:
                    raise BundleError(_("{path}: normalising changed the number of pages").format(path=path))
                yield source
            finally:
                source.close()
                normalised.unlink(missing_ok=True)
            return
        yield source
    finally:
        source.close()


def _needs_normalising(pdf: pikepdf.Pdf) -> bool:
    """Whether normalising (:func:`_append_normalised`) would change a page of ``pdf``: a form,
    an annotation or another dropped entry, a rotation, an empty or a tiny page."""
    from evidence.writer import inherited

    if Name.AcroForm in pdf.Root:
        return True
    for page in pdf.pages:
        obj = page.obj
        if any(key in obj for key in _PAGE_KEYS_DROPPED):
            return True
        rotation = obj.get(Name.Rotate, inherited(obj, "/Rotate"))
        if rotation is not None:
            try:
                if int(rotation) % 360:
                    return True
            except (TypeError, ValueError):
                return True
        left, bottom, right, top = _visible_box(page)
        if min(right - left, top - bottom) < MIN_PAGE_SIDE_PT:
            return True
    return False


def _add_links(pdf: pikepdf.Pdf, page: Page, links: Sequence[IndexLink],
               page_object: Callable[[int], pikepdf.Object]) -> None:
    """Put ``links`` on ``page`` as link annotations without a border; ``page_object(i)`` is
    the object standing for page ``i`` of the bundle (a destination in this file)."""
    if not links:
        return
    annotations = []
    for link in links:
        if link.file is None:
            action = Dictionary(S=Name.GoTo, D=Array([page_object(link.target), Name.Fit]))
        else:
            action = Dictionary(
                S=Name.GoToR, D=Array([link.target, Name.Fit]), NewWindow=False,
                F=Dictionary(Type=Name.Filespec, F=pikepdf.String(link.file.encode("utf-8")),
                             UF=pikepdf.String(link.file)),
            )
        annotations.append(pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([_number_value(v) for v in link.rect]),
            Border=Array([0, 0, 0]), A=action,
        )))
    page.obj.Annots = Array(annotations)


def _outline(bookmarks: Sequence[BundleBookmark], pages: Sequence[int]) -> list:
    """:func:`write_bundle`'s bookmarks as :class:`evidence.writer.Bookmark` (page objects)."""
    from evidence.writer import Bookmark

    out = []
    for entry in bookmarks:
        title, index = entry[0], entry[1]
        children = entry[2] if len(entry) > 2 else ()
        out.append(Bookmark(title, pages[index], _outline(children, pages)))
    return out


def unembedded_fonts(path: Path) -> list[str]:
    """Names of the fonts a PDF uses without embedding them, sorted and without duplicates.

    Walks every page's resources, including form XObjects, tiling patterns, Type 3 glyph
    resources and annotation appearances. A font counts as embedded when its descriptor has
    ``/FontFile``, ``/FontFile2`` or ``/FontFile3`` (for a Type 0 font: its descendant's), or
    when it is a Type 3 font (glyphs drawn by the PDF itself). A viewer substitutes an
    unembedded font from the fonts installed on its machine, so glyphs may look different or,
    for Chinese, be missing.

    Returns:
        e.g. ``["Helvetica", "STSong-Light"]``; ``[]`` when every font is embedded.

    Raises:
        ExhibitError: the file cannot be opened as a PDF.
    """
    path = Path(path)
    found: set[str] = set()
    with _open(path, path) as pdf:
        seen: set[tuple[int, int]] = set()
        try:
            for page in pdf.pages:
                for font in fonts_used(pdf, page.obj, seen):
                    if not _is_embedded(font):
                        found.add(str(font.get(Name.BaseFont, "/(unnamed)"))[1:])
        except (pikepdf.PdfError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise ExhibitError(path, _("cannot read the fonts: {error}").format(error=exc)) from exc
    return sorted(found)


# -- opening -------------------------------------------------------------------------------------


def _open(path: Path, label: Path, *, stream: bool = False) -> pikepdf.Pdf:
    """Open a PDF (``stream``: read as a file, not mapped into memory; faster when every stream
    is read once, and a large file does not count in the process's memory)."""
    access = pikepdf.AccessMode.stream if stream else pikepdf.AccessMode.default
    try:
        pdf = pikepdf.open(path, password="", attempt_recovery=True, suppress_warnings=True, access_mode=access)
    except pikepdf.PasswordError as exc:
        raise ExhibitError(
            label, _("PDF is encrypted and needs a password to open; provide an unprotected copy")
        ) from exc
    except FileNotFoundError as exc:
        raise ExhibitError(label, _("file not found")) from exc
    except pikepdf.PdfError as exc:
        reason = _reason(exc, path)
        raise ExhibitError(label, _("damaged PDF that could not be repaired: {reason}").format(reason=reason)) from exc
    except (OSError, ValueError, RuntimeError) as exc:
        raise ExhibitError(label, _("cannot read PDF: {reason}").format(reason=_reason(exc, path))) from exc
    try:
        count = len(pdf.pages)
    except (pikepdf.PdfError, RuntimeError, ValueError, TypeError) as exc:
        pdf.close()
        reason = _reason(exc, path)
        raise ExhibitError(label, _("damaged PDF, its page tree cannot be read: {reason}").format(reason=reason)) from exc
    if count == 0:
        pdf.close()
        raise ExhibitError(label, _("PDF has no pages"))
    return pdf


# -- checking a received file --------------------------------------------------------------------

#: A page (or form) whose content decodes to more than this is not read for the resources it
#: draws; every resource it lists is checked instead.
_SCAN_CONTENT_BYTES = 32 << 20
# Entries not followed when looking for a page's streams: back-references to the page tree,
# parts the bundle drops (thumbnails, actions, beads, private data), arrays of numbers only.
_NOT_FOLLOWED = frozenset({
    "/Parent", "/P", "/Thumb", "/PieceInfo", "/B", "/AA", "/A", "/Dest", "/StructParent",
    "/StructParents", "/Widths", "/W", "/W2", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox",
    "/ArtBox", "/Matrix", "/BBox", "/FontBBox", "/Decode", "/Domain", "/Range", "/Rect",
    "/QuadPoints", "/InkList", "/Vertices", "/Differences",
})
# Operators that draw a named resource, and the resource category of the name.
_DRAWING_OPERATORS = {"Do": "/XObject", "Tf": "/Font", "sh": "/Shading", "gs": "/ExtGState",
                      "scn": "/Pattern", "SCN": "/Pattern"}
_ObjGen = tuple[int, int]


def _check_received(pdf: pikepdf.Pdf, label: Path, max_decoded_bytes: int | None,
                    notes: list[ExhibitNote]) -> None:
    """Check a PDF as received, before any of its pages is copied or saved.

    1. Every stream the pages use (content, images, fonts, forms, annotation appearances) is
       decoded piece by piece (:func:`evidence.decoding.decoded_size`, never held whole) and
       the bytes counted; past ``max_decoded_bytes`` for the file the exhibit is refused at
       once, as a possible decompression bomb.
    2. Every page must have its content intact: its content streams present and decodable,
       and every resource its content draws (image, form, font, shading, pattern, graphics
       state) present with readable data. A file with pages missing (its page tree counts
       more than were found) or with content lost is refused, naming both page counts; one
       that needed repair (qpdf's warnings) but lost nothing gets an ExhibitNote ``repaired``.

    Raises:
        ExhibitError: naming ``label``, as above.
    """
    sizes, unreadable = _measure_streams(pdf, label, max_decoded_bytes)
    warnings = pdf.get_warnings()  # (and clears them) before content is read: its syntax warnings are no repair
    repaired = bool(warnings)
    found = len(pdf.pages)
    declared = _declared_pages(pdf, found)
    lost = [number for number, page in enumerate(pdf.pages, start=1)
            if not _page_intact(page, sizes, unreadable, repaired)]
    intact = found - len(lost)
    if lost or found < declared:
        detail = _(" (content missing or unreadable on pages {numbers})").format(numbers=_spans(lost)) if lost else ""
        message = (_("damaged PDF, content lost in the repair: the file declares {declared} pages, {found} were found, "
                     "{intact} of them with their content intact{detail}; refused so that no blank or incomplete page "
                     "is filed: provide an undamaged copy") if repaired else
                   _("content missing: the file declares {declared} pages, {found} were found, {intact} of them with "
                     "their content intact{detail}; refused so that no blank or incomplete page is filed: provide a "
                     "complete copy"))
        raise ExhibitError(label, message.format(declared=declared, found=found, intact=intact, detail=detail))
    if repaired and pdf.filename and _pages_as_written(Path(pdf.filename)) is None:
        # the page tree as written is gone with the damage: pages lost with it cannot be counted
        notes.append(ExhibitNote(
            str(label), "repaired",
            f"文件已损坏（qpdf：{_warning_text(warnings[0], label)}），经自动修复后读取，但文件的页面目录已无法读取，"
            f"不能确认是否缺页：找到{found}页，{intact}页内容完整。请与原件逐页核对，或换用未损坏的文件",
            "blocking"))
    elif repaired:
        notes.append(ExhibitNote(
            str(label), "repaired",
            f"文件已损坏（qpdf：{_warning_text(warnings[0], label)}），经自动修复后读取，未丢失内容：文件声明{declared}页，"
            f"找到{found}页，{intact}页内容完整。请核对证据材料中该文件各页与原件一致，必要时换用未损坏的文件",
            "check"))


def _spans(numbers: list[int]) -> str:
    """Page numbers as runs: ``[1, 2, 3, 4, 7]`` is ``"1-4, 7"`` (the comma in the reader's language)."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return _(", ").join(f"{first}-{last}" if last > first else str(first) for first, last in runs)


def _warning_text(warning: str, label: Path) -> str:
    """A qpdf warning without the file name it starts with."""
    return warning.rsplit(": ", 1)[-1]


def _measure_streams(pdf: pikepdf.Pdf, label: Path, limit: int | None
                     ) -> tuple[dict[_ObjGen, int], set[_ObjGen]]:
    """Decoded size of every stream reachable from the pages, and the streams that cannot be
    read or decoded. Raises ExhibitError when the total passes ``limit`` (bytes)."""
    budget = limit if limit is not None else 1 << 62
    sizes: dict[_ObjGen, int] = {}
    unreadable: set[_ObjGen] = set()
    seen: set[_ObjGen] = set()
    total = 0
    stack: list[pikepdf.Object] = [page.obj for page in pdf.pages]
    while stack:
        obj = stack.pop()
        if isinstance(obj, Array):
            stack.extend(item for item in obj if isinstance(item, (Dictionary, Array, pikepdf.Stream)))
            continue
        if not isinstance(obj, (Dictionary, pikepdf.Stream)):
            continue
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            filters, parms = _filters(obj)
            try:
                raw = obj.read_raw_bytes()
            except pikepdf.PdfError:
                unreadable.add(obj.objgen)
                continue
            result = decoding.decoded_size(raw, filters, parms, limit=budget - total)
            del raw
            total += result.size
            if result.exceeded:
                raise ExhibitError(label, _(
                    "decoded data exceeds {limit} MiB, the budget for one file: refused as a possible "
                    "decompression bomb (its compressed streams expand without end)").format(limit=budget >> 20))
            sizes[obj.objgen] = result.size
            if result.error:
                unreadable.add(obj.objgen)
            entries = obj.stream_dict.items()
        else:
            entries = obj.items()
        stack.extend(value for key, value in entries
                     if key not in _NOT_FOLLOWED and isinstance(value, (Dictionary, Array, pikepdf.Stream)))
    return sizes, unreadable


def _filters(stream: pikepdf.Stream) -> tuple[list[str], list[Dictionary | None]]:
    names = stream.get(Name.Filter)
    parms = stream.get(Name.DecodeParms)
    names = [names] if isinstance(names, Name) else list(names) if isinstance(names, Array) else []
    parms = list(parms) if isinstance(parms, Array) else [parms] * len(names)
    return ([str(name) for name in names],
            [parm if isinstance(parm, Dictionary) else None for parm in parms])


def _declared_pages(pdf: pikepdf.Pdf, found: int) -> int:
    """Pages the file's page tree says it has, else the number found.

    qpdf mends the page tree as it opens a file (a /Kids entry naming an object that is missing
    is dropped and /Count corrected), so the tree as written is also read from the file itself:
    the pages its /Kids name, missing ones included.
    """
    try:
        count = pdf.Root.Pages.Count
    except (AttributeError, KeyError, TypeError, ValueError, pikepdf.PdfError):
        count = None
    declared = int(count) if isinstance(count, int) and count > 0 else found
    written = _pages_as_written(Path(pdf.filename)) if pdf.filename else None
    return max(declared, written or 0, found)


def _pages_as_written(path: Path) -> int | None:
    """The pages the page tree of the file at ``path`` names as written: its leaves, a /Kids entry
    that is missing or no dictionary counting as one page lost (a wrong /Count alone, which some
    writers leave, is no loss). None when the tree cannot be read that way."""
    import pypdf
    from pypdf.generic import DictionaryObject, IndirectObject, NullObject

    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        root = reader.trailer["/Root"].get_object()["/Pages"].get_object()
    except Exception:  # noqa: BLE001 - a tree pypdf cannot read: qpdf's reading stands
        return None
    seen: set[int] = set()

    def leaves(node, depth: int) -> int:
        if depth > 64 or id(node) in seen:
            return 0
        seen.add(id(node))
        kids = node.get("/Kids")
        if kids is None:
            return 1
        total = 0
        for kid in kids.get_object() if hasattr(kids, "get_object") else kids:
            try:
                target = kid.get_object() if isinstance(kid, IndirectObject) else kid
            except Exception:  # noqa: BLE001 - an object that cannot be read is a page lost
                target = None
            if target is None or isinstance(target, NullObject) or not isinstance(target, DictionaryObject):
                total += 1
            else:
                total += leaves(target, depth + 1)
        return total

    try:
        return leaves(root, 0)
    except Exception:  # noqa: BLE001
        return None


def _page_intact(page: Page, sizes: dict[_ObjGen, int], unreadable: set[_ObjGen], repaired: bool) -> bool:
    """True when the page's content and every resource it draws are present and readable.

    A page without content is blank; in a repaired file its content is taken as lost.
    """
    contents = page.obj.get(Name.Contents)
    if contents is None or (isinstance(contents, Array) and len(contents) == 0):
        return not repaired
    streams = [contents] if isinstance(contents, pikepdf.Stream) else list(contents) if isinstance(contents, Array) else []
    if not streams or any(not isinstance(stream, pikepdf.Stream) or stream.objgen in unreadable
                          for stream in streams):
        return False
    size = sum(sizes.get(stream.objgen, 0) for stream in streams)
    return _draws_intact(page.obj, _resources(page.obj), size, sizes, unreadable, set())


def _resources(page: Dictionary) -> Dictionary | None:
    """The page's resources, inherited from the page tree when the page has none."""
    node, depth = page, 0
    while isinstance(node, Dictionary) and depth < 64:
        resources = node.get(Name.Resources)
        if isinstance(resources, Dictionary):
            return resources
        node, depth = node.get(Name.Parent), depth + 1
    return None


def _draws_intact(holder: pikepdf.Object, resources: Dictionary | None, size: int,
                  sizes: dict[_ObjGen, int], unreadable: set[_ObjGen], seen: set[_ObjGen]) -> bool:
    """True when every resource ``holder``'s content (a page's, a form's, a pattern's) draws
    is in ``resources`` with readable data, forms and patterns checked in turn."""
    drawn: set[tuple[str, str]] = set()
    if size <= _SCAN_CONTENT_BYTES:
        try:
            instructions = pikepdf.parse_content_stream(holder, " ".join(_DRAWING_OPERATORS))
        except (pikepdf.PdfError, ValueError, TypeError):
            return False
        for operands, operator in instructions:
            names = [operand for operand in operands if isinstance(operand, Name)]
            if names:
                drawn.add((_DRAWING_OPERATORS[str(operator)], str(names[-1] if str(operator) in ("scn", "SCN") else names[0])))
    elif isinstance(resources, Dictionary):  # too large to read: every resource listed
        for category in set(_DRAWING_OPERATORS.values()):
            group = resources.get(category)
            if isinstance(group, Dictionary):
                drawn.update((category, str(key)) for key in group.keys())
    for category, name in drawn:
        group = resources.get(category) if isinstance(resources, Dictionary) else None
        entry = group.get(name) if isinstance(group, Dictionary) else None
        if entry is None or (unreadable and _uses_unreadable(entry, unreadable)):
            return False
        if isinstance(entry, pikepdf.Stream) and entry.objgen not in seen and (
                entry.get(Name.Subtype) == Name.Form or entry.get(Name.PatternType) == 1):
            seen.add(entry.objgen)
            inner = entry.get(Name.Resources)
            if not _draws_intact(entry, inner if isinstance(inner, Dictionary) else resources,
                                 sizes.get(entry.objgen, 0), sizes, unreadable, seen):
                return False
    return True


def _uses_unreadable(entry: pikepdf.Object, unreadable: set[_ObjGen]) -> bool:
    """True when ``entry`` or a stream under it (a font's program, an image's mask ...) is
    unreadable; a form's or pattern's own resources are left to :func:`_draws_intact`."""
    stack, seen = [entry], set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, Array):
            stack.extend(obj)
            continue
        if not isinstance(obj, (Dictionary, pikepdf.Stream)):
            continue
        if obj.is_indirect:
            if obj.objgen in unreadable:
                return True
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        form = isinstance(obj, pikepdf.Stream) and (obj.get(Name.Subtype) == Name.Form or obj.get(Name.PatternType) == 1)
        entries = obj.stream_dict.items() if isinstance(obj, pikepdf.Stream) else obj.items()
        stack.extend(value for key, value in entries
                     if key not in _NOT_FOLLOWED and not (form and key == "/Resources"))
    return False


# -- merging -------------------------------------------------------------------------------------


class _Merger:
    """Appends normalised pages of PDFs into one new PDF.

    Copied pages keep reading from their source files until the result is saved, so sources
    stay open; past :data:`_MAX_OPEN_SOURCES` of them the result so far is saved to a
    temporary file in ``spill_dir`` and reopened, which closes the sources (an exhibit of
    hundreds of scans never runs out of file handles).
    """

    def __init__(self, spill_dir: Path, error: Callable[[str], Exception],
                 notes: list[ExhibitNote] | None = None):
        self.pdf = pikepdf.new()
        self.notes = notes if notes is not None else []
        self._spill_dir = spill_dir
        self._error = error
        self._sources: list[pikepdf.Pdf] = []
        self._spills: list[Path] = []

    def append(self, path: Path, label: Path, *, expected: int | None = None, check: bool = False,
               max_decoded_bytes: int | None = None) -> int:
        """Append the pages of ``path``; return how many. ``expected``: required page count;
        ``check``: check the file as received first (:func:`_check_received`)."""
        if len(self._sources) >= _MAX_OPEN_SOURCES:
            self._spill()
        source = _open(path, label)
        self._sources.append(source)
        if check:
            _check_received(source, label, max_decoded_bytes, self.notes)
        if expected is not None and len(source.pages) != expected:
            raise BundleError(
                _("{label}: has {pages} pages but its exhibit record says {expected}; prepare the exhibit again").format(
                    label=label, pages=len(source.pages), expected=expected)
            )
        before = len(self.pdf.pages)
        _append_normalised(self.pdf, source, label, self.notes)
        return len(self.pdf.pages) - before

    def _spill(self) -> None:
        try:
            handle, name = tempfile.mkstemp(prefix=".merge-", suffix=".pdf", dir=self._spill_dir)
            os.close(handle)
            spill = Path(name)
            self._spills.append(spill)
            self.pdf.save(spill, **_SAVE_STREAMS)
        except (pikepdf.PdfError, OSError) as exc:
            raise self._error(_("cannot write a temporary file in {folder}: {error}").format(
                folder=self._spill_dir, error=exc)) from exc
        self._close_sources()
        self.pdf.close()
        self.pdf = pikepdf.open(spill)

    def _close_sources(self) -> None:
        for source in self._sources:
            source.close()
        self._sources.clear()

    def close(self) -> None:
        self._close_sources()
        self.pdf.close()
        for spill in self._spills:
            spill.unlink(missing_ok=True)


def _reason(exc: Exception, path: Path) -> str:
    """qpdf's message without the file name it starts with (the error names the file)."""
    return str(exc).removeprefix(str(path)).lstrip(": ") or type(exc).__name__


# -- normalising ---------------------------------------------------------------------------------


def _append_normalised(
    target: pikepdf.Pdf, source: pikepdf.Pdf, label: Path, notes: list[ExhibitNote]
) -> None:
    """Append ``source``'s pages to ``target``: annotations flattened, rotation folded in.

    What a clerk must know about the pages (see :class:`~evidence.errors.ExhibitNote`) is
    appended to ``notes``.
    """
    try:
        if Name.AcroForm in source.Root:
            _form_appearances(source, label, notes)
        give_appearances(source, label, notes)
        source.flatten_annotations("print")
        embed_substitutes(source, label, notes)
        for number, page in enumerate(source.pages, start=1):
            for key in _PAGE_KEYS_DROPPED:
                if key in page.obj:
                    del page.obj[key]
            _fold_rotation(page)
            left, bottom, right, top = _visible_box(page)
            if right - left <= 0 or top - bottom <= 0:
                raise ExhibitError(label, _("page {number} has an empty page box").format(number=number))
            if min(right - left, top - bottom) < MIN_PAGE_SIDE_PT:
                _append_on_a4(target, page, (left, bottom, right, top))
            else:
                target.pages.append(page)
    except ExhibitError:
        raise
    except (pikepdf.PdfError, KeyError, TypeError, ValueError, IndexError, RuntimeError) as exc:
        raise ExhibitError(label, _("damaged PDF, its pages cannot be copied: {error}").format(error=exc)) from exc


def _form_appearances(source: pikepdf.Pdf, label: Path, notes: list[ExhibitNote]) -> None:
    """Appearances of the form fields drawn by qpdf, from their values: those without one, and
    all when the form asks viewers to redraw them (/NeedAppearances). qpdf draws only Latin
    text, so a field whose value it cannot draw (text outside Latin-1, a check box without an
    appearance) keeps the appearance the file gives it, or, having none, is not printed rather
    than printed as question marks; either way it is reported."""
    kept: list[tuple[Dictionary, object]] = []
    undrawable: list[str] = []
    for number, page in enumerate(source.pages, start=1):
        for annotation in page.obj.get(Name.Annots, Array()):
            if not isinstance(annotation, Dictionary) or annotation.get(Name.Subtype) != Name.Widget:
                continue
            field = annotation if Name.FT in annotation else annotation.get(Name.Parent, annotation)
            value = field.get(Name.V) if isinstance(field, Dictionary) else None
            text = str(value) if isinstance(value, pikepdf.String) else ""
            own = annotation.get(Name.AP)
            if any(ord(ch) > 0xFF for ch in text):
                if isinstance(own, Dictionary):
                    kept.append((annotation, own))
                else:
                    annotation[Name.F] = 0
                undrawable.append(f"第{number}页")
            elif not isinstance(own, Dictionary) and field.get(Name.FT) == Name.Btn:
                annotation[Name.F] = 0  # a check box drawn by qpdf would need ZapfDingbats
                undrawable.append(f"第{number}页")
    try:
        source.generate_appearance_streams()
    except pikepdf.PdfError:
        pass  # fields without a usable appearance are not printed
    for annotation, own in kept:
        annotation[Name.AP] = own
    if undrawable:
        notes.append(ExhibitNote(
            str(label), "annotation-dropped",
            f"表单字段的内容（中文或勾选框）无法按其填写值重新绘制，已按文件所存外观印入，没有外观的未印入：{'、'.join(dict.fromkeys(undrawable))}。"
            "请核对原件中这些字段填写的内容", "check"))


def _fold_rotation(page: Page) -> None:
    """Fold ``/Rotate`` into the content so the page has rotation 0 and looks the same.

    Values are taken modulo 360 (``-90`` is ``270``, ``360`` is ``0``); a value that is not a
    multiple of 90 is invalid and, as most viewers do, ignored.
    """
    value = page.obj.get(Name.Rotate)
    if value is None:
        return
    try:
        angle = int(value) % 360
    except (TypeError, ValueError):
        angle = 0
    if angle in (90, 180, 270):
        page.obj.Rotate = angle
        page.flatten_rotation()
    if Name.Rotate in page.obj:
        del page.obj[Name.Rotate]


def _append_on_a4(target: pikepdf.Pdf, page: Page, box: PageBox) -> None:
    """Append an A4 page showing ``page`` (a tiny one) fitted within the margins, centred."""
    left, bottom, right, top = box
    width, height = _A4_PT if (top - bottom) >= (right - left) else _A4_PT[::-1]
    sheet = target.add_blank_page(page_size=(width, height))
    page.obj.MediaBox = Array([left, bottom, right, top])
    for key in (Name.CropBox, Name.TrimBox, Name.BleedBox, Name.ArtBox):
        if key in page.obj:
            del page.obj[key]
    _draw_page_over(
        sheet,
        page,
        Rectangle(_MARGIN_PT, _MARGIN_PT, width - _MARGIN_PT, height - _MARGIN_PT),
        prefix="Exhibit",
        fit=True,
    )


def _visible_box(page: Page) -> PageBox:
    media = Rectangle(page.mediabox)
    crop = Rectangle(page.cropbox)
    left, right = max(media.llx, crop.llx), min(media.urx, crop.urx)
    bottom, top = max(media.lly, crop.lly), min(media.ury, crop.ury)
    if right <= left or top <= bottom:  # a CropBox outside the MediaBox: readers use MediaBox
        return media.llx, media.lly, media.urx, media.ury
    return left, bottom, right, top


# -- room for the stamps -------------------------------------------------------------------------


def make_room_for_stamps(path: Path, *, fit_a4: bool = False, label: Path | str | None = None) -> int:
    """Place the pages of the exhibit PDF at ``path`` so that no content lies under a stamp.

    Each page with content in the page-number or label zone (:func:`evidence.stamp.zones`) is
    scaled down and centred on a page of the same size, as :func:`evidence.placement.place`
    says; with ``fit_a4`` every page also becomes A4. A page drawn only of images is judged by
    where its images lie; any other page (or an image reaching into a zone) by rendering it
    at low resolution. The file is rewritten (atomically) only when a page changed.

    Args:
        path: an exhibit PDF as :func:`write_exhibit` writes it (pages without ``/Rotate``).
        fit_a4: make every page A4 (landscape A4 for a landscape page).
        label: names the exhibit's files in errors (defaults to ``path``).

    Returns:
        The number of pages placed anew.

    Raises:
        ExhibitError: the PDF cannot be read or written back.
    """
    path = Path(path)
    label = label or path

    def error(reason: str) -> ExhibitError:
        return ExhibitError(label, reason)

    with _open(path, Path(label)) as document:
        try:
            plans = _room_plans(document, path, fit_a4=fit_a4)
            for index, (box, plan) in plans.items():
                _place(document.pages[index], box, plan)
        except (pikepdf.PdfError, KeyError, TypeError, ValueError, IndexError, RuntimeError) as exc:
            raise error(_("damaged PDF, its pages cannot be copied: {error}").format(error=exc)) from exc
        if plans:
            _save(document, path, error)
        return len(plans)


def _room_plans(document: pikepdf.Pdf, path: Path, *, fit_a4: bool = False) -> dict[int, tuple[PageBox, object]]:
    """The pages of ``document`` (opened from ``path``) to place anew: 0-based page index ->
    (visible box, :class:`evidence.placement.Placement`)."""
    from evidence import placement  # renders with PDFium: loaded only when pages are placed

    plans = {}
    with placement.PageImages(path) as images:
        for index, page in enumerate(document.pages):
            box = _visible_box(page)
            plan = placement.place(box[2] - box[0], box[3] - box[1], fit_a4=fit_a4,
                                   occupied=_occupancy(page, box, index, images))
            if plan is not None:
                plans[index] = (box, plan)
    return plans


def _occupancy(page: Page, box: PageBox, index: int, images) -> Callable[[tuple], bool]:
    """Whether the page has content in a rectangle (points from ``box``'s lower-left corner).

    A page of images only is judged by where its images lie, then by the pixels of a plain
    JPEG image there, decoded at an eighth of its size (a scanner's page, ten times faster than
    rendering it); anything else by rendering the page.
    """
    from evidence import placement

    drawn = _images_drawn(page)
    left, bottom = box[0], box[1]

    def rendered(rect: tuple) -> bool:
        return images.occupied(index, box, rect)

    if drawn is None:
        return rendered
    looked: dict[tuple[int, int], object] = {}

    def imaged(rect: tuple) -> bool:
        x0, y0, x1, y1 = rect[0] + left, rect[1] + bottom, rect[2] + left, rect[3] + bottom
        for matrix, image in drawn:
            corners = [matrix.transform(corner) for corner in ((0, 0), (1, 0), (0, 1), (1, 1))]
            xs, ys = [x for x, _y in corners], [y for _x, y in corners]
            if not (min(xs) < x1 and x0 < max(xs) and min(ys) < y1 and y0 < max(ys)):
                continue
            key = image.objgen
            if key not in looked:
                looked[key] = _plain_jpeg(image)
            scan = looked[key]
            inked = scan.inked(matrix.shorthand, (x0, y0, x1, y1)) if scan is not None else None
            if inked is None:
                return rendered(rect)
            if inked:
                return True
        return False

    return imaged


def _plain_jpeg(image: pikepdf.Stream):
    """The image as a :class:`evidence.placement.JpegScan` when it is a plain 8-bit grey or RGB
    JPEG drawn as it is (no mask, no decode array), else ``None``."""
    from evidence import placement

    try:
        filters = image.get(Name.Filter)
        filters = list(filters) if isinstance(filters, Array) else [filters]
        space = image.get(Name.ColorSpace)
        if isinstance(space, Array) and len(space) == 2 and space[0] == Name.ICCBased:
            space = {1: Name.DeviceGray, 3: Name.DeviceRGB}.get(int(space[1].get(Name.N, 0)))
        if (filters != [Name.DCTDecode] or space not in (Name.DeviceGray, Name.DeviceRGB)
                or int(image.get(Name.BitsPerComponent, 8)) != 8
                or any(key in image for key in (Name.SMask, Name.Mask, Name.Decode, Name.SMaskInData))
                or bool(image.get(Name.ImageMask, False))):
            return None
        return placement.JpegScan(image.read_raw_bytes(), int(image.Width), int(image.Height))
    except (pikepdf.PdfError, KeyError, TypeError, ValueError, AttributeError):
        return None


_IMAGE_PAGE_OPERATORS = {"q", "Q", "cm", "Do", "re", "W", "W*", "n", "gs"}
_IMAGE_PAGE_MAX_BYTES = 4096


def _images_drawn(page: Page) -> list[tuple[pikepdf.Matrix, pikepdf.Stream]] | None:
    """The images a page made only of images draws (e.g. a scan, or a photo on its A4 page),
    each with the matrix that maps its unit square onto the page; ``None`` for any other page
    (text, paths, forms, a long content)."""
    contents = page.obj.get(Name.Contents)
    streams = [contents] if isinstance(contents, pikepdf.Stream) else list(contents or [])
    if len(streams) > 8 or any(
        not isinstance(stream, pikepdf.Stream) or int(stream.get(Name.Length, 0)) > _IMAGE_PAGE_MAX_BYTES
        for stream in streams
    ):
        return None
    xobjects = page.obj.get(Name.Resources, Dictionary()).get(Name.XObject, Dictionary())
    matrix = pikepdf.Matrix()
    stack: list[pikepdf.Matrix] = []
    drawn = []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op not in _IMAGE_PAGE_OPERATORS:
            return None
        if op == "q":
            stack.append(matrix)
        elif op == "Q":
            matrix = stack.pop() if stack else matrix
        elif op == "cm":
            if len(operands) != 6 or not all(isinstance(value, (int, Decimal)) for value in operands):
                return None
            matrix = pikepdf.Matrix(*operands) @ matrix
        elif op == "Do":
            xobject = xobjects.get(operands[0]) if operands else None
            if not isinstance(xobject, pikepdf.Stream) or xobject.get(Name.Subtype) != Name.Image:
                return None
            drawn.append((matrix, xobject))
    return drawn


def _place(page: Page, box: PageBox, plan) -> None:
    """Draw ``page`` as ``plan`` (a :class:`evidence.placement.Placement`) says: its visible
    area scaled and moved onto a new media box ``0 0 width height``, clipped to that area."""
    left, bottom, right, top = box
    scale, (dx, dy) = plan.scale, plan.offset
    numbers = " ".join(_number(v) for v in (scale, 0, 0, scale, dx - scale * left, dy - scale * bottom))
    clip = " ".join(_number(v) for v in (left, bottom, right - left, top - bottom))
    page.contents_add(f"q {numbers} cm {clip} re W n\n".encode("ascii"), prepend=True)
    page.contents_add(b"\nQ\n")
    page.obj.MediaBox = Array([0, 0, *(_number_value(v) for v in plan.size)])
    for key in (Name.CropBox, Name.TrimBox, Name.BleedBox, Name.ArtBox):
        if key in page.obj:
            del page.obj[key]


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number_value(value: float):
    return Decimal(_number(value))


# -- stamping and outline ------------------------------------------------------------------------


def _stamp_page(page: Page, number: int, label: str | None, stamper: Stamper, font: pikepdf.Object,
                plate: pikepdf.Object, opener: pikepdf.Object, make_stream: Callable[[bytes], pikepdf.Object],
                *, fit_a4: bool) -> None:
    """Stamp page number ``number`` and ``label`` (or none) on ``page``.

    ``font`` (the stamp font, :func:`_embed_stamp_font`), ``plate`` (the plate's graphics
    state) and ``opener`` (a stream ``q``) are objects shared by every page of the bundle;
    ``make_stream`` makes a new stream in the page's document. The page's own content is
    wrapped in ``q``/``Q`` (the shared stream opens it) so that graphics state it leaves behind
    cannot displace the stamps, drawn in one new stream after it. The stamp font and plate
    state are added to the page's resources under the first free names ``/LDStamp``,
    ``/LDPlate`` (never random: the same input gives the same bytes).
    """
    from evidence import placement

    box = _visible_box(page)
    if fit_a4:
        plan = placement.place(box[2] - box[0], box[3] - box[1], fit_a4=True)
        if plan is not None and plan.size != (box[2] - box[0], box[3] - box[1]):
            _place(page, box, plan)
            box = _visible_box(page)
    resources = page.obj.get(Name.Resources)
    if not isinstance(resources, Dictionary):
        page.obj.Resources = Dictionary()
        resources = page.obj.Resources
    font_name = _resource_name(resources, Name.Font, font, "LDStamp")
    plate_name = _resource_name(resources, Name.ExtGState, plate, "LDPlate")
    drawing = stamper.draw(box, number, label, font=str(font_name), plate=str(plate_name))
    contents = page.obj.get(Name.Contents)
    own = [contents] if isinstance(contents, pikepdf.Stream) else list(contents or [])
    page.obj.Contents = Array([opener, *own, make_stream(b"\nQ\n" + drawing)])


def _resource_name(resources: Dictionary, category: Name, obj: pikepdf.Object, stem: str) -> Name:
    """The name under which ``resources`` lists ``obj`` in ``category``, adding it if needed."""
    group = resources.get(category)
    if not isinstance(group, Dictionary):
        resources[category] = Dictionary()
        group = resources[category]
    name, number = Name(f"/{stem}"), 1
    while name in group:  # a free name, or ours already (pages sharing their resources)
        if group[name].is_indirect and group[name].objgen == obj.objgen:
            return name
        name, number = Name(f"/{stem}{number}"), number + 1
    group[name] = obj
    return name


def _embed_stamp_font(pdf: pikepdf.Pdf, font: StampFont) -> pikepdf.Object:
    """Add the stamps' font to ``pdf`` (a Type 0 font over a CID TrueType one); return it."""
    program = pdf.make_stream(font.program)
    program[Name.Length1] = len(font.program)
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name(f"/{font.base_font}"),
        Flags=4,  # symbolic: glyphs are reached by their ids
        FontBBox=Array(list(font.bbox)),
        ItalicAngle=0,
        Ascent=font.ascent,
        Descent=font.descent,
        CapHeight=font.cap_height,
        StemV=80,
        FontFile2=program,
    ))
    cid_font = pdf.make_indirect(Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name(f"/{font.base_font}"),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                 Supplement=0),
        FontDescriptor=descriptor,
        DW=1000,
        W=Array([0, Array(list(font.widths))]),
        CIDToGIDMap=Name.Identity,
    ))
    return pdf.make_indirect(Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=Name(f"/{font.base_font}"),
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([cid_font]),
        ToUnicode=pdf.make_stream(font.to_unicode()),
    ))


def _draw_page_over(page: Page, other: Page, rect: Rectangle, *, prefix: str, fit: bool) -> None:
    """Draw ``other`` (any PDF's page) as a form XObject over ``page``, placed in ``rect``.

    With ``fit`` the drawing is scaled to fit ``rect``, else drawn at its size; either way it
    is centred. The page's own content is wrapped in ``q``/``Q`` so that graphics state it
    leaves behind cannot displace the drawing. The resource name is the first free one of
    ``/<prefix>1``, ``/<prefix>2``... (never random, so the same input gives the same bytes).
    """
    taken = page.obj.get(Name.Resources, Dictionary()).get(Name.XObject, Dictionary())
    number = 1
    while Name(f"/{prefix}{number}") in taken:
        number += 1
    name = Name(f"/{prefix}{number}")
    page.add_resource(other.as_form_xobject(), Name.XObject, name=name)
    placed = page.resources[Name.XObject][name]
    drawing = page.calc_form_xobject_placement(
        placed, name, rect, invert_transformations=True, allow_shrink=fit, allow_expand=fit
    )
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"\nQ\n" + drawing)


# -- saving --------------------------------------------------------------------------------------


# How streams are written. qpdf copies a stream as it is when its data is stored with a lone
# /FlateDecode (or a one-element array of it) or ends in an image codec (DCT, JPX, JBIG2, CCITT);
# a stream without a filter is compressed; any other (nested Flate, LZW, ASCII85, RunLength...)
# is decoded and written with a lone /FlateDecode, whatever the decode level, as long as streams
# are compressed (compress_streams=False would copy those too, but also leave the object and
# cross-reference streams uncompressed, a fifth larger file). So an exhibit's unusual streams are
# decoded once, when it is written, within the budget its file was checked against
# (:func:`_check_received`), and a bundle, made of written exhibits, decodes no stream of theirs.
# Flate data is never re-compressed, nor image data ever decoded.
_SAVE_STREAMS = {
    "compress_streams": True,
    "recompress_flate": False,
    "stream_decode_level": pikepdf.StreamDecodeLevel.generalized,
}


def _save(pdf: pikepdf.Pdf, out: Path, error: Callable[[str], Exception]) -> None:
    """Save atomically, deterministically (same input, same bytes), with object streams;
    streams as :data:`_SAVE_STREAMS` says."""
    try:
        with atomic_path(out) as temporary:
            pdf.save(
                temporary,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                deterministic_id=True,
                **_SAVE_STREAMS,
            )
    except (pikepdf.PdfError, RuntimeError, ValueError) as exc:
        raise error(_("cannot write {path}: {reason}").format(path=out, reason=exc)) from exc
    except OSError as exc:
        raise error(_("cannot write {path}: {reason}").format(path=out, reason=exc.strerror or exc)) from exc


# trailer entries a converted document keeps: the others (LibreOffice's /ID and /DocChecksum,
# made from the clock) are bookkeeping of the writer, and /ID is written anew from the content
_TRAILER_KEPT = (Name.Root, Name.Info, Name.Size)
# a Type 1 font program's /UniqueID entry, which LibreOffice numbers by a counter of its process
_UNIQUE_ID = re.compile(rb"/UniqueID\s+\d+\s+def")
_HEX = frozenset(b"0123456789abcdefABCDEF \t\r\n")


def make_reproducible(path: Path, date: dt.date | None = None, *, label: Path | None = None) -> None:
    """Rewrite the PDF at ``path`` (a document LibreOffice exported) so that its bytes depend
    only on its pages and ``date``, not on the moment or on what LibreOffice converted before.

    LibreOffice dates the file and identifies it by the clock, and numbers the Type 1 fonts it
    embeds (``/UniqueID``) by a counter that runs on while it stays open, so the same document
    converted after another one differs. Here the document information's ``/CreationDate`` and
    ``/ModDate`` become ``date`` at midnight UTC (as the Word document's own dates,
    :class:`legaldocs.documents.render.DocumentProperties`), or are removed when ``date`` is
    ``None``; the XMP metadata (dates and random ids again) and the trailer's ``/DocChecksum``
    are dropped; the fonts' ``/UniqueID`` (optional in a Type 1 font) is blanked; the file
    ``/ID`` is computed from the content. Title, author and pages are kept as they are.
    Written atomically, as exhibits and bundles are.

    Raises:
        ExhibitError: (naming ``label`` or ``path``) the file cannot be read as a PDF or
            cannot be written back.
    """
    path = Path(path)
    label = Path(label or path)
    with _open(path, label) as pdf:
        try:
            for key in list(pdf.trailer.keys()):
                if Name(key) not in _TRAILER_KEPT:
                    del pdf.trailer[key]
            if Name.Metadata in pdf.Root:
                del pdf.Root[Name.Metadata]
            for key in (Name.CreationDate, Name.ModDate):
                if date is not None:
                    pdf.docinfo[key] = f"D:{date.year:04d}{date.month:02d}{date.day:02d}000000Z"
                elif key in pdf.docinfo:
                    del pdf.docinfo[key]
            for obj in pdf.objects:
                if isinstance(obj, Dictionary) and obj.get(Name.Type) == Name.FontDescriptor:
                    program = obj.get(Name.FontFile)
                    if isinstance(program, pikepdf.Stream):
                        _blank_unique_id(program)
        except (pikepdf.PdfError, KeyError, TypeError, ValueError) as exc:
            raise ExhibitError(label, _("cannot set the PDF's dates: {error}").format(error=exc)) from exc
        _save(pdf, path, lambda reason: ExhibitError(label, reason))


def _blank_unique_id(program: pikepdf.Stream) -> None:
    """Replace ``/UniqueID n def`` in a Type 1 font program (its clear part and its
    eexec-encrypted private part) by as many spaces, so that no length changes."""
    data = program.read_bytes()
    clear_length, encrypted_length = int(program.get(Name.Length1, 0)), int(program.get(Name.Length2, 0))
    clear = data[:clear_length]
    if not _UNIQUE_ID.search(clear):
        return
    encrypted = data[clear_length:clear_length + encrypted_length]
    rest = data[clear_length + encrypted_length:]

    def blank(match: re.Match) -> bytes:
        return b" " * len(match.group())

    if len(encrypted) >= 4 and not set(encrypted[:4]) <= _HEX:  # binary eexec, as LibreOffice writes
        plain = _eexec(encrypted, decrypt=True)
        blanked = _UNIQUE_ID.sub(blank, plain)
        if blanked != plain:
            encrypted = _eexec(blanked, decrypt=False)
    program.write(_UNIQUE_ID.sub(blank, clear) + encrypted + rest)


def _eexec(data: bytes, *, decrypt: bool) -> bytes:
    """Type 1 eexec encryption (key 55665), either way (Adobe Type 1 Font Format, 7.2)."""
    key = 55665
    out = bytearray(len(data))
    for i, byte in enumerate(data):
        result = byte ^ (key >> 8)
        cipher = byte if decrypt else result
        key = ((cipher + key) * 52845 + 22719) & 0xFFFF
        out[i] = result
    return bytes(out)
