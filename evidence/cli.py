"""Commands that build on the evidence package, added to the ``legaldocs`` application.

The console script ``legaldocs`` points here so that every command is available while the core
(:mod:`legaldocs.cli`) stays free of imports of the packages built on it.
"""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import Annotated, Iterator, Optional

from legaldocs.errors import CaseValidationError
from legaldocs.i18n import N_, _, ngettext
from legaldocs.cli import (
    Argument,
    Command,
    Option,
    TemplatesOption,
    app,
    console,
    err_console,
    parse_date,
    progress_bar,
    run_guarded,
)

__all__ = ["app"]


class _Interrupted(SystemExit):
    """SIGTERM received: unwinds like SystemExit (no ``except Exception`` stops it)."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signum = signum


# SIGTERM (kill, a service stopping) and SIGHUP (the terminal or SSH session that ran the command closing)
_STOPPING = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Stop at once on SIGTERM, SIGHUP or Ctrl-C: the exception unwinds the run, which kills its worker
    processes and LibreOffice and removes what it made; then say so and exit with 128 + the
    signal's number. A second such signal during the clean-up is ignored."""

    def handler(signum, frame):  # noqa: ARG001 - signal handler signature
        for stopping in _STOPPING:
            signal.signal(stopping, signal.SIG_IGN)
        raise _Interrupted(signum)

    previous = {stopping: signal.signal(stopping, handler) for stopping in _STOPPING}
    try:
        yield
    except (_Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, _Interrupted) else signal.SIGINT
        err_console.print(_("stopped by {signal}: the work under way was abandoned and what the run had made removed").format(
            signal=signal.Signals(signum).name), markup=False, highlight=False, soft_wrap=True)
        raise SystemExit(128 + signum) from None
    finally:
        for stopping, before in previous.items():
            signal.signal(stopping, before)


def engine_problem(case) -> str | None:
    """Why the money engine cannot state the case's amounts as of claim.as_of, or None."""
    from legaldocs.errors import LegalDocsError
    from legaldocs.money.statement import case_statement

    try:
        case_statement(case, case.claim.as_of, explain=False)
    except LegalDocsError as exc:
        return str(exc)
    return None


@app.command(help=N_(
    "Check CASE (a .yaml, .yml or .json case file) and list every problem by field path; exit 2 "
    "when invalid. Every exhibit file is also opened and converted as the packet would (--no-files "
    "checks only that the files exist)."))
def validate(
    case: Annotated[Path, Argument(help=N_("case file (.yaml, .yml or .json)"))],
    files: Annotated[bool, Option(help=N_("open and convert every exhibit as the packet would (--no-files: only check they exist)"))] = True,
    quiet: Annotated[bool, Option(help=N_("no progress bar"))] = False,
) -> None:

    def action() -> None:
        import tempfile

        from evidence.packet import prepare_exhibits  # PDF libraries load only when needed
        from legaldocs import runs
        from legaldocs.case.load import load_case

        loaded = load_case(case)
        c = loaded.case
        statement_problem = engine_problem(c)
        if statement_problem and c.claim.amounts == "engine":  # the packet could not state the amounts
            raise CaseValidationError(str(case), [("claim.amounts", _("the amounts cannot be computed: {problem}").format(
                problem=statement_problem))])
        if statement_problem:
            err_console.print(_("note: the engine's statement (attached for comparison) cannot be computed: {problem}").format(
                problem=statement_problem), markup=False, soft_wrap=True)
        count = sum(len(v) for v in loaded.evidence_files.values())
        if files:
            with _terminate_cleanly(), progress_bar(enabled=not quiet) as progress, \
                    runs.folder(Path(tempfile.gettempdir()), "legaldocs-check-") as work:  # dead runs' cleared first
                prepared = prepare_exhibits(loaded, work, progress)
            for exhibit in prepared:  # what taking the files in did or found (a repair, a font substituted ...)
                for note in exhibit.notes:
                    err_console.print(_("note: 证据{number} {file}: {text}").format(
                        number=exhibit.number, file=note.file, text=note.text), markup=False, highlight=False,
                        soft_wrap=True)
        checked = _("all opened and converted") if files else _("all present")
        summary = _("{case}: valid — case {case_id}, {parties} parties, {loans} loan(s), {guarantees} guarantee(s), "
                    "{collateral} collateral, {evidence} evidence item(s) in {files} file(s), {checked}").format(
            case=case, case_id=c.case_id, parties=len(c.parties), loans=len(c.loans), guarantees=len(c.guarantees),
            collateral=len(c.collateral), evidence=len(c.evidence), files=count, checked=checked)
        console.print(summary, markup=False, soft_wrap=True)

    run_guarded(action)


