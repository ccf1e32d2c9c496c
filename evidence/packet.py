"""The filing packet (立案材料): one case file in, a ready-to-file folder out.

``DIR/<case id>/`` holds 民事起诉状 (.docx, .pdf), 证据目录 (.docx, .pdf), 证据材料.pdf (the index
followed by every exhibit, bookmarked, every page numbered, the index's page ranges being the real
pages of that file), 诉讼费用计算表 (.docx, .pdf) with the 案件受理费 and its computation,
``manifest.json`` (every input and output with SHA-256 and size, the as-of date and the version),
``packet.zip`` of the folder and ``packet.zip.sha256``.

The packet is built in a staging folder next to its destination and moved into place only when
complete; a failure leaves ``DIR`` as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from legaldocs import __version__
from legaldocs.case.load import LoadedCase, load_case
from legaldocs.chinese import amount_in_capitals, date_in_chinese, format_amount, unit
from legaldocs.deadlines.clocks import case_clocks, released_guarantees
from legaldocs.filings.record import compare_stated
from legaldocs.filings.claimed import CAUSE_OF_ACTION, ClaimTotals, acceptance_fee, claim_totals, ordinal
from legaldocs.filings.complaint import (
    complaint_context,
)
from legaldocs.money.statement import Statement, case_statement, statement_context
from legaldocs.documents.xlsx import write_statement_xlsx
from legaldocs.errors import CaseValidationError, LegalDocsError, OutputError
from legaldocs.law.rules import rule_in_force
from legaldocs.money.fees import FeeResult
from legaldocs.files import atomic_path
from legaldocs.documents.office import docx_to_pdf
from legaldocs.documents.render import render_docx

from evidence import (
    EvidenceError,
    PreparedExhibit,
    assemble_bundle,
    page_ranges,
    pdf_page_count,
    prepare_exhibit,
)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
COMPLAINT = "民事起诉状"
INDEX = "证据目录"
BUNDLE = "证据材料"
FEE_SHEET = "诉讼费用计算表"
STATEMENT = "欠款明细表"
MAX_INDEX_PASSES = 4

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage description, steps done, steps in all)."""


@dataclass(frozen=True)
class PacketResult:
    """What :func:`build_packet` wrote. ``folder`` is ``DIR/<case id>``; ``files`` are the packet's
    files by name; ``fee`` the acceptance fee; ``bundle_pages`` the pages of 证据材料.pdf."""

    folder: Path
    files: tuple[str, ...]
    fee: FeeResult
    bundle_pages: int
    index_pages: int
    exhibits: tuple[dict, ...] = field(default_factory=tuple)
    released: tuple[str, ...] = field(default_factory=tuple)  # guarantees left out: guarantor released


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _file_entry(path: Path, name: str) -> dict:
    return {"path": name, "sha256": _sha256(path), "size": path.stat().st_size}


def _template(name: str, templates: Path) -> Path:
    path = templates / name
    if not path.is_file():
        raise LegalDocsError(f"template {path} is missing")
    return path


def _statement(case, as_of: dt.date):
    """The engine's statement, or (None, reason) when a loan cannot be computed."""
    try:
        return case_statement(case, as_of), None
    except LegalDocsError as exc:
        return None, str(exc)


def halving_note(filed_on: dt.date) -> str:
    """When the acceptance fee is halved, as the fee schedule of the filing date says."""
    rule = rule_in_force("court_fees", "halving", filed_on)
    return f"{rule['notes']}（{rule['citation']}）"


def _fee_context(loaded: LoadedCase, t: ClaimTotals, fee: FeeResult) -> dict:
    case = loaded.case
    tag = "" if t.currency == "CNY" else f"（{unit(t.currency)}）"
    rows = [(f"借款本金{tag}", t.principal), (f"利息{tag}", t.interest), (f"罚息{tag}", t.penalty_interest),
            (f"复利{tag}", t.compound_interest)]
    rows += [(c.name + ("" if c.currency == "CNY" else f"（{unit(c.currency)}）"), c.amount) for c in case.claim.costs]
    if t.currency != "CNY":
        rows.append((f"折合人民币（{t.exchange_rate_on}汇率{t.exchange_rate}）", t.fee_base))
    places = 0 if fee.rounding == "yuan" else 2
    defendants = "、".join(case.party(p).name for p in case.defendant_ids())
    return {
        "fee_name": fee.name,
        "case_title": f"{case.creditor.name}诉{defendants}{CAUSE_OF_ACTION}",
        "court": case.court,
        "as_of_cn": date_in_chinese(t.as_of),
        "procedure": "简易程序（减半交纳）" if fee.halved else "普通程序",
        "base_rows": [{"name": n, "amount": format_amount(a)} for n, a in rows if a],
        "base_total": format_amount(t.fee_base),
        "base_total_capitals": "人民币" + amount_in_capitals(t.fee_base),
        "steps": [{"number": i + 1, "text": s.text, "rule": s.rule} for i, s in enumerate(fee.steps)],
        "fee": format_amount(fee.fee, places=places),
        "fee_capitals": "人民币" + amount_in_capitals(fee.fee),
        "note": f"说明：案件受理费以法院交费通知为准；{halving_note(fee.filed_on)}",
    }


