"""The filing packet (立案材料): one case file in, a ready-to-file folder out.

``DIR/<case id>/`` holds 民事起诉状 (.docx, .pdf), 证据目录 (.docx, .pdf), 证据材料.pdf (the index
followed by every exhibit, bookmarked, every page numbered, the index's page ranges being the real
pages of that file), 诉讼费用计算表 (.docx, .pdf) with the 案件受理费 and its computation,
``manifest.json`` (every input and output with SHA-256 and size, the as-of date and the version),
``packet.zip`` of the folder and ``packet.zip.sha256``.

The packet is built in a staging folder next to its destination and moved into place only when
complete; a failure leaves ``DIR`` as it was, a concurrent run's packet in it included, and the
debris of a killed run is cleared by the next (:func:`build_packet`).

Reproducible: the same inputs and settings (case file, exhibit files, templates, stage, form and
dates, this version with the same LibreOffice and fonts) give the same bytes, file for file,
whenever the packet is built and into whatever folder. Nothing reads the clock or draws a
random id; each file is made so where it is written (:mod:`legaldocs.documents.reproducible`):
the Word documents' parts are dated 1980-01-01 in their zips and their properties dated the
filing date (:mod:`legaldocs.documents.render`), the workbook likewise
(:mod:`legaldocs.documents.xlsx`);
every PDF LibreOffice exports (documents, and exhibits given as Word files) gets the filing
date or none, no XMP, no font ids from LibreOffice's running counter and an ``/ID`` from its
content (:func:`evidence.pdf.make_reproducible`); exhibits, 证据材料.pdf and the online-filing
PDFs are saved with content ids and no dates (:mod:`evidence.pdf`); ``packet.zip`` holds its
entries in path order, dated the filing date, ``rw-r--r--``; the JSON files hold no time.
``manifest.json`` records every input (the case file and each exhibit file: path as the case
file gives it, SHA-256, size, evidence item, exhibit number), each exhibit's pages in
证据材料.pdf and every output's SHA-256 and size; ``legaldocs verify DIR``
(:func:`legaldocs.documents.reproducible.verify_packet`) re-checks a packet against it and
names each file changed, missing or added.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
import zipfile
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from legaldocs import __version__, runs
from legaldocs.case.load import LoadedCase, load_case
from legaldocs.chinese import date_in_chinese
from legaldocs.documents.office import OfficeSession, docx_to_pdf, office_session
from legaldocs.documents.render import DocumentProperties, render_docx
from legaldocs.documents.reproducible import PACKET_FILES, file_entry, sha256_file, zip_date, zip_file
from legaldocs.documents.templates import template_folder, template_path
from legaldocs.documents.xlsx import write_statement_xlsx
from legaldocs.errors import CaseValidationError, LegalDocsError, OutputError
from legaldocs.files import atomic_path
from legaldocs.filings.applications import enforcement_respondents, preservation_respondents
from legaldocs.filings.claimed import ordinal
from legaldocs.filings.filing import Filing, ReviewItem, build_filing
from legaldocs.filings.record import compare_stated
from legaldocs.filings.stages import (
    STAGE_NAMES,
    Document,
    Extras,
    evidence_groups,
    evidence_index_context,
    required_texts,
    stage_documents,
)
from legaldocs.i18n import N_, _
from legaldocs.money.fees import FeeResult

from evidence import (
    EvidenceError,
    ExhibitError,
    PreparedExhibit,
    assemble_bundle,
    page_ranges,
    pdf_page_count,
    prepare_exhibit,
    unembedded_fonts,
)
from evidence.pdf import make_reproducible, write_exhibit
from evidence.sniff import detect_kind
from evidence.volumes import estimated_bytes, plan_volumes
from evidence.bundle import prepare_many
from evidence.worker import DecodeBudget
from evidence import downsample

INDEX = "证据目录"
BUNDLE = "证据材料"
REVIEW = "审查意见"
ONLINE = "online-filing"
MAX_INDEX_PASSES = 6
# what a volume's estimate adds to an exhibit's measured size when the first estimate was short
_VOLUME_MARGIN_BYTES = 4096

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage description, steps done, steps in all)."""


@dataclass(frozen=True)
class PacketResult:
    """What :func:`build_packet` wrote. ``folder`` is ``DIR/<case id>``; ``files`` are the packet's
    files by name; ``fee`` the acceptance fee; ``bundle_pages`` the pages of 证据材料.pdf (0 when the
    stage has no evidence); ``review``: what a clerk must decide before filing."""

    folder: Path
    files: tuple[str, ...]
    fee: FeeResult
    bundle_pages: int
    index_pages: int
    exhibits: tuple[dict, ...] = field(default_factory=tuple)
    released: tuple[str, ...] = field(default_factory=tuple)  # guarantees left out: guarantor released
    review: tuple[ReviewItem, ...] = field(default_factory=tuple)
    stage: str = "suit"
    documents: tuple[str, ...] = field(default_factory=tuple)
    # images re-encoded for e-filing (downsample_dpi): dpi, exhibits, bytes before, after, saved
    downsampling: dict | None = None
    # the files of 证据材料 (one, or one per volume), each with its pages, exhibits and size
    volumes: tuple[dict, ...] = field(default_factory=tuple)


# the first document of each stage: the filing itself, without which there is no packet
_MAIN = {"suit": ("complaint", "complaint_element"), "preservation": ("preservation",),
         "enforcement": ("enforcement", "enforcement_element"), "notices": ("demand_notice", "guarantee_notice")}