@app.command(help=N_(
    "Build the filing packet of CASE in OUT/<case id>/ (complaint, evidence list and bundle, fee sheet, "
    "manifest, zip). --as-of YYYY-MM-DD: date the amounts are stated to (the case's claim.as_of); "
    "--filing-date: date under the signature and of the fee regime (default: claim.filing_date, else "
    "the as-of date). An existing OUT/<case id>/ is replaced whole. --templates DIR: a bank's own "
    "templates, each used instead of the built-in one of the same name; the folder may hold only "
    "some of them, the others are the built-in ones."))
def packet(
    case: Annotated[Path, Argument(help=N_("case file (.yaml, .yml or .json)"))],
    out: Annotated[Path, Option(help=N_("folder the packet is written into, as OUT/<case id>/"))] = Path("out"),
    as_of: Annotated[Optional[str], Option(help=N_("date YYYY-MM-DD the amounts are stated to (default: claim.as_of)"))] = None,
    filing_date: Annotated[Optional[str], Option(help=N_("date YYYY-MM-DD of filing: under the signature, and it chooses the fee schedule (default: claim.filing_date, else the as-of date)"))] = None,
    quiet: Annotated[bool, Option(help=N_("no progress bar"))] = False,
    templates: TemplatesOption = None,
    stage: Annotated[str, Option(help=N_("which set to build: suit (起诉), preservation (财产保全), enforcement (强制执行) or notices (催收通知); each stage has its own folder, OUT/<case id>[-stage]/"))] = "suit",
    form: Annotated[Optional[str], Option(help=N_("element (要素式) or narrative (叙述式) complaint and enforcement application (default: claim.form, else element from 2025-07-14)"))] = None,
    downsample: Annotated[Optional[int], Option(metavar="DPI", help=N_("re-encode exhibit images finer than DPI at their printed size at DPI (e.g. 150 or 200), for e-filing size limits; text and drawings are not touched"))] = None,
    fit_a4: Annotated[bool, Option(help=N_("make every page of 证据材料.pdf A4 (landscape pages landscape A4): larger pages (Letter, legal, A3) shrunk to fit, smaller ones centred at their size, none cropped"))] = False,
    volume_size: Annotated[Optional[str], Option(metavar="SIZE", help=N_("largest size of one file of 证据材料, e.g. 20MB (the court's e-filing limit): the bundle is split into volumes 证据材料（第一册）.pdf, （第二册） ... at exhibit boundaries, numbers running on"))] = None,
) -> None:
    as_of_date = parse_date(as_of, "--as-of")
    filed = parse_date(filing_date, "--filing-date")

    def action() -> None:
        from evidence.packet import build_packet  # PDF libraries load only for this command
        from evidence.volumes import parse_size

        max_volume_bytes = parse_size(volume_size) if volume_size is not None else None
        with _terminate_cleanly(), progress_bar(enabled=not quiet) as progress:
            result = build_packet(case, out, as_of=as_of_date, filing_date=filed, templates=templates,
                                  progress=progress, stage=stage, form=form, downsample_dpi=downsample,
                                  fit_a4=fit_a4, max_volume_bytes=max_volume_bytes)
        console.print(_("packet: {folder}").format(folder=result.folder.resolve()), markup=False, highlight=False,
                      soft_wrap=True)
        if result.bundle_pages and len(result.volumes) > 1:
            console.print(_("  证据材料 {pages} pages in {volumes} volumes ({index} index + {exhibits} exhibits)").format(
                pages=result.bundle_pages, volumes=len(result.volumes), index=result.index_pages,
                exhibits=len(result.exhibits)), markup=False, highlight=False)
        elif result.bundle_pages:
            console.print(_("  证据材料.pdf {pages} pages ({index} index + {exhibits} exhibits)").format(
                pages=result.bundle_pages, index=result.index_pages, exhibits=len(result.exhibits)),
                markup=False, highlight=False)
        if len(result.volumes) > 1:
            _print_volumes(result.volumes)
        if result.downsampling is not None and not result.downsampling["exhibits"]:
            console.print(_("  no exhibit image is finer than {dpi} dpi: nothing re-encoded").format(
                dpi=result.downsampling["dpi"]), markup=False, highlight=False)
        elif result.downsampling is not None:
            from evidence.downsample import format_bytes

            saved = result.downsampling
            console.print(_("  images re-encoded at {dpi} dpi in {count} exhibit(s): {before} -> {after} ({saved} saved)").format(
                dpi=saved["dpi"], count=saved["exhibits"], before=format_bytes(saved["bytes_before"]),
                after=format_bytes(saved["bytes_after"]), saved=format_bytes(saved["bytes_saved"])),
                markup=False, highlight=False)
        if result.stage == "suit":
            console.print(_("  案件受理费 {fee} 元").format(fee=result.fee.fee), markup=False, highlight=False)
        for name in result.files:
            console.print(f"  {name}", markup=False, highlight=False)
        for gid in result.released:
            err_console.print(
                _("note: guarantee {guarantee} left out of the complaint: the guarantor is released (保证期间届满未主张); "
                  "see deadlines.json, or set guarantees[].override_release with the reason to claim anyway").format(
                    guarantee=gid),
                markup=False, soft_wrap=True,
            )

        print_review(result.review, result.folder / "审查意见.md")

    run_guarded(action)