def _index_context(loaded: LoadedCase, entries: Sequence, filing_date: dt.date, index_pages: int) -> dict:
    case = loaded.case
    by_number = {i + 1: item for i, item in enumerate(case.evidence)}
    rows = []
    group = None
    groups = 0
    for e in entries:
        item = by_number[e.number]
        if item.group and item.group != group:
            group = item.group
            groups += 1
            rows.append({"number": "", "title": f"第{ordinal(groups)}组　{group}", "source": "", "purpose": "",
                         "original": "", "pages": ""})
        pages = str(e.first_page) if e.first_page == e.last_page else f"{e.first_page}-{e.last_page}"
        rows.append(
            {
                "number": e.number,
                "title": item.title,
                "source": item.source,
                "purpose": item.purpose,
                "original": "原件" if item.original else "复印件",
                "pages": pages,
            }
        )
    total = index_pages + sum(e.page_count for e in entries)
    return {
        "cause": CAUSE_OF_ACTION,
        "plaintiff_name": case.creditor.name,
        "defendant_names": "、".join(case.party(p).name for p in case.defendant_ids()),
        "filing_date_cn": date_in_chinese(filing_date),
        "exhibits": rows,
        "exhibit_count": len(entries),
        "total_pages": total,
        "index_pages": index_pages,
    }