_MAIN_NEEDS = {"preservation": ("preservation", N_("the preservation stage needs a preservation: section (财产保全申请)")),
               "enforcement": ("judgment", N_("the enforcement stage needs the judgment relied on (judgment: 执行依据)"))}


def build_packet(
    case_path: Path | str,
    out_dir: Path | str,
    *,
    as_of: dt.date | None = None,
    filing_date: dt.date | None = None,
    stage: str = "suit",
    form: str | None = None,
    templates: Path | None = None,
    progress: Progress | None = None,
    office: OfficeSession | None = None,
    downsample_dpi: int | None = None,
    budget: DecodeBudget | None = None,
    fit_a4: bool = False,
    max_volume_bytes: int | None = None,
    inputs_label: str | None = None,
) -> PacketResult:
    """Build the filing packet of ``stage`` for the case file ``case_path`` into ``out_dir/<case id>/``.

    ``stage``: ``suit`` (民事起诉状 and its companions), ``preservation`` (财产保全申请书 …) or
    ``enforcement`` (强制执行申请书 …); the documents of each stage are listed in
    :mod:`legaldocs.filings.stages`. ``form``: ``element`` (要素式) or ``narrative`` for the
    complaint and the enforcement application (default: the case's ``claim.form``, else by the
    filing date). ``as_of``: the date amounts are stated to (暂计至); defaults to the case's
    ``claim.as_of`` (the bank's balances are as of that date only). ``filing_date``: date under
    the signature and of the evidence list, and the date that chooses the law and the fee regime;
    defaults to ``claim.filing_date``, else ``as_of``. ``templates``: a bank's own template folder;
    a template it lacks comes from the built-in ones (:mod:`legaldocs.documents.templates`).
    Every document is built from one :class:`~legaldocs.filings.filing.Filing`; after building,
    the documents are read back and checked to agree (:mod:`legaldocs.documents.consistency`).
    ``office``: the LibreOffice kept running (:func:`~legaldocs.documents.office.office_session`)
    that converts every Word file (exhibits, documents, index passes); by default one is started
    for this packet and ended with it. ``downsample_dpi`` (e.g. 150 or 200): re-encode every
    exhibit image finer than that at its printed size, for e-filing size limits
    (:mod:`evidence.downsample`); the bytes saved are in ``manifest.json`` (``downsampling``),
    the result and each exhibit's note. ``budget``: what decoding each exhibit may cost (bytes
    decoded, time, memory: :class:`evidence.worker.DecodeBudget`, its defaults when None); the
    exhibits' files are decoded in worker processes, several at a time, killed when the run
    is interrupted. ``fit_a4``: every page of 证据材料.pdf becomes A4 (a
    landscape page landscape A4; larger pages shrunk, smaller ones centred at their size, none
    cropped; see :mod:`evidence.placement`). ``max_volume_bytes``: the largest size of one file
    of 证据材料, for courts' e-filing limits: above it the bundle is split into volumes at exhibit
    boundaries, 证据材料（第一册）.pdf, （第二册） ..., page and exhibit numbers running on, the
    证据目录 naming each exhibit's volume (:mod:`evidence.volumes`); an exhibit larger than the
    limit alone is a volume of its own and in the review list; online filing uploads each volume.
    ``inputs_label``: what ``manifest.json`` gives as ``inputs_relative_to`` instead of the case
    file's folder, for a caller whose folder is temporary and private (the service records
    ``案件 <case id>``, so the packet neither names its server's folders nor differs by them).

    The packet is built in a staging folder ``out_dir/.<case id>.partial-XXXXXXXX`` and moved
    into place when complete. A run removes only what it made: on failure its staging folder,
    its work folder and its LibreOffice, and ``out_dir`` only if the run made it and nothing else
    is in it, so that runs sharing ``out_dir`` never remove each other's work. Each of these
    folders is locked while the run lives (:mod:`legaldocs.runs`); before it starts, a run
    clears what dead runs (killed, or their machine stopped) left in ``out_dir`` and in the
    temporary folder, and the LibreOffice they left running, never what a live run holds.

    Raises CaseValidationError (nothing written; also for every exhibit file that cannot be used,
    and a filing date before ``as_of``), ConversionError, TemplateError or OutputError (also
    when ``out_dir/<case id>`` holds files this tool did not write); on any error ``out_dir`` is
    left as it was.
    """
    templates = template_folder(templates)
    if downsample_dpi is not None:
        downsample.check_dpi(downsample_dpi)
    loaded = load_case(case_path)
    case = loaded.case
    source = str(case_path)
    if stage == "suit" and not case.evidence:
        raise CaseValidationError(source, [("evidence", _("a filing packet needs at least one exhibit (证据)"))])
    if stage in _MAIN_NEEDS and getattr(case, _MAIN_NEEDS[stage][0]) is None:
        field_path, message = _MAIN_NEEDS[stage]
        raise CaseValidationError(source, [(field_path, _(message))])
    filing = build_filing(case, as_of=as_of, filing_date=filing_date, source=source, form=form)
    # the exhibits as filed (identity papers of a party not sued left out, role words corrected)
    loaded = LoadedCase(case=filing.case, path=loaded.path, evidence_files=loaded.evidence_files)
    if stage == "enforcement" and filing.filing_date <= case.judgment.performance_due:
        raise CaseValidationError(source, [("--filing-date", _(
            "{date} is not after the last day of performance ({due}): enforcement can be applied for only "
            "after it (judgment.performance_due)").format(date=filing.filing_date, due=case.judgment.performance_due))])
    try:
        documents = stage_documents(stage, filing)
    except ValueError as exc:
        raise CaseValidationError(source, [("--stage", str(exc))]) from exc
    if not documents or documents[0].kind not in _MAIN[stage]:
        raise CaseValidationError(source, [("--stage", _("no {stage} document can be built for this case").format(
            stage=STAGE_NAMES[stage]))])
    report = progress or (lambda stage_name, done, total: None)

    out_dir = Path(out_dir)
    # each stage has its own folder, so that building one stage never replaces another's packet
    final = out_dir / (case.case_id if stage == "suit" else f"{case.case_id}-{stage}")
    with staged(out_dir, final, case.case_id) as staging:
        with (runs.folder(Path(tempfile.gettempdir()), "legaldocs-work-") as work,
              nullcontext(office) if office is not None else office_session() as office):
            prepared = (prepare_exhibits(loaded, work, report, office, downsample_dpi=downsample_dpi, budget=budget,
                                         fit_a4=fit_a4)
                        if case.evidence and stage != "notices" else [])
            downsampling = _downsampling(prepared, downsample_dpi)
            # fonts an exhibit keeps unembedded, reported as blocking (read while its PDF exists)
            reported_fonts = _reported_fonts(prepared)
            if prepared:
                filing.review.extend(_exhibit_review(loaded))
                filing.review.extend(_exhibit_notes(prepared))
            result = _build_into(loaded, filing, documents, prepared, staging, templates, report, stage, office, fit_a4,
                                 max_volume_bytes)
            if stage != "notices":  # notices are served on the debtors, not filed with a court
                _online_filing(loaded, filing, documents, staging, work, office, stage, downsample_dpi, budget, prepared=prepared,
                               bundle_files=[v["file"] for v in result["volumes"]])
        from legaldocs.documents.consistency import check_packet

        facts = _facts(filing, documents, stage, result["requires"])
        problems = check_packet(staging, facts)
        if problems:
            raise LegalDocsError(_("the documents disagree: {problems}").format(problems=_("; ").join(problems)))
        _check_fonts_embedded(staging, reported_fonts)
        _atomic_write_text(staging / "deadlines.json", json.dumps(
            {"on": filing.filing_date.isoformat(),
             "released_guarantees": {gid: c.as_dict() for gid, c in filing.released.items()},
             "clocks": [c.as_dict() for c in filing.clocks]}, ensure_ascii=False, indent=2))
        _write_review(filing, staging)
        _write_manifest_and_zip(loaded, filing, facts, staging, stage, result["exhibits"], downsampling=downsampling,
                                bundle=result["bundle"], options={"form": filing.form, "fit_a4": fit_a4,
                                                                  "max_volume_bytes": max_volume_bytes,
                                                                  "downsample_dpi": downsample_dpi},
                                inputs_label=inputs_label)
    files = tuple(sorted(p.name for p in final.iterdir()))
    return PacketResult(final, files, filing.fee, result["bundle_pages"], result["index_pages"],
                        tuple(result["exhibits"]), tuple(sorted(filing.released)), tuple(filing.review), stage,
                        tuple(d.title_for(filing) for d in documents), downsampling, tuple(result["volumes"]))