def _exhibit_span(first: int, last: int) -> str:
    """``证据3`` or ``证据3至证据7``."""
    return _("exhibit {number}").format(number=first) if first == last else _("exhibits {first}-{last}").format(
        first=first, last=last)


def _print_volumes(volumes) -> None:
    """Each file of a bundle in volumes: its pages, exhibits and size."""
    from evidence.downsample import format_bytes

    for volume in volumes:
        exhibits = volume["exhibits"]
        which = _exhibit_span(exhibits[0], exhibits[-1]) if exhibits else _("the index only")
        first, last = volume["first_page"], volume["last_page"]
        line = _("  {file}: pages {pages}, {which}, {size}").format(
            file=volume["file"], pages=first if first == last else f"{first}-{last}", which=which,
            size=format_bytes(volume["size"]))
        if volume.get("oversized"):
            line += _(" (one exhibit above the size limit)")
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def print_review(items, path: Path | None = None) -> None:
    """The review list on stderr, most serious first (the full text is in 审查意见.md)."""
    order = {"blocking": 0, "check": 1, "note": 2}
    names = {"blocking": _("must be dealt with"), "check": _("to be checked"), "note": _("note")}
    items = sorted(items, key=lambda r: order[r.severity])
    if not items:
        return
    counts = _(", ").join(_("{severity}: {count}").format(severity=names[s], count=sum(r.severity == s for r in items))
                          for s in order if any(r.severity == s for r in items))
    heading = _("review ({counts})").format(counts=counts)
    err_console.print(heading + (_(": {path}").format(path=path) if path else ""), markup=False, highlight=False,
                      soft_wrap=True)
    for r in items:
        err_console.print(f"  [{names[r.severity]}] {r.topic}：{r.text}", markup=False, highlight=False, soft_wrap=True)


@app.command(help=N_(
    "Build the next supplementary evidence (补充证据) of CASE after the packet already filed in --filed: "
    "the case's evidence items not filed yet, numbered on from the last exhibit filed and paged on from the "
    "last page filed, in OUT/<case id>-supplement-<n>/ (补充证据目录, 补充证据材料（一）.pdf, manifest, zip). "
    "The filed packet is not touched. Give the new folder as --filed for the next supplement."))
