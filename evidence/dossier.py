"""The write-off dossier (呆账核销申报材料): one case file in, a folder for the write-off committee out.

    legaldocs writeoff CASE --criterion 7 --as-of 2025-09-30 --out DIR

``DIR/<case id>-writeoff/`` holds, built from one resolved :class:`legaldocs.dossier.facts.Dossier`:

- 呆账核销申报审批表 (.docx, .pdf): identity, contracts and security, balances by component on
  the write-off date, classification history and allowances, days past due, the criterion with
  each fact and its proof, recoveries and the residue proposed (figures and 大写), the approval
  chain to sign;
- 呆账核销调查报告 (.docx, .pdf): cause, remedies, the pursuit of the borrower and of each
  guarantor and mortgagor, collateral, litigation and enforcement per obligor, asset searches,
  why now, residue, the tax pack, staff, responsibility;
- 追索记录 (.docx, .pdf): every pursuit record, with counts and spans per obligor;
- 核销清单.xlsx: the components per loan (本金, 表内利息, 表外利息, fees), the interest by kind on and
  off balance, the recoveries by source and by component;
- 核销证据目录 (.docx, .pdf) and 核销证据材料.pdf: the case's evidence bound by the packet's bundle
  code (:func:`evidence.assemble_bundle`: bookmarked, every page numbered, each exhibit labelled,
  each row of the index linked to its exhibit);
- 核销检查结果.json: the eligibility check, the residue and the tax pack as data;
  草稿说明.md when the dossier is a draft;
- ``manifest.json`` (every input and output with SHA-256 and size, ``status`` final or draft
  with the reasons), ``packet.zip`` and ``packet.zip.sha256`` (``legaldocs verify`` checks the
  folder as it checks a packet).

A dossier with a requirement missing (a guarantor not pursued, a ruling without its evidence,
a part of the investigation report left empty) or relying on a rule value marked unverified
whose confirmation is not recorded (``write_off.confirmations``) is built only as a draft: each
document's first page says 草稿 and why, the manifest's ``status`` is ``draft`` and
:attr:`DossierResult.final` is False (the command exits with :data:`EXIT_DRAFT`).

The packet's safety conventions hold: built in a staging folder and moved into place complete
(a failure leaves ``DIR`` as it was), locked while the run lives, debris of dead runs cleared,
templates rendered through :mod:`legaldocs.documents.render` (case text is never template code),
exhibits decoded in worker processes within a budget, no clock read (dated by the write-off date).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from legaldocs import __version__, runs
from legaldocs.case.load import load_case
from legaldocs.chinese import date_in_chinese, format_amount
from legaldocs.documents.consistency import docx_paragraphs
from legaldocs.documents.office import OfficeSession, office_session
from legaldocs.documents.render import DocumentProperties, render_docx
from legaldocs.documents.reproducible import file_entry
from legaldocs.documents.templates import template_folder, template_path
from legaldocs.documents.xlsx import Sheet, write_tables_xlsx
from legaldocs.dossier.contexts import application_context, index_context, pursuits_context, report_context
from legaldocs.dossier.facts import Dossier, build_dossier
from legaldocs.filings.stages import evidence_groups
from legaldocs.errors import CaseValidationError, LegalDocsError
from legaldocs.i18n import _
from legaldocs.money.components import COMPONENT_NAMES
from legaldocs.portfolio.writeoff import criteria_lines, criterion_row

from evidence import assemble_bundle, page_ranges, pdf_page_count
from evidence import packet as packets
from evidence.worker import DecodeBudget

__all__ = ["DOCUMENTS", "EXIT_DRAFT", "DossierResult", "build_writeoff_dossier"]

#: exit status of ``legaldocs writeoff`` when the dossier could only be built as a draft
EXIT_DRAFT = 3

#: the documents of the dossier: (title = file name, template, context function)
DOCUMENTS = (
    ("呆账核销申报审批表", "writeoff_application.docx", application_context),
    ("呆账核销调查报告", "writeoff_report.docx", report_context),
    ("追索记录", "writeoff_pursuits.docx", pursuits_context),
)
INDEX = "核销证据目录"
BUNDLE = "核销证据材料"
LIST = "核销清单.xlsx"
CHECK = "核销检查结果.json"
DRAFT_NOTE = "草稿说明.md"
SUFFIX = "-writeoff"


@dataclass(frozen=True)
class DossierResult:
    """What :func:`build_writeoff_dossier` wrote: the ``folder`` (``DIR/<case id>-writeoff``), its
    ``files``, whether the dossier is ``final`` (else a draft, for ``draft_reasons``), the
    resolved ``dossier``, the pages of 核销证据材料.pdf (0 without evidence) and of its index, and
    each exhibit's place in it."""

    folder: Path
    files: tuple[str, ...]
    final: bool
    draft_reasons: tuple[str, ...]
    dossier: Dossier
    bundle_pages: int = 0
    index_pages: int = 0
    exhibits: tuple[dict, ...] = field(default_factory=tuple)