def _downsampling(prepared: list[PreparedExhibit], dpi: int | None) -> dict | None:
    """What re-encoding the exhibits' images at ``dpi`` saved, for the manifest and the summary."""
    if dpi is None:
        return None
    done = [exhibit.downsampled for exhibit in prepared if exhibit.downsampled]
    before, after = sum(b for b, _ in done), sum(a for _, a in done)
    return {"dpi": dpi, "exhibits": sum(1 for b, a in done if a < b), "bytes_before": before,
            "bytes_after": after, "bytes_saved": before - after}


def open_staging(out_dir: Path, final: Path, case_id: str) -> tuple[Path, list[Path]]:
    """Check that the packet folder ``final`` may be (re)placed in ``out_dir``, clear the debris of
    dead runs there, and make this run's staging folder (:mod:`legaldocs.runs`: locked while the
    run lives). Returns the staging folder and the folders made for it (``out_dir`` when new).

    Raises OutputError: ``out_dir`` is a file or cannot be written, or ``final`` holds files this
    tool did not write.
    """
    _check_destination(out_dir, final)
    runs.clear_dead_outputs(out_dir)
    try:
        return runs.make_in(out_dir, f".{case_id}{runs.STAGING}")
    except OSError as exc:
        raise OutputError(_("{folder}: cannot write the packet there: {reason}").format(
            folder=out_dir, reason=exc.strerror or exc)) from exc


@contextlib.contextmanager
def staged(out_dir: Path, final: Path, case_id: str) -> Iterator[Path]:
    """The staging folder of a run that builds ``final`` in ``out_dir`` (:func:`open_staging`):
    what the block writes there is published as ``final`` whole when it ends; when it fails, only
    what this run made is removed (its staging folder, and ``out_dir`` if it made it and nothing
    else is there). Shared by the packet, its supplements and the write-off dossier."""
    staging, created = open_staging(out_dir, final, case_id)
    try:
        yield staging
        _publish_modes(staging)
        _replace_folder(staging, final)
    except BaseException:
        runs.release(staging)
        runs.remove_empty(created)
        raise
    runs.release(staging, remove=False)  # now the published folder