def supplement(
    case: Annotated[Path, Argument(help=N_("case file (.yaml, .yml or .json) with the new evidence added"))],
    filed: Annotated[Path, Option(help=N_("folder of the packet, or of the last supplement, already filed"))],
    out: Annotated[Optional[Path], Option(help=N_("folder the supplement is written into, as OUT/<case id>-supplement-<n>/ (default: the folder holding --filed)"))] = None,
    filing_date: Annotated[Optional[str], Option(help=N_("date YYYY-MM-DD of the supplement (default: claim.filing_date, or the filed packet's date if later)"))] = None,
    quiet: Annotated[bool, Option(help=N_("no progress bar"))] = False,
    templates: TemplatesOption = None,
    downsample: Annotated[Optional[int], Option(metavar="DPI", help=N_("re-encode exhibit images finer than DPI at their printed size at DPI (e.g. 150 or 200), for e-filing size limits; text and drawings are not touched"))] = None,
    fit_a4: Annotated[bool, Option(help=N_("make every page of 证据材料.pdf A4 (landscape pages landscape A4): larger pages (Letter, legal, A3) shrunk to fit, smaller ones centred at their size, none cropped"))] = False,
    volume_size: Annotated[Optional[str], Option(metavar="SIZE", help=N_("largest size of one file of 证据材料, e.g. 20MB (the court's e-filing limit): the bundle is split into volumes 证据材料（第一册）.pdf, （第二册） ... at exhibit boundaries, numbers running on"))] = None,
) -> None:
    filed_on = parse_date(filing_date, "--filing-date")

    def action() -> None:
        from evidence.supplement import build_supplement  # PDF libraries load only for this command
        from evidence.volumes import parse_size

        max_volume_bytes = parse_size(volume_size) if volume_size is not None else None
        with _terminate_cleanly(), progress_bar(enabled=not quiet) as progress:
            result = build_supplement(case, filed, out, filing_date=filed_on, templates=templates, progress=progress,
                                      max_volume_bytes=max_volume_bytes, fit_a4=fit_a4, downsample_dpi=downsample)
        console.print(_("supplement: {folder}").format(folder=result.folder.resolve()), markup=False, highlight=False,
                      soft_wrap=True)
        console.print(ngettext("  {exhibits}, pages {first_page}-{last_page} ({index} index page)",
                               "  {exhibits}, pages {first_page}-{last_page} ({index} index pages)",
                               result.index_pages).format(
            exhibits=_exhibit_span(result.first_number, result.last_number), first_page=result.first_page,
            last_page=result.last_page, index=result.index_pages), markup=False, highlight=False)
        if len(result.volumes) > 1:
            _print_volumes(result.volumes)
        for name in result.files:
            console.print(f"  {name}", markup=False, highlight=False)
        print_review(result.review, result.folder / "审查意见.md")

    run_guarded(action)


_LIST_CRITERIA = "?list"


def _criteria_text() -> str:
    from legaldocs.portfolio.writeoff import criteria_lines

    return "\n".join([_("The criteria of 财金〔2017〕90号 Annex 1 in force (--criterion ITEM):"),
                      *(f"  {line}" for line in criteria_lines())])


def _criterion_or_list(ctx, value: str | None) -> str | None:
    """``--criterion`` given alone: print the criteria in force and stop."""
    if value == _LIST_CRITERIA:
        console.print(_criteria_text(), markup=False, highlight=False, soft_wrap=True)
        ctx.exit(0)
    return value