def build_writeoff_dossier(
    case_path: Path | str,
    out_dir: Path | str,
    *,
    criterion: str | None = None,
    as_of: dt.date | None = None,
    templates: Path | None = None,
    progress: packets.Progress | None = None,
    office: OfficeSession | None = None,
    budget: DecodeBudget | None = None,
) -> DossierResult:
    """Build the write-off dossier of the case file ``case_path`` into ``out_dir/<case id>-writeoff/``.

    ``criterion``: the Annex 1 item of 财金〔2017〕90号 relied on (default ``write_off.criterion``);
    ``as_of``: the write-off date the balances are stated at (default ``write_off.written_off_on``,
    else ``write_off.proposed_on``); ``templates``: a bank's own template folder (templates it
    lacks are the built-in ones); ``office``: a LibreOffice kept running; ``budget``: what
    decoding each exhibit may cost. See the module's description for what is written.

    Raises CaseValidationError (nothing written) for an invalid case file, an exhibit file that
    cannot be used, no criterion or date, or an unknown criterion (listing the valid ones);
    ConversionError, TemplateError, OutputError (also when the folder holds files this tool did
    not write) or LegalDocsError as the packet; on any error ``out_dir`` is left as it was.
    """
    templates = template_folder(templates)
    loaded = load_case(case_path)
    case, source = loaded.case, str(case_path)
    wo = case.write_off
    criterion = criterion or (wo.criterion if wo else None)
    as_of = as_of or (wo.written_off_on or wo.proposed_on if wo else None)
    problems = []
    if not criterion:
        problems.append(("--criterion", _("give the write-off criterion (--criterion ITEM), or write_off.criterion "
                                          "in the case file; the criteria of 财金〔2017〕90号 Annex 1 in force: "
                                          "{criteria}").format(criteria="；".join(" ".join(line.split(None, 1))
                                                                     for line in criteria_lines(as_of)))))
    if as_of is None:
        problems.append(("--as-of", _("give the write-off date, or write_off.proposed_on in the case file")))
    if problems:
        raise CaseValidationError(source, problems)
    try:
        criterion_row(criterion, as_of)
    except LegalDocsError as exc:
        raise CaseValidationError(source, [("--criterion", str(exc))]) from exc
    first_draw = min(d.date for loan in case.loans for d in loan.draws)
    if as_of < first_draw:
        raise CaseValidationError(source, [("--as-of", _("{date} is before the first draw ({first})").format(
            date=as_of, first=first_draw))])
    dossier = build_dossier(case, criterion, as_of)
    report = progress or (lambda stage, done, total: None)
    steps = len(dossier.case.evidence) + 4

    out_dir = Path(out_dir)
    final = out_dir / f"{case.case_id}{SUFFIX}"
    with packets.staged(out_dir, final, case.case_id) as staging:
        bundle = None
        reported_fonts: set[str] = set()
        with (runs.folder(Path(tempfile.gettempdir()), "legaldocs-work-") as work,
              nullcontext(office) if office is not None else office_session() as office):
            documents = _render_documents(dossier, staging, templates, report, steps)
            _write_list(dossier, staging / LIST)
            if dossier.case.evidence:
                prepared = packets.prepare_exhibits(loaded, work, report, office, budget=budget,
                                                    numbers=dict(dossier.numbers))
                reported_fonts = packets._reported_fonts(prepared)  # while the exhibits' PDFs exist
                report(INDEX, steps - 2, steps)
                bundle = _index_and_bundle(dossier, prepared, staging, templates, office, documents)
            else:
                packets._to_pdf(office, documents, staging, as_of)
        report(_("manifest and zip"), steps - 1, steps)
        _check_documents(dossier, staging, [d.stem for d in documents] + ([INDEX] if bundle else []))
        packets._check_fonts_embedded(staging, reported_fonts)
        exhibits = packets._bundle_exhibits(bundle) if bundle else []
        _write_check(dossier, staging)
        if not dossier.final:
            packets._atomic_write_text(staging / DRAFT_NOTE, _draft_note(dossier))
        _write_manifest_and_zip(loaded, dossier, staging, exhibits,
                                packets._bundle_record(bundle, staging) if bundle else None)
    return DossierResult(
        folder=final, files=tuple(sorted(p.name for p in final.iterdir())), final=dossier.final,
        draft_reasons=tuple(dossier.draft_reasons), dossier=dossier,
        bundle_pages=bundle.page_count if bundle else 0, index_pages=bundle.index_pages if bundle else 0,
        exhibits=tuple(exhibits))