def prepare_exhibits(loaded: LoadedCase, work: Path, report: Progress | None = None,
                     office: OfficeSession | None = None, *, downsample_dpi: int | None = None,
                     budget: DecodeBudget | None = None, fit_a4: bool = False,
                     numbers: dict[str, int] | None = None) -> list[PreparedExhibit]:
    """Convert every exhibit of the case into a PDF in ``work`` (a folder of the caller's), Word
    files with ``office`` when given (else one LibreOffice run per exhibit); with
    ``downsample_dpi``, images finer than that are re-encoded at it. The files are decoded in
    worker processes, several exhibits at a time, within ``budget`` (:func:`evidence.bundle.prepare_many`).
    ``numbers``: only the evidence items it names (by id) are converted, each as the exhibit of
    the number it gives (a supplement continues the numbers filed before); by default every
    item, the n-th as exhibit n.

    Raises CaseValidationError listing every file that cannot be used, by its field path
    (``evidence[i].files[j]: <file>: <reason>``), after trying them all.
    """
    report = report or (lambda stage, done, total: None)
    chosen = [(position, item) for position, item in enumerate(loaded.case.evidence)
              if numbers is None or item.id in numbers]
    items = [item for _position, item in chosen]
    total = len(items) + 4
    specs = []
    where = {}  # exhibit number -> the item's position in the case file, for the field paths
    for position, item in chosen:
        i = numbers[item.id] if numbers is not None else position + 1
        where[i] = position
        ex_dir = work / f"exhibit-{i:03d}"
        ex_dir.mkdir()
        specs.append((i, item.title, list(loaded.evidence_files[item.id]), ex_dir))
    ended: set[int] = set()
    reported = 0

    def done(position: int, result: object) -> None:  # the bar names the first exhibit still at work
        nonlocal reported
        ended.add(position)
        while reported in ended and reported + 1 < len(items):
            reported += 1
            report(_("exhibit {number} {title}").format(number=reported + 1, title=items[reported].title), reported, total)

    if items:
        report(_("exhibit {number} {title}").format(number=1, title=items[0].title), 0, total)
    results = prepare_many(specs, office=office, downsample_dpi=downsample_dpi, fit_a4=fit_a4, budget=budget,
                           done=done)
    prepared: list[PreparedExhibit] = []
    problems: list[tuple[str, str]] = []
    for (i, title, files, ex_dir), result in zip(specs, results):
        if isinstance(result, PreparedExhibit):
            prepared.append(result)
            continue
        named = [j for j, path in enumerate(files)
                 if isinstance(result, ExhibitError) and str(result.path) == str(path)]
        if len(files) == 1 or named:
            problems.append((f"evidence[{where[i]}].files[{named[0] if named else 0}]", str(result)))
        # find every bad file of this exhibit, not only the first
        others = [j for j in range(len(files)) if len(files) > 1 and j not in named]
        retried = prepare_many([(i, title, [files[j]], ex_dir / f"file-{j:03d}") for j in others],
                               office=office, budget=budget)
        for j, again in zip(others, retried):
            if isinstance(again, EvidenceError):
                problems.append((f"evidence[{where[i]}].files[{j}]", str(again)))
        if not any(p.startswith(f"evidence[{where[i]}]") for p, _ in problems):
            raise result
    if problems:
        raise CaseValidationError(str(loaded.path), problems)
    return prepared