class _WriteoffCommand(Command):
    """``writeoff --help`` ends with the criteria in force (item and short title), read from the
    rule rows when the help is shown; ``--criterion`` given without a value prints them."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        # ``--criterion`` with no value (last, or before another option) asks for the list
        args = list(args)
        for i, arg in enumerate(args):
            if arg == "--":
                break
            if arg == "--criterion" and (i + 1 == len(args) or args[i + 1].startswith("-")):
                args[i] = f"--criterion={_LIST_CRITERIA}"
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx, formatter) -> None:
        super().format_epilog(ctx, formatter)
        formatter.write_paragraph()
        for line in _criteria_text().splitlines():
            formatter.write(line + "\n")


@app.command(cls=_WriteoffCommand, help=N_(
    "Build the write-off dossier (呆账核销申报材料) of CASE for one criterion of 财金〔2017〕90号 Annex 1 in "
    "OUT/<case id>-writeoff/: 呆账核销申报审批表, 呆账核销调查报告, 追索记录 (.docx, .pdf), 核销清单.xlsx, "
    "核销证据目录 and 核销证据材料.pdf, manifest and zip. Lists each requirement with its proof or what is "
    "missing. A dossier with anything missing, or relying on an unverified rule value without a recorded "
    "confirmation (write_off.confirmations), is written only as a draft (草稿 on every first page) and the "
    "command exits with status 3; 0 when final, 2 for invalid input, 1 for other failures."))
def writeoff(
    case: Annotated[Path, Argument(help=N_("case file (.yaml, .yml or .json)"))],
    criterion: Annotated[Optional[str], Option(
        help=N_("the Annex 1 item relied on, e.g. 7 or 1b (default: write_off.criterion); alone, lists the criteria"),
        is_eager=True, callback=_criterion_or_list)] = None,
    as_of: Annotated[Optional[str], Option(help=N_("write-off date YYYY-MM-DD the balances are stated at (default: write_off.written_off_on, else write_off.proposed_on)"))] = None,
    out: Annotated[Path, Option(help=N_("folder the dossier is written into, as OUT/<case id>-writeoff/"))] = Path("out"),
    quiet: Annotated[bool, Option(help=N_("no progress bar"))] = False,
    templates: TemplatesOption = None,
) -> None:
    on = parse_date(as_of, "--as-of")

    def action() -> None:
        from evidence.dossier import EXIT_DRAFT, build_writeoff_dossier  # PDF libraries load only for this command

        with _terminate_cleanly(), progress_bar(enabled=not quiet) as progress:
            result = build_writeoff_dossier(case, out, criterion=criterion, as_of=on, templates=templates,
                                            progress=progress)
        _print_dossier(result)
        if not result.final:
            raise SystemExit(EXIT_DRAFT)

    run_guarded(action)


def _print_dossier(result) -> None:
    """What the dossier proves, by which exhibits, what is missing, the residue, and where it is."""
    from legaldocs.chinese import format_amount

    d = result.dossier
    console.print(_("write-off dossier: {folder}").format(folder=result.folder.resolve()), markup=False,
                  highlight=False, soft_wrap=True)
    console.print(_("  criterion {criterion}: {title}").format(criterion=d.criterion, title=d.eligibility.title),
                  markup=False, highlight=False, soft_wrap=True)
    shown = None
    for r in d.eligibility.requirements:
        if r.condition and r.condition != shown:
            console.print(_("  for each obligor: {condition}").format(condition=r.condition), markup=False,
                          highlight=False, soft_wrap=True)
        shown = r.condition
        if r.met:
            line = _("  proven: {text} ({proof})").format(text=r.text, proof=d.exhibits(r.proof) or "-")
        else:
            line = _("  missing: {text}: {missing}").format(text=r.text, missing=r.missing or "")
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    residue = "，".join(f"{name} {format_amount(amount)}" for name, amount in d.residue_components())
    console.print(_("  residue on {date}: {residue}; total {total} 元").format(
        date=d.as_of, residue=residue, total=format_amount(d.residue_total)), markup=False, highlight=False,
        soft_wrap=True)
    if result.bundle_pages:
        console.print(_("  核销证据材料.pdf {pages} pages ({index} index + {exhibits} exhibits)").format(
            pages=result.bundle_pages, index=result.index_pages, exhibits=len(result.exhibits)),
            markup=False, highlight=False)
    for name in result.files:
        console.print(f"  {name}", markup=False, highlight=False)
    if result.final:
        console.print(_("final: every requirement is proven"), markup=False, highlight=False)
        return
    err_console.print(_("DRAFT, not final ({count} reason(s)); every document's first page says 草稿:").format(
        count=len(result.draft_reasons)), markup=False, highlight=False, soft_wrap=True)
    for reason in result.draft_reasons:
        err_console.print(f"  - {reason}", markup=False, highlight=False, soft_wrap=True)


@app.command(help=N_(
    "Draft one document of CASE (--doc KIND) into OUT as .docx and .pdf, from the same resolved "
    "case as the packet; notices are written one per addressee."))
def draft(
    case: Annotated[Path, Argument(help=N_("case file (.yaml, .yml or .json)"))],
    doc: Annotated[str, Option(help=N_("document kind, e.g. complaint, complaint_element, preservation, seizure_renewal, enforcement, enforcement_element, demand_notice, guarantee_notice, power_of_attorney, representative_certificate, service_address (an unknown kind lists them all)"))],
    out: Annotated[Path, Option(help=N_("folder the document is written into"))] = Path("out"),
    as_of: Annotated[Optional[str], Option(help=N_("date YYYY-MM-DD the amounts are stated to (default: claim.as_of)"))] = None,
    filing_date: Annotated[Optional[str], Option(help=N_("date YYYY-MM-DD of the document (default: claim.filing_date, else the as-of date)"))] = None,
    form: Annotated[Optional[str], Option(help=N_("element or narrative (complaint, enforcement application)"))] = None,
    templates: TemplatesOption = None,
    pdf: Annotated[bool, Option(help=N_("also convert to PDF"))] = True,
) -> None:
    as_of_date = parse_date(as_of, "--as-of")
    filed = parse_date(filing_date, "--filing-date")

    def action() -> None:
        from legaldocs.case.load import load_case
        from legaldocs.filings.draft import draft as draft_document

        loaded = load_case(case, check_files=False)
        with _terminate_cleanly():
            result = draft_document(loaded.case, doc, out, as_of=as_of_date, filing_date=filed, form=form,
                                    templates=templates, pdf=pdf, source=str(case))
        for path in (*result.docx, *result.pdf):
            console.print(str(path), markup=False, highlight=False, soft_wrap=True)
        print_review(result.filing.review)

    run_guarded(action)


@app.command(help=N_(
    "Read the documents of a packet back and check that every party, role, amount, date, court "
    "and case number agrees across them (exit 1 with each disagreement, naming the documents and "
    "the values)."))
def check(
    folder: Annotated[Path, Argument(help=N_("a packet folder (OUT/<case id>) written by packet"))],
) -> None:

    def action() -> None:
        import json

        from legaldocs.documents.consistency import check_outputs, check_packet
        from legaldocs.errors import LegalDocsError

        if not folder.is_dir():
            raise LegalDocsError(_("{folder}: no such folder").format(folder=folder))
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except OSError as exc:
            raise LegalDocsError(_("{folder}: not a packet folder written by this tool (no readable manifest.json)")
                                 .format(folder=folder)) from exc
        except ValueError as exc:
            raise LegalDocsError(_("{folder}: manifest.json is not valid JSON; rebuild the packet").format(
                folder=folder)) from exc
        if isinstance(manifest, dict) and manifest.get("stage") == "writeoff":
            raise LegalDocsError(_("{folder}: this is a write-off dossier (呆账核销申报材料); check compares the "
                                   "documents of a filing packet. Use verify to check a dossier against its "
                                   "manifest; its documents were read back and checked to agree when it was "
                                   "built").format(folder=folder))
        facts = manifest.get("filing") if isinstance(manifest, dict) else None
        if not isinstance(facts, dict):
            raise LegalDocsError(_("{folder}: manifest.json does not describe a filing packet written by the "
                                   "packet command; check compares a filing packet's documents").format(folder=folder))
        problems = check_outputs(folder, manifest.get("outputs", []))  # missing or changed since built
        try:
            problems += check_packet(folder, facts)
        except LegalDocsError as exc:  # a document replaced by something that is not one
            problems.append(str(exc))
        if problems:
            raise LegalDocsError(ngettext("{folder}: the documents disagree ({count} place): {problems}",
                                          "{folder}: the documents disagree ({count} places): {problems}",
                                          len(problems)).format(folder=folder, count=len(problems),
                                                                problems=_("; ").join(problems)))
        console.print(_("{folder}: parties, amounts, dates and court agree across the documents").format(folder=folder),
                      markup=False, highlight=False, soft_wrap=True)

    run_guarded(action)


@app.command(help=N_(
    "Re-check a packet folder against its manifest.json: every file as built (SHA-256 and size), "
    "no file added, packet.zip matching packet.zip.sha256 and the folder, and the case's input "
    "files unchanged when they can be found (in the folder recorded in the manifest, or --inputs). "
    "Names each file changed, missing or added; exit 2 then, 0 when all is as built."))
def verify(
    folder: Annotated[Path, Argument(help=N_("a packet folder (OUT/<case id>) written by packet"))],
    inputs: Annotated[Optional[Path], Option(help=N_("folder the case file and its exhibits are in now (default: where they were when the packet was built)"))] = None,
    as_json: Annotated[bool, Option("--json", help=N_("print JSON"))] = False,
) -> None:
    import json

    from legaldocs.cli import EXIT_INVALID, fail, json_errors
    from legaldocs.documents.reproducible import verify_packet
    from legaldocs.errors import LegalDocsError

    json_errors(as_json)
    try:
        result = verify_packet(folder, inputs)
    except LegalDocsError as exc:
        raise fail(_("error: {error}").format(error=exc), EXIT_INVALID) from None
    if as_json:
        console.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        for finding in result.findings:
            console.print(f"  {finding.message}", markup=False, highlight=False, soft_wrap=True)
        if result.inputs is None:
            inputs_said = _("inputs not checked: {folder} not found (give --inputs DIR)").format(
                folder=result.inputs_folder if result.inputs_folder is not None else "inputs_relative_to")
        else:
            inputs_said = ngettext("{count} input of the case checked", "{count} inputs of the case checked",
                                   result.inputs).format(count=result.inputs)
        if result.ok:
            console.print(_("{folder}: every file as built ({count} checked); {inputs}").format(
                folder=folder, count=result.outputs, inputs=inputs_said), markup=False, highlight=False, soft_wrap=True)
        else:
            err_console.print(ngettext("{folder}: {count} file not as built; {inputs}",
                                       "{folder}: {count} files not as built; {inputs}",
                                       len(result.findings)).format(folder=folder, count=len(result.findings),
                                                                    inputs=inputs_said),
                              markup=False, highlight=False, soft_wrap=True)
    if not result.ok:
        raise SystemExit(EXIT_INVALID)


if __name__ == "__main__":
    app()
