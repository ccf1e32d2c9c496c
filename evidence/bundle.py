"""Exhibits (证据) to one paginated, bookmarked evidence bundle (证据材料).

Two steps:

1. :func:`prepare_exhibit` turns the files of one exhibit (PDF, JPEG, PNG, TIFF, Word, OFD) into
   one normalised PDF and counts its pages; :func:`prepare_many` prepares several at a time.
   Their files are decoded in worker processes, within a budget of bytes, time and memory,
   and stopped at once when the caller is interrupted (:mod:`evidence.worker`).
2. :func:`assemble_bundle` puts the 证据目录 (index) first and the exhibits after it, in order,
   adds a bookmark for the index and one per exhibit (nested under its group's, when the
   evidence is grouped), links each row of the index to its exhibit, and stamps a continuous
   page number ``1..N`` at the bottom centre of every page and the label ``证据N-k`` (exhibit N,
   its page k) at the top right of every exhibit page. It writes the bundle one exhibit at a
   time (:mod:`evidence.writer`), so memory stays flat whatever its size, and with a size limit
   in volumes (:mod:`evidence.volumes`); a later bundle (补充证据) continues the numbers of an
   earlier one (``first_page``, the exhibits' own numbers).

Stamps never cover exhibit content: :func:`prepare_exhibit` already places each page whose
content reaches into a stamp's zone scaled down between bands kept free for them, and with
``fit_a4`` makes every page A4 (see :mod:`evidence.stamp` for the layout and
:mod:`evidence.placement` for the placing).

The index lists the pages (and volume) each exhibit occupies, which depend on how many pages
the index itself has: :func:`page_ranges` gives them for a given index length (and volume
plan), so the caller can render the index, count its pages, and render again if the count
changed.

See :mod:`evidence.pdf` for what normalising does (encryption, repair, forms, annotations,
rotation, tiny pages, outlines) and for the font policy, and :mod:`evidence.images` for images.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evidence import downsample, images, ofd, pdf, sniff, stamp
from evidence.errors import BundleError, EvidenceError, ExhibitError, ExhibitNote
from evidence.volumes import estimated_bytes, plan_volumes, volume_name, volume_title
from evidence.worker import DEFAULT_BUDGET, DecodeBudget, Task, Workers, shared_workers, working_on
from legaldocs.errors import ConversionError
from legaldocs.i18n import _
from legaldocs.documents.office import OfficeSession, docx_to_pdf

__all__ = [
    "BundleEntry",
    "BundleResult",
    "BundleVolume",
    "PreparedExhibit",
    "assemble_bundle",
    "page_ranges",
    "pdf_page_count",
    "prepare_exhibit",
    "prepare_many",
    "unembedded_fonts",
]

#: Largest image (width x height, in pixels) accepted by default; larger ones are refused.
DEFAULT_MAX_IMAGE_PIXELS = 200_000_000
#: Document title of the bundle PDF.
BUNDLE_TITLE = "证据材料"


@dataclass(frozen=True)
class PreparedExhibit:
    """One exhibit (证据) as a single normalised PDF.

    Attributes:
        number: the exhibit number N in 证据N (1-based).
        title: the exhibit name (证据名称).
        pdf: the normalised PDF of all the exhibit's files, in order.
        page_count: pages in ``pdf`` (at least 1).
        sources: the files it was made from, as given.
        notes: what was done to its files or found in them that a clerk must know (repairs,
            fonts substituted, marks given an appearance ...), in file order.
        downsampled: when images were re-encoded at a lower resolution (``downsample_dpi``),
            the sizes of ``pdf`` before and after, in bytes; else None.
    """

    number: int
    title: str
    pdf: Path
    page_count: int
    sources: tuple[Path, ...]
    notes: tuple[ExhibitNote, ...] = ()
    downsampled: tuple[int, int] | None = None


@dataclass(frozen=True)
class BundleEntry:
    """Where one exhibit sits in the bundle: pages ``first_page..last_page`` (page numbers as
    stamped, continuous across volumes), in volume ``volume`` (1-based)."""

    number: int
    title: str
    first_page: int
    last_page: int
    page_count: int
    volume: int = 1


@dataclass(frozen=True)
class BundleVolume:
    """One file of the bundle: volume ``number`` at ``path``, pages ``first_page..last_page`` (as
    stamped), the ``exhibits`` (numbers) it holds and its ``size`` in bytes. ``oversized``: above
    the size limit with one exhibit alone (or, the first volume, the index alone); ``over_limit``:
    above the limit with exhibits that could go to other volumes (plan again with
    :attr:`BundleResult.exhibit_bytes`)."""

    number: int
    path: Path
    first_page: int
    last_page: int
    exhibits: tuple[int, ...]
    size: int
    oversized: bool = False
    over_limit: bool = False


@dataclass(frozen=True)
class BundleResult:
    """The written bundle: its (first volume's) path, total pages, 证据目录 pages, one entry per
    exhibit, its volumes (one when not split), the bytes each exhibit takes in its file, and
    how many index rows were linked to their exhibits."""

    path: Path
    page_count: int
    index_pages: int
    entries: tuple[BundleEntry, ...]
    volumes: tuple[BundleVolume, ...] = ()
    exhibit_bytes: tuple[int, ...] = ()
    linked: int = 0


def prepare_exhibit(
    number: int,
    title: str,
    files: Sequence[Path],
    workdir: Path,
    *,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    office: OfficeSession | None = None,
    downsample_dpi: int | None = None,
    fit_a4: bool = False,
    budget: DecodeBudget | None = None,
    workers: Workers | None = None,
) -> PreparedExhibit:
    """Convert one exhibit's files into one normalised PDF in ``workdir``.

    Each file's type is recognised by its content (see :mod:`evidence.sniff`): PDF; JPEG, PNG
    or TIFF images (every TIFF frame, CCITT fax included), each placed on an A4 page; Word
    documents (.docx, .doc, .odt, .rtf) converted by LibreOffice in one run; OFD e-documents
    (GB/T 33190) converted page for page with their text in an embedded CJK font (see
    :mod:`evidence.ofd`). The pages follow the order of ``files``.

    Args:
        number: exhibit number N of 证据N, at least 1.
        title: exhibit name (证据名称), not blank.
        files: the exhibit's files, at least one.
        workdir: folder for the result, ``exhibit-NNN.pdf`` (NNN = number, zero-padded);
            created if missing. Temporary files go in a private folder inside it and are
            removed. Nothing is written anywhere else.
        max_image_pixels: images (or TIFF frames) with more pixels (width x height) are
            refused as possible decompression bombs.
        office: a LibreOffice kept running for the Word documents (see
            :func:`legaldocs.documents.office.office_session`); without it, one LibreOffice
            run is started for this exhibit's documents.
        downsample_dpi: when given (e.g. 150 or 200), every image finer than this many dots
            per inch where it is printed is re-encoded at it, for e-filing size limits (see
            :mod:`evidence.downsample`); a note of kind ``downsampled`` gives the sizes.
        fit_a4: make every page A4 (a landscape page landscape A4): larger pages shrunk to
            fit, smaller ones centred at their size, none cropped.
        budget: what decoding the files may cost: bytes a PDF's streams decode to, time,
            memory, bytes written (:class:`evidence.worker.DecodeBudget`; its defaults when
            None).
        workers: the worker processes the files are decoded in (:class:`evidence.worker.Workers`);
            this process's shared ones when None. Only the LibreOffice conversion of Word
            documents happens outside them.

    A PDF given as a file is checked before anything reads its data: its streams decoded
    piece by piece within ``budget.decoded_mib``; refused when it lost pages or content
    (damaged, or drawing a missing image or font), with the pages it declares, those found
    and those intact; noted ``repaired`` when qpdf repaired it without loss.

    Every page is placed so that the page number and the exhibit label will not cover its
    content (:func:`evidence.pdf.make_room_for_stamps`).

    Returns:
        The :class:`PreparedExhibit`.

    Raises:
        ExhibitError: naming the file, when it is missing, empty, of an unsupported type,
            named as another type than its content, encrypted with a password, damaged
            beyond repair or with content lost, without pages, an image above
            ``max_image_pixels``, a document LibreOffice cannot convert, an OFD file that is
            hostile or cannot be converted, or a file whose decoding passes the ``budget``
            (the message says which part). No output file is then left.
        EvidenceError: ``number``, ``title`` or ``files`` is invalid.
    """
    result = prepare_many(
        [(number, title, files, workdir)], max_image_pixels=max_image_pixels, office=office,
        downsample_dpi=downsample_dpi, fit_a4=fit_a4, budget=budget, workers=workers,
    )[0]
    if isinstance(result, EvidenceError):
        raise result
    return result


def prepare_many(
    exhibits: Sequence[tuple[int, str, Sequence[Path], Path]],
    *,
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
    office: OfficeSession | None = None,
    downsample_dpi: int | None = None,
    fit_a4: bool = False,
    budget: DecodeBudget | None = None,
    workers: Workers | None = None,
    done: Callable[[int, PreparedExhibit | EvidenceError], None] | None = None,
) -> list[PreparedExhibit | EvidenceError]:
    """Prepare several exhibits as :func:`prepare_exhibit` does, their files decoded by the
    ``workers`` in parallel (Word documents are converted by LibreOffice first, one at a time).

    Args:
        exhibits: ``(number, title, files, workdir)`` per exhibit, as for :func:`prepare_exhibit`;
            each exhibit its own ``workdir``, or at least its own number.
        done: called with the position in ``exhibits`` and the result as each exhibit ends.
        the others: as for :func:`prepare_exhibit`, for every exhibit.

    Returns:
        Per exhibit, in order, its :class:`PreparedExhibit` or the :class:`EvidenceError`
        (an :class:`ExhibitError` naming the file) that refused it; a refused exhibit leaves
        no output file. Nothing is raised for a bad exhibit, so that a caller can report all.

    Raises:
        EvidenceError: ``max_image_pixels`` or ``downsample_dpi`` is invalid.
    """
    if max_image_pixels < 1:
        raise EvidenceError(_("max_image_pixels must be positive, not {value}").format(value=max_image_pixels))
    if downsample_dpi is not None:
        downsample.check_dpi(downsample_dpi)
    budget = budget or DEFAULT_BUDGET
    results: list[PreparedExhibit | EvidenceError | None] = [None] * len(exhibits)
    tasks: list[Task] = []
    positions: list[int] = []
    staged: list[_Staged] = []

    def finish(position: int, result: PreparedExhibit | EvidenceError) -> None:
        results[position] = result
        if done is not None:
            done(position, result)

    with contextlib.ExitStack() as scratches:
        for position, (number, title, files, workdir) in enumerate(exhibits):
            try:
                one = _stage(number, title, files, Path(workdir), scratches, office,
                             max_image_pixels=max_image_pixels, downsample_dpi=downsample_dpi, fit_a4=fit_a4,
                             decoded_bytes=budget.decoded_bytes)
            except EvidenceError as exc:
                finish(position, exc)
                continue
            staged.append(one)
            positions.append(position)
            tasks.append(Task(_decode, (one,), label=", ".join(str(file) for file in one.files),
                              input_bytes=sum(_size(file) for file in one.files)))

        def ended(index: int, outcome: object) -> None:
            one = staged[index]
            if isinstance(outcome, EvidenceError):
                _remove_output(one.out)
                finish(positions[index], outcome)
            else:
                page_count, notes, downsampled = outcome  # type: ignore[misc]
                finish(positions[index], PreparedExhibit(
                    number=one.number, title=one.title, pdf=one.out, page_count=page_count, sources=one.files,
                    notes=tuple(notes), downsampled=downsampled,
                ))

        try:
            (workers or shared_workers()).run(tasks, budget, done=ended)
        except BaseException:
            for one in staged:
                _remove_output(one.out)
            raise
    return results  # type: ignore[return-value]


@dataclass(frozen=True)
class _Staged:
    """An exhibit ready for a worker: its files recognised, its Word documents converted."""

    number: int
    title: str
    files: tuple[Path, ...]
    kinds: tuple[str, ...]
    converted: dict[int, Path]
    scratch: Path
    out: Path
    max_image_pixels: int
    downsample_dpi: int | None
    fit_a4: bool
    decoded_bytes: int


def _stage(number: int, title: str, files: Sequence[Path], workdir: Path, scratches: contextlib.ExitStack,
           office: OfficeSession | None, **settings) -> _Staged:
    """Check the arguments, recognise the files, make the scratch folder (removed with
    ``scratches``) and convert the Word documents: what happens in the caller's process."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise EvidenceError(_("exhibit number must be an integer of at least 1, not {number}").format(number=repr(number)))
    if not isinstance(title, str) or not title.strip():
        raise EvidenceError(_("证据{number}: the exhibit title is blank").format(number=number))
    files = [Path(file) for file in files]
    if not files:
        raise EvidenceError(_("证据{number} {title}: the exhibit has no files").format(number=number, title=title))
    kinds = [sniff.detect_kind(file) for file in files]
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvidenceError(_("{folder}: cannot create the work folder: {error}").format(folder=workdir, error=exc)) from exc
    scratch = Path(scratches.enter_context(tempfile.TemporaryDirectory(prefix=f".exhibit-{number:03d}-", dir=workdir)))
    converted = _convert_office(files, kinds, scratch, office)
    return _Staged(number, title, tuple(files), tuple(kinds), converted, scratch, workdir / f"exhibit-{number:03d}.pdf",
                   **settings)


def _decode(one: _Staged) -> tuple[int, list[ExhibitNote], tuple[int, int] | None]:
    """In a worker: the exhibit's files to its PDF; ``(pages, notes, (bytes before, after)
    downsampling or None)``. Raises ExhibitError naming the file."""
    files, out = one.files, one.out
    parts: list[tuple[Path, Path]] = []
    notes: list[ExhibitNote] = []
    for position, (file, kind) in enumerate(zip(files, one.kinds, strict=True)):
        if kind == "pdf":
            parts.append((file, file))
        elif kind == "ofd":
            working_on(file)
            ofd_pdf = one.scratch / f"ofd-{position:04d}.pdf"
            ofd.ofd_to_pdf(file, ofd_pdf, label=file, notes=notes)
            parts.append((ofd_pdf, file))
        elif kind in sniff.IMAGE_KINDS:
            working_on(file)
            frames_dir = one.scratch / f"image-{position:04d}"
            frames_dir.mkdir()
            for frame_pdf in images.image_to_pdfs(
                file, kind, frames_dir, max_image_pixels=one.max_image_pixels, label=file
            ):
                parts.append((frame_pdf, file))
        else:
            parts.append((one.converted[position], file))
    label = ", ".join(str(file) for file in files)
    page_count = pdf.write_exhibit(parts, out, notes, received=[f for f, k in zip(files, one.kinds) if k == "pdf"],
                                   max_decoded_bytes=one.decoded_bytes, on_part=working_on)
    working_on(label)
    try:
        pdf.make_room_for_stamps(out, fit_a4=one.fit_a4, label=label)
        downsampled = None
        if one.downsample_dpi is not None:
            result = downsample.downsample_pdf(out, one.downsample_dpi, max_image_pixels=one.max_image_pixels,
                                               label=label, notes=notes)
            downsampled = (result.bytes_before, result.bytes_after)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return page_count, notes, downsampled


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0


def _remove_output(out: Path) -> None:
    """Remove an exhibit's output and the temporary files of writing it (a worker killed
    while writing leaves ``.<name>.<random>.part``, and pikepdf's ``.pikepdf.<name>…part…``)."""
    out.unlink(missing_ok=True)
    for partial in out.parent.glob(f".*{out.name[:48]}*.part*"):
        partial.unlink(missing_ok=True)


def page_ranges(exhibits: Sequence[PreparedExhibit], index_pages: int, *, first_page: int = 1,
                volumes: Sequence[int] | None = None) -> list[BundleEntry]:
    """Pages each exhibit occupies in the bundle when the 证据目录 has ``index_pages`` pages.

    Pages are numbered continuously from ``first_page`` (1, or for a supplement the page after
    the bundle filed before): the index takes the first ``index_pages`` and the exhibits
    follow in the given order, across volumes. ``volumes``: the volume of each exhibit
    (:func:`evidence.volumes.plan_volumes`), all 1 when ``None``.

    Raises:
        EvidenceError: ``index_pages`` or ``first_page`` is below 1, an exhibit has no pages,
            or ``volumes`` does not give a volume (1, 2 ... in order) per exhibit.
    """
    if isinstance(index_pages, bool) or not isinstance(index_pages, int) or index_pages < 1:
        raise EvidenceError(_("the index must have at least one page, not {pages}").format(pages=repr(index_pages)))
    if isinstance(first_page, bool) or not isinstance(first_page, int) or first_page < 1:
        raise EvidenceError(_("the first page number must be at least 1, not {page}").format(page=repr(first_page)))
    volumes = tuple(volumes) if volumes is not None else (1,) * len(exhibits)
    if len(volumes) != len(exhibits) or any(
        not isinstance(v, int) or v < 1 or v < before or v > max(before, 1) + 1
        for before, v in zip((1, *volumes), volumes)
    ):
        raise EvidenceError(_("volumes {volumes}: not one volume per exhibit, numbered 1, 2 ... in order").format(
            volumes=list(volumes)))
    entries = []
    next_page = first_page + index_pages
    for exhibit, volume in zip(exhibits, volumes):
        if exhibit.page_count < 1:
            raise EvidenceError(_("证据{number} {title}: exhibit has no pages").format(number=exhibit.number, title=exhibit.title))
        last = next_page + exhibit.page_count - 1
        entries.append(
            BundleEntry(
                number=exhibit.number,
                title=exhibit.title,
                first_page=next_page,
                last_page=last,
                page_count=exhibit.page_count,
                volume=volume,
            )
        )
        next_page = last + 1
    return entries


def assemble_bundle(
    index_pdf: Path,
    exhibits: Sequence[PreparedExhibit],
    out: Path,
    *,
    index_title: str = "证据目录",
    stamp_font: Path = stamp.DEFAULT_FONT,
    fit_a4: bool = False,
    groups: Sequence[str | None] | None = None,
    link_index: bool = True,
    first_page: int = 1,
    max_volume_bytes: int | None = None,
    volumes: Sequence[int] | None = None,
    title: str = BUNDLE_TITLE,
) -> BundleResult:
    """Write the evidence bundle: the 证据目录 first, then each exhibit in order; in volumes
    (分册) when it would be larger than ``max_volume_bytes``.

    The outline has a bookmark for the index (``index_title``), then one per exhibit, titled
    ``f"证据{n} {title}"`` and pointing at the exhibit's first page; exhibits of a group
    (``groups``) are nested under the group's bookmark. The exhibits' own outlines are dropped.
    Each row of the index links to its exhibit's first page (a row in another volume opens
    that volume's file at the page). Every page gets its number (continuous from
    ``first_page``, across volumes) stamped at the bottom centre, and every exhibit page its
    label ``证据N-k`` at the top right, upright as the page is viewed, in ``stamp_font``
    (embedded once per file). Pages are normalised as described in :mod:`evidence.pdf`;
    exhibits are expected as :func:`prepare_exhibit` leaves them, with room for the stamps.

    The bundle is written one exhibit at a time (:func:`evidence.pdf.write_bundle`): memory
    stays flat whatever its size.

    Args:
        index_pdf: the 证据目录, e.g. rendered from a template by LibreOffice; every font it
            uses must be embedded.
        exhibits: the prepared exhibits, in bundle order.
        out: the bundle to write, atomically (a temporary file next to it, then renamed);
            its folder is created if missing. In volumes, each volume is a file named after
            it in the same folder (:func:`evidence.volumes.volume_name`: ``证据材料（第一册）.pdf``
            ...).
        index_title: the index's bookmark title.
        stamp_font: font of the page numbers and labels, TrueType or OpenType with the
            digits and 证据 (by default :data:`evidence.stamp.DEFAULT_FONT`, those glyphs of
            Noto Sans CJK SC, shipped with the package).
        fit_a4: make every page that is not A4 (the index's, or an exhibit's prepared
            without ``fit_a4``) an A4 one, keeping the stamp zones free.
        groups: per exhibit, the title of its group's bookmark (e.g. ``第一组　借款合同关系``) or
            ``None`` for an exhibit outside any group; consecutive exhibits with the same
            title are nested under one bookmark.
        link_index: link each row of the index to its exhibit (rows found by their numbers,
            :mod:`evidence.indexrows`).
        first_page: the number of the index's first page (a supplement continues the
            numbers of the bundle filed before it).
        max_volume_bytes: the largest size of one file, in bytes: the bundle is split into
            volumes below it at exhibit boundaries (an exhibit larger alone is a volume of
            its own, ``oversized``); ``None``: one file.
        volumes: the volume of each exhibit (1-based, non-decreasing, as
            :func:`evidence.volumes.plan_volumes` gives): the plan the index was rendered
            with; planned here from the files' sizes when ``None``.
        title: the document title of the file (each volume adds ``（第N册）``).

    Returns:
        :class:`BundleResult`; ``entries`` equal ``page_ranges(exhibits, index_pages,
        first_page=first_page, volumes=...)``. A volume above ``max_volume_bytes`` with more
        than one exhibit (the estimate was short) is marked ``over_limit``: plan again with
        ``exhibit_bytes`` and render the index again.

    Raises:
        BundleError: the index PDF is unusable or has unembedded fonts, an exhibit's PDF no
            longer has ``page_count`` pages, the font is unusable, or ``out`` cannot be
            written. Nothing is written at ``out`` (nor any volume) then.
        ExhibitError: an exhibit's PDF cannot be read.
        EvidenceError: no exhibits were given, or ``groups`` or ``volumes`` do not match them.
    """
    if not exhibits:
        raise EvidenceError(_("{path}: a bundle needs at least one exhibit").format(path=out))
    out = Path(out)
    if groups is not None and len(groups) != len(exhibits):
        raise EvidenceError(_("{path}: {groups} group titles given for {exhibits} exhibits").format(
            path=out, groups=len(groups), exhibits=len(exhibits)))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BundleError(_("{path}: cannot create the output folder: {error}").format(path=out, error=exc)) from exc
    try:
        index_pages = pdf.page_count(Path(index_pdf))
    except ExhibitError as exc:
        raise BundleError(_("index PDF unusable: {error}").format(error=exc)) from exc
    if volumes is None:
        volumes = (1,) * len(exhibits)
        if max_volume_bytes is not None:
            volumes = plan_volumes([estimated_bytes(e.pdf, e.page_count) for e in exhibits], max_volume_bytes,
                                   index_bytes=Path(index_pdf).stat().st_size)
    entries = page_ranges(exhibits, index_pages, first_page=first_page, volumes=volumes)
    count = max(volumes)
    names = [volume_name(out.name, number, count) for number in range(1, count + 1)]
    starts = [first_page] + [next(e.first_page for e in entries if e.volume == number) for number in range(2, count + 1)]
    links = _index_links(Path(index_pdf), entries, names, starts) if link_index else []
    stamper = stamp.Stamper(stamp_font)
    written: list[BundleVolume] = []
    exhibit_bytes: list[int] = []
    try:
        with tempfile.TemporaryDirectory(prefix=f".{out.name}-", dir=out.parent) as scratch:
            for number in range(1, count + 1):
                mine = [(e, entry, groups[i] if groups is not None else None)
                        for i, (e, entry) in enumerate(zip(exhibits, entries)) if entry.volume == number]
                path = out.parent / names[number - 1]
                bookmarks = [(index_title, 0)] if number == 1 else []
                bookmarks += _bookmarks([(entry, group) for _e, entry, group in mine], starts[number - 1])
                sizes: list[int] = []
                pages, counted_index_pages = pdf.write_bundle(
                    Path(index_pdf) if number == 1 else None,
                    [(exhibit.pdf, exhibit.page_count) for exhibit, _entry, _group in mine],
                    path,
                    bookmarks=bookmarks,
                    stamper=stamper,
                    exhibit_numbers=[exhibit.number for exhibit, _entry, _group in mine],
                    title=title if count == 1 else f"{title}（{volume_title(number)}）",
                    work_dir=Path(scratch),
                    fit_a4=fit_a4,
                    first_page=starts[number - 1],
                    links=links if number == 1 else (),
                    part_bytes=sizes,
                )
                if number == 1 and counted_index_pages != index_pages:  # the index changed meanwhile
                    raise BundleError(_("{path}: the index changed while the bundle was assembled").format(
                        path=index_pdf))
                exhibit_bytes += sizes[1:] if number == 1 else sizes
                size = path.stat().st_size
                over = max_volume_bytes is not None and size > max_volume_bytes
                # what could go to another volume: every exhibit but one (the first volume: all,
                # the index staying)
                movable = len(mine) - (0 if number == 1 else 1) > 0
                written.append(BundleVolume(
                    number=number, path=path, first_page=starts[number - 1],
                    last_page=starts[number - 1] + pages - 1, exhibits=tuple(e.number for e, _entry, _group in mine),
                    size=size, oversized=over and not movable, over_limit=over and movable,
                ))
    except BaseException:
        for volume in written:
            volume.path.unlink(missing_ok=True)
        raise
    total = sum(volume.last_page - volume.first_page + 1 for volume in written)
    return BundleResult(path=written[0].path, page_count=total, index_pages=index_pages, entries=tuple(entries),
                        volumes=tuple(written), exhibit_bytes=tuple(exhibit_bytes),
                        linked=len(links))


def _bookmarks(entries: Sequence[tuple[BundleEntry, str | None]], start: int) -> list:
    """The outline of a file's exhibits (its first page numbered ``start``): one bookmark per
    exhibit, those of a group nested under a bookmark of the group (its first exhibit's page)."""
    out: list = []
    current: str | None = None
    for entry, group in entries:
        mark = (f"证据{entry.number} {entry.title}", entry.first_page - start)
        if group is None:
            out.append(mark)
            current = None
        elif group == current:
            out[-1][2].append(mark)
        else:
            out.append((group, mark[1], [mark]))
            current = group
    return out


def _index_links(index_pdf: Path, entries: Sequence[BundleEntry], names: Sequence[str],
                 starts: Sequence[int]) -> list[pdf.IndexLink]:
    """A link over each exhibit's row of the index to the exhibit's first page (in the volume
    that holds it); rows the index does not show as expected are left without one."""
    from evidence.indexrows import find_rows

    try:
        rows = find_rows(index_pdf, [entry.number for entry in entries])
    except Exception:  # noqa: BLE001 - pypdf raises many kinds; an unreadable index has no links
        return []
    by_number = {entry.number: entry for entry in entries}
    links = []
    for row in rows:
        entry = by_number[row.number]
        links.append(pdf.IndexLink(
            page=row.page, rect=row.rect, target=entry.first_page - starts[entry.volume - 1],
            file=None if entry.volume == 1 else names[entry.volume - 1],
        ))
    return links


def pdf_page_count(path: Path) -> int:
    """Number of pages of a PDF (e.g. the rendered 证据目录).

    Raises:
        ExhibitError: the file is missing, not a PDF, needs a password, or is damaged beyond
            repair.
    """
    return pdf.page_count(Path(path))


def unembedded_fonts(path: Path) -> list[str]:
    """Names of the fonts a PDF uses without embedding them (sorted; ``[]`` if none).

    :func:`prepare_exhibit` embeds a metric-compatible substitute for every font of an
    exhibit that has one (see :mod:`evidence.fonts`) and reports the others as blocking, so in
    a prepared exhibit this lists only those: their text may render differently, or with
    missing Chinese glyphs, on a machine without the fonts. Use it to check any output PDF;
    our own stamps and outline never need fonts from the reader, and :func:`assemble_bundle`
    refuses an index with unembedded fonts.

    Raises:
        ExhibitError: the file cannot be opened as a PDF.
    """
    return pdf.unembedded_fonts(Path(path))


def _convert_office(
    files: Sequence[Path], kinds: Sequence[str], scratch: Path, office: OfficeSession | None = None
) -> dict[int, Path]:
    """Convert the exhibit's word-processor files with ``office``, else with one LibreOffice run.

    Each is first copied into ``scratch`` under a neutral unique name with the suffix of its
    real type, so that names never clash and a file stored without a suffix still converts.
    Returns the PDF per position in ``files``.
    """
    positions = [position for position, kind in enumerate(kinds) if kind in sniff.OFFICE_KINDS]
    if not positions:
        return {}
    staged_dir = scratch / "office"
    staged_dir.mkdir()
    staged = []
    for position in positions:
        copy = staged_dir / f"part-{position:04d}{sniff.SUFFIXES[kinds[position]][0]}"
        try:
            shutil.copyfile(files[position], copy)
        except OSError as exc:
            raise ExhibitError(files[position], _("cannot read file: {reason}").format(reason=exc.strerror or exc)) from exc
        staged.append(copy)
    try:
        if office is not None:
            pdfs = office.convert(staged, scratch / "office-pdf")
        else:
            pdfs = docx_to_pdf(staged, scratch / "office-pdf")
    except ConversionError as exc:
        originals = [(copy, files[position]) for copy, position in zip(staged, positions)]
        reason = str(exc)
        culprits = [original for copy, original in originals if str(copy) in reason]
        for copy, original in originals:
            reason = reason.replace(str(copy), str(original))
        label = ", ".join(str(original) for original in (culprits or [o for _, o in originals]))
        reason = reason.removeprefix(f"{label}: ")
        raise ExhibitError(label, _("LibreOffice could not convert it to PDF: {reason}").format(reason=reason)) from exc
    for position, converted in zip(positions, pdfs, strict=True):
        # the same pages whatever LibreOffice converted before (its font ids run on)
        pdf.make_reproducible(converted, label=files[position])
    return dict(zip(positions, pdfs, strict=True))