def _check_destination(out_dir: Path, final: Path) -> None:
    """Refuse an --out that is a file, and a packet folder holding files this tool did not write."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(_("{path}: is a file, not a folder").format(path=out_dir))
    if not final.exists():
        return
    if not final.is_dir():
        raise OutputError(_("{path}: is a file; the packet needs this name for its folder").format(path=final))
    ours = {"manifest.json", "packet.zip", "packet.zip.sha256"}
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
        ours |= {entry["path"].split("/")[0] for entry in manifest["outputs"]}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    foreign = sorted(p.name for p in final.iterdir() if p.name not in ours)
    if foreign:
        raise OutputError(
            _("{path}: holds files this tool did not write ({files}); "
              "move them or choose another --out, since the packet folder is replaced whole").format(
                path=final, files=", ".join(foreign[:5]))
        )


def _publish_modes(staging: Path) -> None:
    """Ordinary permissions for the finished packet (temporary files are created private)."""
    staging.chmod(0o755)
    for path in staging.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _build_into(loaded: LoadedCase, filing: Filing, documents: list[Document], prepared: list[PreparedExhibit],
                staging: Path, templates: Path, report: Progress, stage: str,
                office: OfficeSession | None = None, fit_a4: bool = False,
                max_volume_bytes: int | None = None) -> dict:
    case = filing.case
    items = case.evidence
    steps_total = len(items) + 4
    evidence_no = filing.evidence_no
    attached = [d.title_for(filing) for d in documents[1:] if d.attached]
    if filing.statement_is_basis and "欠款明细表" in attached:
        attached[attached.index("欠款明细表")] = f"欠款明细表（暂计至{date_in_chinese(filing.totals.as_of)}）"
    if prepared:
        attached.insert(0, "证据目录及证据材料一套")
    extras = Extras(evidence_no=evidence_no, attachments=attached, stage=stage)

    report("、".join(d.title_for(filing) for d in documents), len(items), steps_total)
    companions = []
    requires: dict[str, list[str]] = {}
    for d in documents:
        title = d.title_for(filing)
        contexts = d.context(filing, extras)
        # a notice goes to each addressee: one document per (suffix, context)
        for suffix, context in (contexts if d.per_party else [("", contexts)]):
            name = f"{title}-{suffix}" if suffix else title
            out = staging / f"{name}.docx"
            requires[out.name] = required_texts(filing, d, suffix)
            render_docx(template_path(d.template, templates), context, out,
                        DocumentProperties(author=case.creditor.name, title=name, date=filing.filing_date), case=case)
            companions.append(out)
    if any(d.kind == "statement" for d in documents):
        write_statement_xlsx(filing.statement, staging / "欠款明细表.xlsx", date=filing.filing_date)
    if not prepared:
        _to_pdf(office, companions, staging, filing.filing_date)
        return {"bundle_pages": 0, "index_pages": 0, "exhibits": [], "requires": requires, "volumes": [],
                "bundle": None}

    report(INDEX, len(items) + 1, steps_total)
    bundle = _index_and_bundle(filing, prepared, staging, templates, report, office, fit_a4, max_volume_bytes,
                               companions, steps_total)
    filing.review.extend(_volume_review(bundle, max_volume_bytes))
    report(_("manifest and zip"), len(items) + 3, steps_total)
    return {"bundle_pages": bundle.page_count, "index_pages": bundle.index_pages,
            "exhibits": _bundle_exhibits(bundle), "requires": requires,
            "volumes": _bundle_volumes(bundle, staging), "bundle": _bundle_record(bundle, staging)}


def _index_and_bundle(filing: Filing, prepared: list[PreparedExhibit], staging: Path, templates: Path,
                      report: Progress, office: OfficeSession | None, fit_a4: bool, max_volume_bytes: int | None,
                      companions: list[Path], steps_total: int, *, index: str = INDEX, bundle_name: str = BUNDLE,
                      template: str = "evidence_index.docx", context=None, first_page: int = 1,
                      items: dict | None = None):
    """Render the 证据目录 (``index``, from ``template``) until its page count and, with
    ``max_volume_bytes``, the volumes it names settle, then write the bundle
    (``bundle_name``.pdf, or its volumes) with it; the ``companions`` (Word documents) are
    converted with the first pass. ``context(entries, index_pages)``: the template's variables
    (default: :func:`evidence_index_context` of ``filing``); ``items``: exhibit number ->
    evidence item (default: the case's n-th item is exhibit n), for the groups' bookmarks;
    ``first_page``: the number of the index's first page. Returns the :class:`~evidence.BundleResult`.

    A volume found above the limit once written (its exhibits' sizes were estimated) makes
    the volumes planned again with the sizes measured, and the index rendered again."""
    case = filing.case
    context = context or (lambda entries, pages: evidence_index_context(filing, entries, pages))
    index_docx = staging / f"{index}.docx"
    index_pdf = staging / f"{index}.pdf"
    sizes = [estimated_bytes(p.pdf, p.page_count) for p in prepared]
    items = items or {number: item for number, item in enumerate(case.evidence, start=1)}
    groups = evidence_groups([items[p.number] for p in prepared])
    index_pages, index_bytes, plan = 1, 0, None
    sources = [*companions]
    for _pass in range(MAX_INDEX_PASSES):
        if max_volume_bytes is not None:
            plan = plan_volumes(sizes, max_volume_bytes, index_bytes=index_bytes)
        entries = page_ranges(prepared, index_pages, first_page=first_page, volumes=plan)
        render_docx(template_path(template, templates), context(entries, index_pages), index_docx,
                    DocumentProperties(author=case.creditor.name, title=index, date=filing.filing_date), case=case)
        _to_pdf(office, [index_docx, *sources], staging, filing.filing_date)
        sources = []
        actual, index_bytes = pdf_page_count(index_pdf), index_pdf.stat().st_size
        if actual != index_pages:
            index_pages = actual
            continue
        if max_volume_bytes is not None and plan_volumes(sizes, max_volume_bytes, index_bytes=index_bytes) != plan:
            continue
        report(bundle_name, steps_total - 2, steps_total)
        bundle = assemble_bundle(index_pdf, prepared, staging / f"{bundle_name}.pdf", index_title=index,
                                 fit_a4=fit_a4, groups=groups, first_page=first_page,
                                 max_volume_bytes=max_volume_bytes, volumes=plan, title=bundle_name)
        if not any(volume.over_limit for volume in bundle.volumes):
            break
        for volume in bundle.volumes:
            volume.path.unlink(missing_ok=True)
        sizes = [max(size, measured + _VOLUME_MARGIN_BYTES) for size, measured in zip(sizes, bundle.exhibit_bytes)]
    else:
        raise LegalDocsError(_("{document}: page count did not settle after {passes} passes").format(
            document=index, passes=MAX_INDEX_PASSES))
    expected = index_pages + sum(p.page_count for p in prepared)
    if bundle.page_count != expected:
        raise LegalDocsError(_("{document} has {pages} pages, expected {expected}").format(
            document=bundle.path.name, pages=bundle.page_count, expected=expected))
    return bundle


def _bundle_exhibits(bundle) -> list[dict]:
    """Each exhibit's place in the bundle, for the manifest and the result: number, title, pages
    (as stamped) and the file (volume) holding it."""
    files = {volume.number: volume.path.name for volume in bundle.volumes}
    return [{"number": e.number, "title": e.title, "first_page": e.first_page, "last_page": e.last_page,
             "pages": e.page_count, "volume": e.volume, "file": files[e.volume]} for e in bundle.entries]


def _bundle_volumes(bundle, staging: Path) -> list[dict]:
    """The files of the bundle: name, pages (as stamped), exhibits, size, and whether an exhibit
    alone is above the size limit."""
    return [{"file": v.path.relative_to(staging).as_posix(), "volume": v.number, "first_page": v.first_page,
             "last_page": v.last_page, "exhibits": list(v.exhibits), "size": v.size, "oversized": v.oversized}
            for v in bundle.volumes]


def _bundle_record(bundle, staging: Path) -> dict:
    """What the manifest says of the bundle as a whole: its pages (as stamped, the index's
    first), the index's pages and its files, enough for a later supplement to continue it."""
    return {"first_page": bundle.volumes[0].first_page, "last_page": bundle.volumes[-1].last_page,
            "pages": bundle.page_count, "index_pages": bundle.index_pages,
            "exhibits": [e.number for e in bundle.entries],
            "volumes": _bundle_volumes(bundle, staging)}


def _volume_review(bundle, max_volume_bytes: int | None) -> list[ReviewItem]:
    """An exhibit alone above the volume size limit: the clerk must make it smaller or file it
    otherwise."""
    from evidence.downsample import format_bytes

    out = []
    if max_volume_bytes is None:
        return out
    titles = {e.number: e.title for e in bundle.entries}
    for volume in bundle.volumes:
        if volume.oversized and not volume.exhibits:  # the index alone
            out.append(ReviewItem(
                "check", "证据", f"{volume.path.name}（仅含证据目录）大小 {format_bytes(volume.size)}，"
                f"超过每册 {format_bytes(max_volume_bytes)} 的限制",
                "网上立案系统可能拒收超过大小限制的文件；请放宽每册大小限制", "--volume-size"))
        elif volume.oversized:
            number = volume.exhibits[-1]
            out.append(ReviewItem(
                "check", "证据",
                f"证据{number}“{titles[number]}”单独成册（{volume.path.name}），大小 {format_bytes(volume.size)}，"
                f"超过每册 {format_bytes(max_volume_bytes)} 的限制",
                "网上立案系统可能拒收超过大小限制的文件；可降低扫描件分辨率（--downsample）后重新生成，"
                "或将该证据拆分为几项",
                f"evidence[{number - 1}].files"))
    return out


# words of an exhibit's title naming a signed or issued original, which an editable Word file is not
_ORIGINAL_WORDS = ("合同", "借据", "回执", "身份证", "营业执照", "登记证明", "发票", "收据", "判决书", "裁定书", "通知书")


def _exhibit_review(loaded: LoadedCase) -> list[ReviewItem]:
    """Exhibits whose content does not match their description: a signed original (contract,
    借据, receipt, licence …) given as an editable Word file rather than a scan."""
    out = []
    for i, item in enumerate(loaded.case.evidence, start=1):
        for path in loaded.evidence_files[item.id]:
            try:
                kind = detect_kind(path)
            except EvidenceError:
                continue
            if kind in ("docx", "doc", "odt", "rtf") and any(w in item.title for w in _ORIGINAL_WORDS):
                out.append(ReviewItem(
                    "check", "证据",
                    f"证据{i}“{item.title}”的文件 {path.name} 是可编辑的文字处理文件，不是签章原件的扫描件或电子原件",
                    "书证应当提交原件或与原件核对无误的复印件（民事诉讼证据规定第十一条）；请换用签章件的扫描件",
                    f"evidence[{i - 1}].files"))
    return out


def _reported_fonts(prepared: list[PreparedExhibit]) -> set[str]:
    """The fonts the prepared exhibits keep unembedded and report as blocking (no metric-compatible
    substitute); read from the exhibits' PDFs, so called while they exist."""
    return {font for exhibit in prepared if any(note.kind == "font-not-embedded" for note in exhibit.notes)
            for font in unembedded_fonts(exhibit.pdf)}


def _check_fonts_embedded(staging: Path, reported: set[str]) -> None:
    """Every PDF of the packet (documents, the bundle, the online-filing uploads) embeds every
    font it uses, except ``reported`` (see :func:`_reported_fonts`): raise LegalDocsError naming
    the first file and its fonts."""
    for path in sorted(staging.rglob("*.pdf")):
        missing = [font for font in unembedded_fonts(path) if font not in reported]
        if missing:
            raise LegalDocsError(_("{file}: uses fonts that are not embedded ({fonts}); every PDF of the packet "
                                   "must embed its fonts, so that it shows and prints the same everywhere").format(
                file=path.relative_to(staging), fonts=", ".join(missing)))


def _exhibit_notes(prepared: list[PreparedExhibit]) -> list[ReviewItem]:
    """What taking in the exhibit files did or found (repairs, fonts substituted, marks given an
    appearance ...), one review item per note, naming the exhibit and the file."""
    return [ReviewItem(note.severity, "证据", f"证据{exhibit.number}“{exhibit.title}”的文件 {Path(note.file).name}：{note.text}",
                       "提交前请核对证据材料中该页与原件一致", f"evidence[{exhibit.number - 1}].files")
            for exhibit in prepared for note in exhibit.notes]


def _online_filing(loaded: LoadedCase, filing: Filing, documents: list[Document], staging: Path, work: Path,
                   office: OfficeSession | None = None, stage: str = "suit", downsample_dpi: int | None = None,
                   budget: DecodeBudget | None = None, *, bundle_files: list[str] | None = None,
                   prepared: list[PreparedExhibit] | None = None) -> None:
    """``online-filing/``: one PDF per upload the courts' online filing asks for (the filing, the
    applicant's licence and representative's identity, the authority papers, each respondent's
    identity, the evidence), numbered in that order and named for the upload."""
    folder = staging / ONLINE
    folder.mkdir()
    case = filing.case
    # an identity exhibit already prepared for the bundle is uploaded from that PDF, not converted again
    ready = ({item.id: exhibit.pdf for item, exhibit in zip(case.evidence, prepared, strict=True)}
             if prepared and len(prepared) == len(case.evidence) else {})
    exhibits_of: dict[str, list[Path]] = {}
    for item in case.evidence:
        if item.identity_of:
            exhibits_of.setdefault(item.identity_of, []).extend(
                [ready[item.id]] if item.id in ready else loaded.evidence_files[item.id])
    pdf = {d.kind: staging / f"{d.title_for(filing)}.pdf" for d in documents}
    uploads: list[tuple[str, list[Path]]] = []
    main = documents[0]
    uploads.append((main.upload or main.title_for(filing), [pdf[main.kind]]))
    applicant = [pdf[k] for k in ("representative_certificate",) if k in pdf]
    uploads.append(("申请人主体资格证明（营业执照、负责人身份证明）" if case.creditor.role == "负责人"
                    else "申请人主体资格证明（营业执照、法定代表人身份证明）", applicant + exhibits_of.get("creditor", [])))
    if "power_of_attorney" in pdf:
        papers = exhibits_of.get("agents", [])
        uploads.append(("授权委托书及代理人身份证明", [pdf["power_of_attorney"], *papers]))
        if not papers:
            filing.review.append(ReviewItem(
                "check", "网上立案", "授权委托书未附代理人身份证明",
                "律师须提交律师执业证和律师事务所函，本单位工作人员须提交身份证件和劳动合同或社保缴费记录；"
                "在案件档案中以 identity_of: agents 标明这些材料", "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第八十六条、第八十八条"))
    role = {"preservation": "被申请人", "enforcement": "被执行人"}.get(stage, "被告")
    respondents = filing.defendants
    if stage == "preservation":
        respondents = preservation_respondents(filing)
    elif stage == "enforcement":
        respondents = enforcement_respondents(filing)
    for i, d in enumerate(respondents, start=1):
        files = exhibits_of.get(d.id, [])
        label = role if len(respondents) == 1 else f"{role}{ordinal(i)}"
        if files:
            uploads.append((f"{label}身份证明（{_short(d.name)}）", files))
        else:
            filing.review.append(ReviewItem("check", "网上立案", f"没有{label}{d.name}的身份证明材料",
                                            f"网上立案须逐一上传{role}的身份证明（身份证复印件或营业执照、登记信息）",
                                            "evidence[].identity_of"))
    for name in bundle_files or []:  # 证据材料, or one upload per volume
        uploads.append((Path(name).stem, [staging / name]))
    for d in documents[1:]:
        if d.upload and d.kind in pdf:
            uploads.append((d.upload, [pdf[d.kind]]))
    for n, (name, files) in enumerate([u for u in uploads if u[1]], start=1):
        target = folder / f"{n:02d}-{name}.pdf"
        if [path.name for path in files] == [f"{name}.pdf"] and name in {Path(f).stem for f in bundle_files or []}:
            # 证据材料 (or a volume of it) is uploaded as it is: already one normalised PDF, and
            # copying it keeps memory flat however large the scans
            with atomic_path(target) as temporary:
                shutil.copyfile(files[0], temporary)
            continue
        parts = []
        for j, path in enumerate(files):
            if path.suffix.lower() == ".pdf" and (path.parent == staging or path in ready.values()):
                parts.append((path, path))
            else:
                one = prepare_exhibit(n, name, [path], _fresh(work / f"upload-{n:02d}-{j:02d}"), office=office,
                                      downsample_dpi=downsample_dpi, budget=budget)
                parts.append((one.pdf, path))
        write_exhibit(parts, target)


def _to_pdf(office: OfficeSession | None, sources: list[Path], out_dir: Path, date: dt.date) -> list[Path]:
    """Word files to PDFs in ``out_dir``: with the kept-running ``office``, else one LibreOffice
    run; each PDF dated ``date`` and otherwise made of its content only (no clock, no random id)."""
    pdfs = office.convert(sources, out_dir) if office is not None else docx_to_pdf(sources, out_dir)
    for pdf, source in zip(pdfs, sources):
        make_reproducible(pdf, date, label=source)
    return pdfs


def _short(name: str, limit: int = 24) -> str:
    """A party's name as part of a file name: at most ``limit`` characters (file names are limited
    to 255 bytes, about 80 Chinese characters with the rest of the name)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


def _write_review(filing: Filing, staging: Path) -> None:
    """审查意见.md and .json: what a clerk must decide before filing, most serious first."""
    order = {"blocking": 0, "check": 1, "note": 2}
    items = sorted(filing.review, key=lambda r: order[r.severity])
    _atomic_write_text(staging / f"{REVIEW}.json", json.dumps([r.as_dict() for r in items], ensure_ascii=False, indent=2))
    lines = [f"# 审查意见：{filing.case_title}", "",
             f"起诉（申请）日：{date_in_chinese(filing.filing_date)}；金额暂计至：{date_in_chinese(filing.as_of)}。", ""]
    if not items:
        lines.append("没有需要处理的事项。")
    names = {"blocking": "必须处理（提交前解决）", "check": "需要核对", "note": "提示"}
    for severity in ("blocking", "check", "note"):
        group = [r for r in items if r.severity == severity]
        if not group:
            continue
        lines += [f"## {names[severity]}（{len(group)}项）", ""]
        for i, r in enumerate(group, start=1):
            lines.append(f"{i}. **{r.topic}**：{r.text}")
            lines.append(f"   - 理由：{r.reason}")
            lines.append(f"   - 依据：{r.source}")
        lines.append("")
    _atomic_write_text(staging / f"{REVIEW}.md", "\n".join(lines))


def _facts(filing: Filing, documents: list[Document], stage: str, requires: dict[str, list[str]] | None = None) -> dict:
    """What every document must agree on, with the kind of each document and what each must
    state (for ``legaldocs check``)."""
    facts = filing.as_dict()
    facts["stage"] = stage
    facts["documents"] = {d.title_for(filing): d.kind for d in documents}
    facts["requires"] = requires or {}
    return facts


def _write_manifest_and_zip(loaded: LoadedCase, filing: Filing, facts: dict, staging: Path, stage: str,
                            exhibits: list[dict] | None = None, *,
                            downsampling: dict | None = None, bundle: dict | None = None,
                            options: dict | None = None, inputs_label: str | None = None) -> None:
    """``manifest.json`` (see :func:`_manifest`), then ``packet.zip`` of the folder and
    ``packet.zip.sha256``; nothing in them depends on the clock or on where the packet is written."""
    case = loaded.case
    files = _packet_files(staging)
    manifest = _manifest(loaded, filing, facts, stage, exhibits or [],
                         [file_entry(staging / name, name) for name in files])
    if inputs_label is not None:
        manifest["inputs_relative_to"] = inputs_label
    if options is not None:  # the settings the packet was built with, to build it again
        manifest["options"] = options
    if downsampling is not None:  # images re-encoded for e-filing: bytes before and after
        manifest["downsampling"] = downsampling
    if bundle is not None:  # 证据材料: its pages and files, which a supplement continues
        manifest["bundle"] = bundle
    seal_folder(staging, manifest, files, case.case_id, filing.filing_date)


def seal_folder(staging: Path, manifest: dict, files: list[str], case_id: str, dated: dt.date) -> None:
    """Write ``manifest`` as ``manifest.json`` in ``staging``, then ``packet.zip`` of ``files`` and
    the manifest (each entry under ``<case_id>/``, dated ``dated``, in path order: no clock time)
    and ``packet.zip.sha256``; each file written whole or not at all. Shared by the packet, its
    supplements and the write-off dossier."""
    _atomic_write_text(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    zip_path = staging / "packet.zip"
    tmp = staging / ".packet.zip.tmp"
    date_time = zip_date(dated)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for name in sorted([*files, "manifest.json"]):
            zip_file(zf, staging / name, f"{case_id}/{name}", date_time)
    os.replace(tmp, zip_path)
    _atomic_write_text(staging / "packet.zip.sha256", f"{sha256_file(zip_path)}  packet.zip\n")


def _packet_files(staging: Path) -> list[str]:
    """The packet's files so far (``/``-separated paths, sorted), without hidden work files and
    without manifest.json, packet.zip and its checksum."""
    names = []
    for path in staging.rglob("*"):
        name = path.relative_to(staging).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in name.split("/")) and name not in PACKET_FILES:
            names.append(name)
    return sorted(names)


def _manifest(loaded: LoadedCase, filing: Filing, facts: dict, stage: str, exhibits: list[dict],
              outputs: list[dict]) -> dict:
    """What ``manifest.json`` records. ``inputs``: the case file and every exhibit file, each with
    its path as the case file gives it (relative to ``inputs_relative_to``, the case file's
    folder), SHA-256, size, the evidence item (``evidence``) and the exhibit number in the bundle
    (``exhibit``); ``exhibits``: each exhibit's pages in 证据材料.pdf (``first_page``,
    ``last_page``, ``pages``) and its files; ``outputs``: every file of the packet but the
    manifest, packet.zip and its checksum (path, SHA-256, size). No clock time."""
    case = loaded.case
    statement = filing.statement
    bundled = {e["number"] for e in exhibits}
    inputs = [{**file_entry(loaded.path, loaded.path.name), "role": "case"}]
    for number, item in enumerate(case.evidence, start=1):
        for name, path in zip(item.files, loaded.evidence_files[item.id]):
            entry = {**file_entry(path, name), "evidence": item.id}
            if number in bundled:
                entry["exhibit"] = number
            inputs.append(entry)
    items = {number: item for number, item in enumerate(case.evidence, start=1)}
    exhibits = [{**e, "evidence": items[e["number"]].id, "files": list(items[e["number"]].files)} for e in exhibits]
    return {
        "tool": "legaldocs",
        "version": __version__,
        "case_id": case.case_id,
        "stage": stage,
        "as_of": filing.as_of.isoformat(),
        "filing_date": filing.filing_date.isoformat(),
        "filing": facts,
        "amounts": facts["amounts"],
        "stated_compared": [c.as_dict() for c in compare_stated(case, filing_date=filing.filing_date)],
        "statement_flags": statement.flags if statement is not None else [],
        "differences_from_bank": [d.as_dict() for d in statement.differences] if statement is not None else [],
        "acceptance_fee": filing.fee.as_dict(),
        "review": [r.as_dict() for r in filing.review],
        "inputs_relative_to": str(loaded.path.parent.resolve()),
        "inputs": inputs,
        "exhibits": exhibits,
        "outputs": outputs,
    }


def _atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _replace_folder(staging: Path, final: Path) -> None:
    """Move the finished staging folder to ``final``, replacing an earlier packet only then: the
    earlier one is moved aside first, to ``.<name>.old-XXXXXXXX``, a name of this run's (locked,
    :mod:`legaldocs.runs`) which a later run removes, or moves back when ``final`` is missing,
    should this run be killed before it does."""
    old = None
    if final.exists():
        old = runs.claim(final.parent, f".{final.name}{runs.ASIDE}")
        try:
            os.replace(final, old)
        except FileNotFoundError:  # moved away meanwhile by another run
            runs.release(old)
            old = None
    try:
        os.replace(staging, final)
    except OSError as exc:
        if old is not None:
            with suppress(OSError):
                os.replace(old, final)
            runs.release(old, remove=False)
        raise OutputError(_("{path}: cannot move the packet into place: {reason}").format(path=final, reason=exc.strerror)) from exc
    if old is not None:
        runs.release(old)