def build_packet(
    case_path: Path | str,
    out_dir: Path | str,
    *,
    as_of: dt.date | None = None,
    filing_date: dt.date | None = None,
    templates: Path = TEMPLATES,
    progress: Progress | None = None,
) -> PacketResult:
    """Build the filing packet of the case file ``case_path`` into ``out_dir/<case id>/``.

    ``as_of``: the date amounts are stated to (暂计至); defaults to the case's ``claim.as_of``.
    The case's balances are the bank's figures as of ``claim.as_of``; another date is refused
    (CaseValidationError) until amounts can be computed from the contracts.
    ``filing_date``: date under the signature and on the evidence list, and the date that chooses
    the fee regime; defaults to the case's ``claim.filing_date``, else ``as_of``.
    Raises CaseValidationError (nothing written; also for every exhibit file that cannot be used,
    and a filing date before ``as_of``), ConversionError, TemplateError or OutputError (also
    when ``out_dir/<case id>`` holds files this tool did not write); on any error ``out_dir`` is
    left as it was.
    """
    loaded = load_case(case_path)
    case = loaded.case
    source = str(case_path)
    if not case.evidence:
        raise CaseValidationError(source, [("evidence", "a filing packet needs at least one exhibit (证据)")])
    if as_of is not None and as_of != case.claim.as_of and case.claim.amounts == "bank":
        raise CaseValidationError(source, [(
            "--as-of",
            f"the case states the bank's balances as of {case.claim.as_of} (claim.amounts: bank); "
            f"set claim.amounts to engine to compute them to {as_of}",
        )])
    as_of = as_of or case.claim.as_of
    first_draw = min(d.date for loan in case.loans for d in loan.draws)
    if as_of < first_draw:
        raise CaseValidationError(source, [("--as-of", f"{as_of} is before the first draw ({first_draw})")])
    filing_date = filing_date or case.claim.filing_date or as_of
    if filing_date < as_of:
        raise CaseValidationError(source, [(
            "--filing-date", f"{filing_date} is before the date the amounts are stated to ({as_of})"
        )])
    clocks = case_clocks(case, filing_date)
    released = released_guarantees(case, filing_date)
    if released:
        # no claim against a guarantor the deadline engine finds released (保证期间届满未主张权利),
        # unless the case file overrides it with a reason (guarantees[].override_release)
        case = _without_guarantees(case, set(released))
        loaded = LoadedCase(case=case, path=loaded.path, evidence_files=loaded.evidence_files)
    statement, statement_error = _statement(case, as_of)
    totals = claim_totals(case, statement if case.claim.amounts == "engine" else None)
    if case.claim.amounts == "engine" and statement is None:
        raise CaseValidationError(source, [("claim.amounts", f"the amounts cannot be computed: {statement_error}")])
    fee = acceptance_fee(totals, case, filing_date)
    report = progress or (lambda stage, done, total: None)

    out_dir = Path(out_dir)
    final = out_dir / case.case_id
    _check_destination(out_dir, final)
    created_out = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{case.case_id}.partial-", dir=out_dir))
    except OSError as exc:
        if created_out:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise OutputError(f"{out_dir}: cannot write the packet there: {exc.strerror or exc}") from exc
    try:
        with tempfile.TemporaryDirectory(prefix="legaldocs-work-") as work_name:
            work = Path(work_name)
            prepared = prepare_exhibits(loaded, work, report)
            result = _build_into(loaded, prepared, staging, fee, totals, statement, filing_date, templates, report)
        _atomic_write_text(staging / "deadlines.json", json.dumps(
            {"on": filing_date.isoformat(),
             "released_guarantees": {gid: c.as_dict() for gid, c in released.items()},
             "clocks": [c.as_dict() for c in clocks]}, ensure_ascii=False, indent=2))
        _write_manifest_and_zip(loaded, staging, totals, statement, filing_date, fee)
        _publish_modes(staging)
        _replace_folder(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created_out:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    files = tuple(sorted(p.name for p in final.iterdir()))
    return PacketResult(final, files, fee, result["bundle_pages"], result["index_pages"], tuple(result["exhibits"]),
                        tuple(sorted(released)))


def prepare_exhibits(loaded: LoadedCase, work: Path, report: Progress | None = None) -> list[PreparedExhibit]:
    """Convert every exhibit of the case into a PDF in ``work`` (a folder of the caller's).

    Raises CaseValidationError listing every file that cannot be used, by its field path
    (``evidence[i].files[j]: <file>: <reason>``), after trying them all.
    """
    report = report or (lambda stage, done, total: None)
    items = loaded.case.evidence
    prepared: list[PreparedExhibit] = []
    problems: list[tuple[str, str]] = []
    for i, item in enumerate(items, start=1):
        report(f"证据{i} {item.title}", i - 1, len(items) + 4)
        files = loaded.evidence_files[item.id]
        ex_dir = work / f"exhibit-{i:03d}"
        ex_dir.mkdir()
        try:
            prepared.append(prepare_exhibit(i, item.title, files, ex_dir))
        except EvidenceError:
            # find every bad file of this exhibit, not only the first
            for j, path in enumerate(files):
                one = ex_dir / f"file-{j:03d}"
                one.mkdir()
                try:
                    prepare_exhibit(i, item.title, [path], one)
                except EvidenceError as exc:
                    problems.append((f"evidence[{i - 1}].files[{j}]", str(exc)))
            if not any(p.startswith(f"evidence[{i - 1}]") for p, _ in problems):
                raise
    if problems:
        raise CaseValidationError(str(loaded.path), problems)
    return prepared


def _without_guarantees(case, dropped: set[str]):
    """The case without the dropped guarantees, and without parties left with no role."""
    guarantees = [g for g in case.guarantees if g.id not in dropped]
    keep = set(case.borrower_ids()) | {g.guarantor for g in guarantees} | {c.owner for c in case.collateral}
    parties = {pid: p for pid, p in case.parties.items() if pid in keep or any(pid in e.parties for e in case.events)}
    return case.model_copy(update={"guarantees": guarantees, "parties": parties})


def _check_destination(out_dir: Path, final: Path) -> None:
    """Refuse an --out that is a file, and a packet folder holding files this tool did not write."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: is a file, not a folder")
    if not final.exists():
        return
    if not final.is_dir():
        raise OutputError(f"{final}: is a file; the packet needs this name for its folder")
    ours = {"manifest.json", "packet.zip", "packet.zip.sha256"}
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
        ours |= {entry["path"] for entry in manifest["outputs"]}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    foreign = sorted(p.name for p in final.iterdir() if p.name not in ours)
    if foreign:
        raise OutputError(
            f"{final}: holds files this tool did not write ({', '.join(foreign[:5])}); "
            "move them or choose another --out, since the packet folder is replaced whole"
        )


def _publish_modes(staging: Path) -> None:
    """Ordinary permissions for the finished packet (temporary files are created private)."""
    staging.chmod(0o755)
    for path in staging.iterdir():
        path.chmod(0o644)


def _build_into(loaded: LoadedCase, prepared: list[PreparedExhibit], staging: Path, fee: FeeResult,
                totals: ClaimTotals, statement: Statement | None, filing_date: dt.date, templates: Path,
                report: Progress) -> dict:
    case = loaded.case
    items = case.evidence
    steps_total = len(items) + 4
    evidence_no = {item.id: i for i, item in enumerate(items, start=1)}

    report("起诉状、诉讼费用计算表", len(items), steps_total)
    extra = [f"{STATEMENT}（暂计至{date_in_chinese(totals.as_of)}）"] if statement is not None else []
    render_docx(_template("complaint.docx", templates),
                complaint_context(case, filing_date=filing_date, evidence_no=evidence_no, totals=totals,
                                  attachments=extra),
                staging / f"{COMPLAINT}.docx")
    render_docx(_template("fee_sheet.docx", templates), _fee_context(loaded, totals, fee), staging / f"{FEE_SHEET}.docx")
    companions = [staging / f"{COMPLAINT}.docx", staging / f"{FEE_SHEET}.docx"]
    if statement is not None:
        render_docx(_template("statement.docx", templates), statement_context(case, statement, totals),
                    staging / f"{STATEMENT}.docx")
        write_statement_xlsx(statement, staging / f"{STATEMENT}.xlsx")
        companions.append(staging / f"{STATEMENT}.docx")

    report("证据目录", len(items) + 1, steps_total)
    index_pages = 1
    index_docx = staging / f"{INDEX}.docx"
    first_pass = True
    for _ in range(MAX_INDEX_PASSES):
        entries = page_ranges(prepared, index_pages)
        render_docx(_template("evidence_index.docx", templates),
                    _index_context(loaded, entries, filing_date, index_pages), index_docx)
        sources = [index_docx]
        if first_pass:
            sources += companions
        docx_to_pdf(sources, staging)
        first_pass = False
        actual = pdf_page_count(staging / f"{INDEX}.pdf")
        if actual == index_pages:
            break
        index_pages = actual
    else:
        raise LegalDocsError(f"{INDEX}: page count did not settle after {MAX_INDEX_PASSES} passes")

    report("证据材料", len(items) + 2, steps_total)
    bundle = assemble_bundle(staging / f"{INDEX}.pdf", prepared, staging / f"{BUNDLE}.pdf", index_title=INDEX)
    expected = index_pages + sum(p.page_count for p in prepared)
    if bundle.page_count != expected:
        raise LegalDocsError(f"{BUNDLE}.pdf has {bundle.page_count} pages, expected {expected}")
    report("清单与压缩包", len(items) + 3, steps_total)
    exhibits = [
        {"number": e.number, "title": e.title, "first_page": e.first_page, "last_page": e.last_page,
         "pages": e.page_count}
        for e in bundle.entries
    ]
    return {"bundle_pages": bundle.page_count, "index_pages": index_pages, "exhibits": exhibits}


def _write_manifest_and_zip(loaded: LoadedCase, staging: Path, t: ClaimTotals, statement: Statement | None,
                            filing_date: dt.date, fee: FeeResult) -> None:
    case = loaded.case
    as_of = t.as_of
    base = loaded.path.parent
    inputs = [_file_entry(loaded.path, loaded.path.name)]
    for item in case.evidence:
        for name, path in zip(item.files, loaded.evidence_files[item.id]):
            entry = _file_entry(path, name)
            entry["evidence"] = item.id
            inputs.append(entry)
    outputs = [_file_entry(p, p.name) for p in sorted(staging.iterdir()) if p.is_file()]
    manifest = {
        "tool": "legaldocs",
        "version": __version__,
        "case_id": case.case_id,
        "as_of": as_of.isoformat(),
        "filing_date": filing_date.isoformat(),
        "amounts": {
            "principal": str(t.principal),
            "interest": str(t.interest),
            "penalty_interest": str(t.penalty_interest),
            "compound_interest": str(t.compound_interest),
            "costs": str(t.costs),
            "total": str(t.total),
            "currency": t.currency,
            "fee_base_cny": str(t.fee_base),
            "source": t.source,
        },
        "stated_compared": [c.as_dict() for c in compare_stated(case, filing_date=filing_date)],
        "statement_flags": statement.flags if statement is not None else [],
        "differences_from_bank": [d.as_dict() for d in statement.differences] if statement is not None else [],
        "acceptance_fee": fee.as_dict(),
        "inputs_relative_to": str(base),
        "inputs": inputs,
        "outputs": outputs,
    }
    _atomic_write_text(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    zip_path = staging / "packet.zip"
    tmp = staging / ".packet.zip.tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(staging.iterdir()):
            if p.is_file() and not p.name.startswith("."):
                zf.write(p, arcname=f"{case.case_id}/{p.name}")
    os.replace(tmp, zip_path)
    _atomic_write_text(staging / "packet.zip.sha256", f"{_sha256(zip_path)}  packet.zip\n")


def _atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _replace_folder(staging: Path, final: Path) -> None:
    """Move the finished staging folder to ``final``, replacing an earlier packet only then."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    try:
        os.replace(staging, final)
    except OSError as exc:
        if old is not None:
            os.replace(old, final)
        raise OutputError(f"{final}: cannot move the packet into place: {exc.strerror}") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