def _render_documents(dossier: Dossier, staging: Path, templates: Path, report, steps: int) -> list[Path]:
    """The dossier's Word documents, each from its template and context."""
    out = []
    report("、".join(title for title, _t, _c in DOCUMENTS), 0, steps)
    for title, template, context in DOCUMENTS:
        path = staging / f"{title}.docx"
        render_docx(template_path(template, templates), context(dossier), path,
                    DocumentProperties(author=dossier.bank, title=title, date=dossier.as_of), audience="internal")
        out.append(path)
    return out


def _index_and_bundle(dossier: Dossier, prepared, staging: Path, templates: Path, office: OfficeSession | None,
                      documents: list[Path]):
    """Render 核销证据目录 until its page count settles (the exhibits' page numbers follow it),
    converting the dossier's ``documents`` with the first pass, then bind 核销证据材料.pdf: the
    index, then every exhibit, bookmarked (under its group's heading), numbered and labelled, as
    the packet's bundle (:func:`evidence.assemble_bundle`). Returns its BundleResult."""
    index_docx, index_pdf = staging / f"{INDEX}.docx", staging / f"{INDEX}.pdf"
    items = {dossier.numbers[item.id]: item for item in dossier.case.evidence}
    groups = evidence_groups([items[p.number] for p in prepared])
    index_pages, sources = 1, list(documents)
    for _pass in range(packets.MAX_INDEX_PASSES):
        entries = page_ranges(prepared, index_pages)
        render_docx(template_path("writeoff_index.docx", templates), index_context(dossier, entries, index_pages),
                    index_docx, DocumentProperties(author=dossier.bank, title=INDEX, date=dossier.as_of),
                    audience="internal")
        packets._to_pdf(office, [index_docx, *sources], staging, dossier.as_of)
        sources = []
        actual = pdf_page_count(index_pdf)
        if actual == index_pages:
            break
        index_pages = actual
    else:
        raise LegalDocsError(_("{document}: page count did not settle after {passes} passes").format(
            document=INDEX, passes=packets.MAX_INDEX_PASSES))
    bundle = assemble_bundle(index_pdf, prepared, staging / f"{BUNDLE}.pdf", index_title=INDEX, groups=groups,
                             title=BUNDLE)
    expected = index_pages + sum(p.page_count for p in prepared)
    if bundle.page_count != expected:
        raise LegalDocsError(_("{document} has {pages} pages, expected {expected}").format(
            document=bundle.path.name, pages=bundle.page_count, expected=expected))
    return bundle


def _check_documents(dossier: Dossier, staging: Path, names: list[str]) -> None:
    """Read every document back: each names the borrower and the bank, the forms state the
    residue proposed, the report and the record name every obligor, and a draft says 草稿 before
    anything else (a final dossier nowhere). Raises LegalDocsError naming the document and what
    it lacks (a template edited so that it drops them)."""
    total = format_amount(dossier.residue_total)
    names_of_obligors = [o.name for o in dossier.eligibility.obligors]
    problems = []
    for name in names:
        paragraphs = docx_paragraphs(staging / f"{name}.docx")
        text = "\n".join(paragraphs)
        needed = [dossier.bank, dossier.borrower_name]
        if name in ("呆账核销申报审批表", "呆账核销调查报告"):
            needed.append(total)
        if name in ("呆账核销调查报告", "追索记录"):
            needed += names_of_obligors
        problems += [f"{name}：{_('does not state {value}').format(value=v)}" for v in needed if v not in text]
        opening = "".join(p for p in paragraphs[:3])
        if not dossier.final and "草" not in opening:
            problems.append(f"{name}：{_('is a draft, but its first page does not say 草稿')}")
        if dossier.final and "草　稿" in opening:  # the banner, not a word quoted from the case (a cause may quote 草稿)
            problems.append(f"{name}：{_('is final, but says 草稿')}")
    if problems:
        raise LegalDocsError(_("the documents disagree: {problems}").format(problems=_("; ").join(problems)))


