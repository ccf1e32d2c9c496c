"""The documents of each stage of the recovery path, listed in one place.

A stage (``suit``: 起诉; ``preservation``: 财产保全; ``enforcement``: 强制执行; ``notices``: 催收) is
an ordered list of document kinds. Each :class:`Document` names its Chinese title (the file name),
its template, the function that builds its variables from a
:class:`~legaldocs.filings.filing.Filing`, and whether the case needs it (no 授权委托书 without an
agent, no 欠款明细表 when the complaint claims the bank's own figures). The first document of a
stage is the filing itself; its 附 list is built from the documents the packet really holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from legaldocs.chinese import amount_in_capitals, date_in_chinese, format_amount, unit
from legaldocs.filings.claimed import CAUSE_OF_ACTION, ordinal
from legaldocs.filings.complaint import complaint_context
from legaldocs.filings.filing import Filing
from legaldocs.i18n import _
from legaldocs.law.rules import rule_in_force

STAGES = ("suit", "preservation", "enforcement", "notices")
STAGE_NAMES = {"suit": "起诉", "preservation": "财产保全", "enforcement": "强制执行", "notices": "催收"}


@dataclass(frozen=True)
class Extras:
    """What a document's variables may need besides the filing: the evidence numbers of the
    证据目录 (``evidence_no``: evidence id -> number), the titles of the documents attached to
    the filing (``attachments``, for its 附 list) and the stage."""

    evidence_no: dict[str, int] = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)
    stage: str = "suit"


def _always(filing: Filing) -> bool:  # noqa: ARG001 - a predicate of the filing
    return True


@dataclass(frozen=True)
class Document:
    """One document kind: ``title`` (file name and the name in 附 lists), ``template`` (.docx file
    name), ``context(filing, extras) -> dict``, ``needed(filing) -> bool``; ``attached``: listed
    in the 附 list of the stage's filing; ``upload``: the name of its upload in online filing, or
    None when it is not uploaded on its own."""

    kind: str
    title: str
    template: str
    context: Callable[[Filing, Extras], dict]
    needed: Callable[[Filing], bool] = _always
    attached: bool = True
    upload: str | None = None
    per_party: bool = False  # one document per addressee (notices): context returns a list of (suffix, context)
    titled: Callable[[Filing], str] | None = None  # the title when the case decides it (负责人 / 法定代表人身份证明书)

    def title_for(self, filing: Filing) -> str:
        """The document's title for ``filing`` (file name, 附 list): ``titled(filing)`` when the
        case decides it, else ``title``."""
        return self.titled(filing) if self.titled is not None else self.title


def halving_note(filed_on) -> str:
    """When the acceptance fee is halved, as the fee schedule of the filing date says."""
    rule = rule_in_force("court_fees", "halving", filed_on)
    return f"{rule['notes']}（{rule['citation']}）"


def fee_sheet_context(filing: Filing, extras: Extras | None = None) -> dict:  # noqa: ARG001
    """Variables of ``fee_sheet.docx``: the 案件受理费 on the amount in dispute with each step and
    its article (诉讼费用交纳办法 arts 13, 15, 16, 55)."""
    case, t, fee = filing.case, filing.totals, filing.fee
    tag = "" if t.currency == "CNY" else f"（{unit(t.currency)}）"
    rows = [(f"借款本金{tag}", t.principal), (f"利息{tag}", t.interest), (f"罚息{tag}", t.penalty_interest),
            (f"复利{tag}", t.compound_interest)]
    rows += [(c.name + ("" if c.currency == "CNY" else f"（{unit(c.currency)}）"), c.amount) for c in case.claim.costs]
    if t.currency != "CNY":
        rows.append((f"折合人民币（{t.exchange_rate_on}汇率{t.exchange_rate}）", t.fee_base))
    places = 0 if fee.rounding == "yuan" else 2
    return {
        "fee_name": fee.name,
        "case_title": filing.case_title,
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


def statement_document_context(filing: Filing, extras: Extras | None = None) -> dict:  # noqa: ARG001
    """Variables of ``statement.docx``: the engine's statement, attached only when it is the
    basis of the amounts claimed (one set of figures in every document)."""
    from legaldocs.money.statement import statement_context

    context = statement_context(filing.case, filing.statement, filing.totals)
    context["case_title"] = filing.case_title
    return context


def _complaint(filing: Filing, extras: Extras) -> dict:
    return complaint_context(filing, evidence_no=extras.evidence_no, attachments=extras.attachments)


REGISTRY: dict[str, Document] = {}


def register(*documents: Document) -> None:
    """Add document kinds to the registry (each filings module registers its own)."""
    for d in documents:
        REGISTRY[d.kind] = d


register(
    Document("complaint", "民事起诉状", "complaint.docx", _complaint, needed=lambda f: f.form == "narrative",
             attached=False, upload="起诉状"),
    Document("statement", "欠款明细表", "statement.docx", statement_document_context,
             needed=lambda f: f.statement_is_basis),
    Document("fee_sheet", "诉讼费用计算表", "fee_sheet.docx", fee_sheet_context, attached=False),
)

# document kinds of each stage, in order; a kind not (yet) registered is skipped
STAGE_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "suit": ("complaint", "complaint_element", "statement", "fee_sheet", "preservation", "representative_certificate",
             "power_of_attorney", "service_address"),
    "preservation": ("preservation", "property_leads", "representative_certificate", "power_of_attorney"),
    "enforcement": ("enforcement", "enforcement_element", "representative_certificate", "power_of_attorney"),
    "notices": ("demand_notice", "guarantee_notice"),
}


def stage_documents(stage: str, filing: Filing) -> list[Document]:
    """The documents ``stage`` needs for ``filing``, in order (the filing itself first).

    Raises ValueError for an unknown stage."""
    if stage not in STAGE_DOCUMENTS:
        raise ValueError(_("unknown stage {stage}; one of {choices}").format(stage=repr(stage), choices=", ".join(STAGE_DOCUMENTS)))
    load_modules()
    return [REGISTRY[k] for k in STAGE_DOCUMENTS[stage] if k in REGISTRY and REGISTRY[k].needed(filing)]


def load_modules() -> None:
    """Import the filings modules that register their documents (they import this module, so
    they are imported here, when the registry is first read)."""
    from legaldocs.filings import applications, element, papers  # noqa: F401 - registering


def evidence_groups(items) -> list[str | None]:
    """The heading of each exhibit's group as the 证据目录 and the bundle's bookmarks show it
    (``第一组　借款合同关系``), or None for an exhibit outside any group, for ``items`` (evidence
    items, in bundle order). Consecutive exhibits of one group share its heading; a group
    met again after other exhibits is a new group."""
    out: list[str | None] = []
    current, count = None, 0
    for item in items:
        if not item.group:
            current = None
            out.append(None)
            continue
        if item.group != current:
            current, count = item.group, count + 1
        out.append(f"第{ordinal(count)}组　{item.group}")
    return out


def _volume(number: int) -> str:
    """``第N册``."""
    return f"第{ordinal(number)}册"


def _rows(entries, items: dict) -> list[dict]:
    in_volumes = any(getattr(e, "volume", 1) > 1 for e in entries)
    headings = evidence_groups([items[e.number] for e in entries])
    rows = []
    shown = None
    for e, heading in zip(entries, headings):
        item = items[e.number]
        if heading is not None and heading != shown:
            rows.append({"number": "", "title": heading, "source": "", "purpose": "", "original": "", "pages": ""})
        shown = heading
        pages = str(e.first_page) if e.first_page == e.last_page else f"{e.first_page}-{e.last_page}"
        rows.append({
            "number": e.number,
            "title": item.title,
            "source": item.source,
            "purpose": item.purpose,
            "original": "原件" if item.original else "复印件",
            "pages": f"{_volume(e.volume)} {pages}" if in_volumes else pages,
        })
    return rows


def _volumes_note(entries, first_page: int, index_pages: int) -> str:
    """``证据材料分三册：第一册第1-80页，第二册……`` when the bundle is in volumes, else empty."""
    count = max((getattr(e, "volume", 1) for e in entries), default=1)
    if count <= 1:
        return ""
    parts = []
    for number in range(1, count + 1):
        mine = [e for e in entries if e.volume == number]
        start = first_page if number == 1 else mine[0].first_page
        end = mine[-1].last_page if mine else first_page + index_pages - 1
        parts.append(f"{_volume(number)}第{start}-{end}页")
    return f"证据材料分{ordinal(count)}册：{'，'.join(parts)}。"


def evidence_index_context(filing: Filing, entries, index_pages: int, *, items: dict | None = None) -> dict:
    """Variables of ``evidence_index.docx`` (证据目录, 民事诉讼证据规定 art 19): one row per exhibit
    with its page range in the bundle (``entries``: objects with number, first_page, last_page,
    page_count and, when the bundle is split, volume), grouped (:func:`evidence_groups`); the
    exhibits are the filing's (role words already follow the resolved parties), exhibit ``n``
    being the ``n``-th evidence item unless ``items`` (number -> evidence item) says otherwise.
    ``volumes``: which pages each volume holds, when the bundle is in volumes (empty otherwise)."""
    case = filing.case
    items = items or {i + 1: item for i, item in enumerate(case.evidence)}
    total = index_pages + sum(e.page_count for e in entries)
    return {
        "cause": CAUSE_OF_ACTION,
        "plaintiff_name": case.creditor.name,
        "defendant_names": filing.defendant_names,
        "filing_date_cn": date_in_chinese(filing.filing_date),
        "exhibits": _rows(entries, items),
        "exhibit_count": len(entries),
        "total_pages": total,
        "index_pages": index_pages,
        "volumes": _volumes_note(entries, 1, index_pages),
    }


def supplementary_index_context(filing: Filing, entries, index_pages: int, *, items: dict, first_page: int,
                                supplement: int, filed_on) -> dict:
    """Variables of ``supplementary_index.docx`` (补充证据目录): as :func:`evidence_index_context`,
    for evidence added after a bundle was filed (on ``filed_on``). The exhibits (``items``:
    number -> evidence item) continue the numbers, and the pages (the first, this index's, is
    ``first_page``) continue the pages, of what was filed before; ``supplement``: this is the
    n-th supplement (补充证据材料（一）, （二）...)."""
    context = evidence_index_context(filing, entries, index_pages, items=items)
    total = context["total_pages"]
    context.update(
        volumes=_volumes_note(entries, first_page, index_pages).replace("证据材料分", "本次补充证据材料分"),
        supplement=ordinal(supplement),
        filed_date_cn=date_in_chinese(filed_on),
        first_number=entries[0].number,
        last_number=entries[-1].number,
        first_page=first_page,
        last_page=first_page + total - 1,
    )
    return context


def required_texts(filing: Filing, document: Document, suffix: str = "") -> list[str]:
    """What the document ``document`` (for the addressee ``suffix`` of a notice) must state, read
    back by the consistency check: the parties it is about, the figures it rests on, the court and
    the case number. A document edited after building, or a template that drops one of them, is
    caught by :mod:`legaldocs.documents.consistency`."""
    from legaldocs.filings import applications

    case, t, kind = filing.case, filing.totals, document.kind
    out: list[str] = []
    if kind in ("complaint", "complaint_element"):
        out += [d.name for d in filing.defendants]
        out += [format_amount(t.principal), format_amount(t.total)]
        if kind == "complaint":  # the element-style form has no 此致 line
            out.append(case.court)
    elif kind == "statement":
        out.append(format_amount(t.principal))
    elif kind == "fee_sheet":
        out += [case.court, format_amount(t.fee_base)]
    elif kind == "preservation":
        out += [d.name for d in applications.preservation_respondents(filing)] + [case.court]
    elif kind in ("enforcement", "enforcement_element") and case.judgment is not None:
        out += [d.name for d in applications.enforcement_respondents(filing)]
        out += [case.judgment.case_number, format_amount(case.judgment.principal), case.court]
    elif kind == "demand_notice":
        out.append(format_amount(t.principal))
    if kind in ("demand_notice", "guarantee_notice") and suffix:
        out.append(suffix.rstrip("…"))
    if kind in ("power_of_attorney", "representative_certificate", "service_address"):
        out.append(case.creditor.name)
    return list(dict.fromkeys(x for x in out if x))