def _write_list(dossier: Dossier, out: Path) -> None:
    """核销清单.xlsx: 核销清单 (one row per loan: 本金, 表内利息, 表外利息, fees, total), 利息构成 (each
    kind of interest on and off balance), 受偿明细 (each recovery with its source and how it was
    applied), 剩余债权 (the residue proposed, by component)."""
    case, c = dossier.case, dossier.components
    borrower = dossier.borrower_name
    loans = {loan.id: loan for loan in case.loans}

    def receipts(loan_id) -> str:  # the 借据 numbers of a loan, else the engine's label
        loan = loans.get(loan_id)
        numbers = [d.receipt_number for d in loan.draws if d.receipt_number] if loan else []
        return "、".join(numbers) or next((x.label for x in c.loans if x.loan == loan_id), str(loan_id))

    def payer(r) -> str:  # who paid: the party named, else the loan's borrowers
        if r.party in case.parties:
            return case.parties[r.party].name
        loan = loans.get(r.loan)
        return "、".join(case.parties[b].name for b in loan.borrowers) if loan else borrower

    rows = []
    for x in c.loans:
        loan = loans[x.loan]
        rows.append([borrower, loan.number, receipts(x.loan), c.currency, x.principal, x.interest_on_balance,
                     x.interest_off_balance, Decimal(0), x.total, x.overdue_since, dossier.criterion])
    if c.fees:
        rows.append([borrower, "费用", "", c.currency, Decimal(0), Decimal(0), Decimal(0), c.fees, c.fees, None,
                     dossier.criterion])
    rows.append(["合计", "", "", c.currency, c.principal, c.interest_on_balance, c.interest_off_balance, c.fees, c.total,
                 None, ""])
    kinds = []
    for x in c.loans:
        for kind, (on, off) in x.by_kind.items():
            kinds.append([receipts(x.loan), COMPONENT_NAMES.get(kind, kind), on, off, on + off])
    recovered = []
    for r in c.recoveries:
        parts = "；".join(f"{COMPONENT_NAMES.get(k, k)}{format_amount(a)}" for k, a in r.parts)
        if r.unapplied > 0:  # more than was owed: said, never dropped
            parts += ("；" if parts else "") + f"超出所欠债务未予抵充{format_amount(r.unapplied)}"
        recovered.append([r.date, loans[r.loan].number if r.loan in loans else r.loan, r.source_name, payer(r),
                          r.amount, r.principal, r.interest, parts, "核销后" if r.after else "核销前"])
    residue = [[name, amount] for name, amount in dossier.residue_components()]
    residue.append(["合计", dossier.residue_total])
    title = f"核销清单（{case.creditor.name}，核销基准日{date_in_chinese(dossier.as_of)}）"
    sheets = [
        Sheet("核销清单", ["借款人", "合同编号", "借据", "币种", "本金", "表内利息", "表外利息", "费用", "合计", "逾期起始日",
                        "认定条件"], rows, (26, 20, 16, 6, 15, 13, 13, 11, 15, 12, 9), frozenset({4, 5, 6, 7, 8}), title),
        Sheet("利息构成", ["借据", "类别", "表内", "表外", "合计"], kinds, (16, 8, 14, 14, 14), frozenset({2, 3, 4})),
        Sheet("受偿明细", ["日期", "借款合同", "来源", "付款人", "金额", "其中本金", "其中利息", "抵充明细", "核销前后"], recovered,
              (12, 20, 16, 26, 15, 15, 13, 40, 9), frozenset({4, 5, 6})),
        Sheet("剩余债权", ["项目", "金额"], residue, (14, 16), frozenset({1})),
    ]
    write_tables_xlsx(sheets, out, title="核销清单", date=dossier.as_of)


def _check_record(dossier: Dossier) -> dict:
    """The eligibility check, the residue and the tax pack, as data (no clock time)."""
    e = dossier.eligibility
    return {
        "criterion": e.criterion, "title": e.title, "rule": {"id": e.rule["id"], "citation": e.rule.get("citation"),
                                                             "status": e.rule.get("status")},
        "as_of": dossier.as_of.isoformat(), "status": "final" if dossier.final else "draft",
        "draft_reasons": list(dossier.draft_reasons), "met": e.met,
        "requirements": [{"key": r.key, "text": r.text, "kind": r.kind, "met": r.met, "proof": list(r.proof),
                          "exhibits": [dossier.numbers[p] for p in r.proof if p in dossier.numbers],
                          "missing": r.missing, "rule": r.rule_id} for r in e.requirements],
        "obligors": [{"party": o.party, "name": o.name, "role": o.role, "first": o.first.isoformat() if o.first else None,
                      "last": o.last.isoformat() if o.last else None, "count": o.count, "days": o.days,
                      "satisfied": o.satisfied, "note": o.note,
                      "rulings": [{"date": r.date.isoformat(), "kind": r.kind.value, "case_number": r.case_number}
                                  for r in o.rulings]} for o in e.obligors],
        "unverified": [{"id": r["id"], "citation": r.get("citation"), "confirmed": any(c.rule == r["id"] for c in e.confirmed)}
                       for r in e.unverified],
        "confirmations": [{"rule": c.rule, "by": c.by, "date": c.date.isoformat(), "note": c.note} for c in e.confirmed],
        "rules": [{"id": r["id"], "citation": r.get("citation"), "status": r.get("status")}
                  for r in [*getattr(e, "rules", []), *getattr(dossier.tax, "rules", [])]],
        "residue": dossier.residue.as_dict() if hasattr(dossier.residue, "as_dict") else None,
        "tax": dossier.tax.as_dict() if hasattr(dossier.tax, "as_dict") else None,
    }


def _write_check(dossier: Dossier, staging: Path) -> None:
    packets._atomic_write_text(staging / CHECK, json.dumps(_check_record(dossier), ensure_ascii=False, indent=2,
                                                            default=str))


def _draft_note(dossier: Dossier) -> str:
    """草稿说明.md: why the dossier is a draft and what to do."""
    lines = [f"# 草稿：{dossier.case.case_id} 呆账核销申报材料", "",
             f"核销基准日：{date_in_chinese(dossier.as_of)}；认定条件：财金〔2017〕90号附件1第{dossier.criterion}项。", "",
             "本文件夹中的材料为草稿，不得作为正式核销材料报批。原因：", ""]
    lines += [f"{i}. {r}" for i, r in enumerate(dossier.draft_reasons, start=1)]
    lines += ["", "补齐缺失的事实、证据或追索记录，或由有权人员核实待核实的规则值后在案件档案 write_off.confirmations 中记录"
              "（rule、by、date、note；确认日期不得晚于核销基准日），再重新生成。", ""]
    if dossier.left_out:
        lines += [f"案件档案中晚于核销基准日的下列记录未写入本材料（共{len(dossier.left_out)}项）：", ""]
        lines += [f"- {x}" for x in dossier.left_out] + [""]
    return "\n".join(lines)


def _write_manifest_and_zip(loaded, dossier: Dossier, staging: Path, exhibits: list[dict], bundle: dict | None) -> None:
    """``manifest.json`` (inputs, exhibits, outputs with SHA-256 and size; the status, final or
    draft with its reasons; the residue), then ``packet.zip`` and ``packet.zip.sha256``."""
    case = loaded.case
    inputs = [{**file_entry(loaded.path, loaded.path.name), "role": "case"}]
    for item in dossier.case.evidence:  # the items of the case as of the dossier's date
        for name, path in zip(item.files, loaded.evidence_files[item.id]):
            inputs.append({**file_entry(path, name), "evidence": item.id, "exhibit": dossier.numbers[item.id]})
    by_number = {n: item_id for item_id, n in dossier.numbers.items()}
    files = packets._packet_files(staging)
    manifest = {
        "tool": "legaldocs",
        "version": __version__,
        "case_id": case.case_id,
        "stage": "writeoff",
        "status": "final" if dossier.final else "draft",
        "draft_reasons": list(dossier.draft_reasons),
        "left_out": list(dossier.left_out),
        "criterion": dossier.criterion,
        "as_of": dossier.as_of.isoformat(),
        "filing_date": dossier.as_of.isoformat(),
        "residue": {name: str(amount) for name, amount in dossier.residue_components()}
        | {"合计": str(dossier.residue_total)},
        "bundle": bundle,
        "exhibits": [{**e, "evidence": by_number[e["number"]]} for e in exhibits],
        "inputs_relative_to": str(loaded.path.parent.resolve()),
        "inputs": inputs,
        "outputs": [file_entry(staging / name, name) for name in files],
    }
    packets.seal_folder(staging, manifest, files, case.case_id, dossier.as_of)
