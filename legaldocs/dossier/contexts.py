"""The variables of the write-off dossier's documents (templates/writeoff_*.docx), built from one
:class:`~legaldocs.dossier.facts.Dossier`, so that every document states the same parties,
figures, dates and exhibits. Their names and types are declared in templates/catalogue.toml.

- :func:`application_context`: 呆账核销申报审批表 (writeoff.md §6 A);
- :func:`report_context`: 呆账核销调查报告 (§6 B);
- :func:`pursuits_context`: 追索记录 (§6 D);
- :func:`index_context`: 核销证据目录, with each exhibit's pages in 核销证据材料.pdf.

Every one opens with the draft block: ``draft`` and ``draft_reasons`` (Chinese), so that a
draft says so, and why, on its first page. Amounts are written to the 分 with thousands
separators (and in 大写 where the form uses it); dates in Chinese (2025年9月30日).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from legaldocs.case.model import Case, EventKind, NaturalPerson, Organization
from legaldocs.chinese import amount_in_capitals, date_in_chinese, format_amount, percent
from legaldocs.dossier.facts import Dossier

__all__ = ["application_context", "index_context", "pursuits_context", "report_context", "APPROVALS"]

#: the review and approval steps of the form, each a line to sign (writeoff.md §6 A item 7)
APPROVALS = ["经办人", "经办机构负责人", "资产保全部门审查", "风险管理部门审查", "财务会计部门审核", "核销审议会议（集体审议）",
             "有权审批人"]

# events shown in the litigation, enforcement and bankruptcy summary of each obligor
_LITIGATION = (
    EventKind.suit_filed, EventKind.preservation_applied, EventKind.preservation_ruling, EventKind.judgment_served,
    EventKind.judgment_effective, EventKind.enforcement_applied, EventKind.seizure, EventKind.enforcement_ended_this_round,
    EventKind.enforcement_terminated, EventKind.enforcement_suspended, EventKind.bankruptcy_accepted,
    EventKind.bankruptcy_claim_filed, EventKind.bankruptcy_declared, EventKind.bankruptcy_ended,
    EventKind.reorganization_approved, EventKind.settlement_approved, EventKind.set_off, EventKind.claim_rejected,
    EventKind.suit_dismissed, EventKind.suit_withdrawn, EventKind.criminal_judgment,
)
# what happened to an obligor itself (its current state, for the form)
_STATE = (
    EventKind.enforcement_ended_this_round, EventKind.enforcement_terminated, EventKind.enforcement_suspended,
    EventKind.bankruptcy_accepted, EventKind.bankruptcy_declared, EventKind.bankruptcy_ended, EventKind.deregistered,
    EventKind.licence_revoked, EventKind.business_stopped, EventKind.annual_reports_missing, EventKind.death,
    EventKind.declared_missing, EventKind.declared_dead, EventKind.incapacity, EventKind.criminal_judgment,
)
_LOAN_TYPES = {"corporate": "对公贷款", "personal_business": "个人经营性贷款", "personal_consumer": "个人消费贷款"}
_STATUS = {"verified": "已核实", "secondary": "来源为二手资料", "unverified": "待核实"}


def _d(day: dt.date | None) -> str:
    return date_in_chinese(day) if day else ""


def _m(amount: Decimal) -> str:
    return format_amount(Decimal(amount))


def _draft(dossier: Dossier) -> dict:
    return {"draft": not dossier.final, "draft_reasons": list(dossier.draft_reasons)}


def _role(dossier: Dossier, party: str) -> str:
    for o in dossier.eligibility.obligors:
        if o.party == party:
            return o.role
    return "债务人"


def _name(case: Case, party: str | None) -> str:
    if party is None:
        return "、".join(case.parties[p].name for p in dict.fromkeys(b for loan in case.loans for b in loan.borrowers))
    return case.parties[party].name if party in case.parties else party


def _events_of(case: Case, party: str, kinds) -> list:
    return sorted((e for e in case.events if e.kind in kinds and party in e.parties), key=lambda e: e.date)


def _event_line(dossier: Dossier, event) -> str:
    """``2025年3月20日　终结本次执行程序（（2024）浙0602执1234号）：说明（证据6）``."""
    case = dossier.case
    text = f"{_d(event.date)}，{event.kind.value}"
    if event.case_number:
        text += f"，案号{event.case_number}"
    if event.kind == EventKind.suit_filed:
        text += f"，受理法院{case.court}"
    if event.property:
        text += f"：{event.property}"
    if event.note:
        text += f"；{event.note}"
    if event.evidence:
        text += f"（{dossier.exhibits(event.evidence)}）"
    return text + "。"


def _recovery_rows(dossier: Dossier) -> list[dict]:
    return [{"date": _d(r.date), "source": r.source_name, "party": _name(dossier.case, r.party), "amount": _m(r.amount)}
            for r in dossier.components.recoveries if r.source != "borrower" or r.party is not None
            or r.parts and any(c == "principal" for c, _a in r.parts)]


def _recoveries_total(dossier: Dossier) -> Decimal:
    return sum((Decimal(0),) + tuple(r.amount for r in dossier.components.recoveries
                                     if r.source != "borrower" or r.party is not None
                                     or r.parts and any(c == "principal" for c, _a in r.parts)))


def _residue(dossier: Dossier) -> dict:
    rows = [{"name": name, "amount": _m(amount)} for name, amount in dossier.residue_components()]
    total = dossier.residue_total
    rows.append({"name": "合计", "amount": _m(total)})
    return {"residue": rows, "residue_total": _m(total), "residue_capitals": "人民币" + amount_in_capitals(total)}


def _overdue(dossier: Dossier) -> str:
    since = [x.overdue_since for x in dossier.components.loans if x.overdue_since]
    if not since:
        return f"截至{_d(dossier.as_of)}未逾期"
    first = min(since)
    return f"自{_d(first)}起逾期（最早未还款日），至{_d(dossier.as_of)}逾期{(dossier.as_of - first).days}天"


def _identity(case: Case, party: str) -> tuple[str, str]:
    """(label, number) of a party's identity: 身份证号码, 统一社会信用代码 or the older numbers."""
    p = case.parties[party]
    if isinstance(p, NaturalPerson):
        return "身份证号码", p.id_number
    lines = p.identifier_lines()
    if len(lines) == 1:
        label, _sep, value = lines[0].partition("：")
        return label, value
    return "注册号及组织机构代码", "；".join(line.partition("：")[2] for line in lines)


def _state(dossier: Dossier, party: str) -> str:
    events = _events_of(dossier.case, party, _STATE)
    if not events:
        return "无终本、破产、吊销等事件记载"
    return "；".join(f"{_d(e.date)}{e.kind.value}" + (f"（{e.case_number}）" if e.case_number else "") for e in events)


def _criterion(dossier: Dossier) -> tuple[str, str]:
    e = dossier.eligibility
    rule = e.rule or {}
    citation = rule.get("citation") or f"财金〔2017〕90号附件1第{e.criterion}项"
    title = f"{citation}：{e.title}"
    source = f"规则{rule.get('id', '')}，{_STATUS.get(rule.get('status', ''), '核实状态未载明')}"
    confirmed = [c for c in e.confirmed if c.rule == rule.get("id")]
    if confirmed:
        source += "；" + "；".join(f"已由{c.by}于{_d(c.date)}确认" + (f"（{c.note}）" if c.note else "") for c in confirmed)
    elif rule.get("status") == "unverified":
        source += "，尚未经确认"
    return title, source


def _facts(dossier: Dossier) -> list[dict]:
    """One row per requirement; the obligors' rows of a shared condition (item 7: each obligor's
    ruling) come after one row stating the condition, each then short (``保证人周志强：已被裁定…``)."""
    out = []
    requirements = dossier.eligibility.requirements
    shown = None
    for r in requirements:
        condition = getattr(r, "condition", None)
        if condition and condition != shown:
            group = [x for x in requirements if getattr(x, "condition", None) == condition]
            out.append({"number": len(out) + 1, "text": f"{condition}（逐一列明如下）",
                        "status": "已具备" if all(x.met for x in group) else "缺失", "proof": "见下列各项"})
        shown = condition
        i = len(out) + 1
        if r.met:
            proof = dossier.exhibits(r.proof) or "—"
            status = "已具备"
        else:
            proof = r.missing or "缺少证明"
            if r.proof:
                proof = f"{proof}（已有：{dossier.exhibits(r.proof)}）"
            status = "缺失"
        out.append({"number": i, "text": r.text, "status": status, "proof": proof})
    return out


def application_context(dossier: Dossier) -> dict:
    """Variables of ``writeoff_application.docx`` (呆账核销申报审批表, writeoff.md §6 A): the
    borrower's identity and state, the contracts and security, the balances by component on the
    write-off date (本金, 表内利息, 表外利息, 费用), the classes booked and the allowances, the
    days past due, the criterion with each fact and its proof, the recoveries and the residue
    proposed for write-off (figures and 大写), the approval chain to sign."""
    case, c = dossier.case, dossier.components
    first = dossier.borrowers[0]
    borrower = case.parties[first]
    id_label, id_number = _identity(case, first)
    wo = case.write_off
    kind = _LOAN_TYPES.get(wo.loan_type, "") if wo and wo.loan_type else ""
    kind = kind or ("对公贷款" if isinstance(borrower, Organization) else "个人贷款")
    loans = [{"number": loan.number, "receipt": d.receipt_number or "", "drawn": _d(d.date), "maturity": _d(d.maturity),
              "amount": _m(d.amount), "rate": percent(loan.annual_rate)}
             for loan in case.loans for d in loan.draws]
    securities = [{"kind": g.kind.value, "number": g.number, "provider": _name(case, g.guarantor),
                   "terms": "；".join(x for x in (g.period or "", f"最高额{_m(g.maximum_amount)}元" if g.maximum_amount else "") if x)
                   or g.scope}
                  for g in case.guarantees]
    securities += [{"kind": "抵押" if m.kind == "mortgage" else "质押", "number": m.contract_number,
                    "provider": _name(case, m.owner),
                    "terms": m.description + (f"（{m.certificate_number}，{_d(m.registered_on)}登记）" if m.certificate_number
                                              and m.registered_on else "")}
                   for m in case.collateral]
    on, off = c.interest_on_balance, c.interest_off_balance
    boundary = [x.off_balance_from for x in c.loans if x.off_balance_from]
    balances = [
        {"name": "本金", "amount": _m(c.principal), "note": "逾期本金及未到期本金"},
        {"name": "表内利息", "amount": _m(on), "note": "利息、罚息、复利中计入表内的部分"},
        {"name": "表外利息", "amount": _m(off),
         "note": f"自{_d(min(boundary))}起计提的部分（逾期超过九十天后）" if boundary else "无"},
        {"name": "费用", "amount": _m(c.fees), "note": "、".join(n for n, _a, _e in c.fees_items) or "无"},
        {"name": "合计", "amount": _m(c.total), "note": ""},
    ]
    history = sorted(case.risk.history, key=lambda h: h.date)
    provisions = sorted(case.risk.provisions, key=lambda p: p.date)
    title, source = _criterion(dossier)
    residue = _residue(dossier)
    total = dossier.residue_total
    note = "" if total == c.total else f"核销基准日债权余额{_m(c.total)}元，申请核销{_m(total)}元。"
    return {
        **_draft(dossier),
        "bank": dossier.bank,
        "date_cn": _d(dossier.as_of),
        "borrower": {"name": borrower.name, "id_label": id_label, "id_number": id_number, "kind": kind,
                     "address": borrower.address,
                     "representative": getattr(borrower, "representative", "") or "",
                     "status": _state(dossier, first)},
        "loans": loans,
        "securities": securities,
        "balances": balances,
        "balance_total_capitals": "人民币" + amount_in_capitals(c.total),
        "overdue": _overdue(dossier),
        "classifications": [{"date": _d(h.date), "category": h.category.value, "basis": h.basis or ""} for h in history],
        "provisions": [{"date": _d(p.date), "allowance": _m(p.allowance), "stage": f"第{p.stage}阶段" if p.stage else "",
                        "carrying": _m(p.carrying_amount) if p.carrying_amount else "",
                        "impaired": "" if p.credit_impaired is None else ("是" if p.credit_impaired else "否")}
                       for p in provisions],
        "criterion": title,
        "criterion_source": source,
        "facts": _facts(dossier),
        "recoveries": _recovery_rows(dossier),
        "recoveries_total": _m(_recoveries_total(dossier)),
        "residue": residue["residue"],
        "residue_total": residue["residue_total"],
        "residue_capitals": residue["residue_capitals"],
        "residue_note": note,
        "approvals": list(APPROVALS),
    }


def _obligor_summary(dossier: Dossier, o) -> str:
    if o.count:
        counts: dict[str, int] = {}
        for p in o.pursuits:
            counts[p.channel.value] = counts.get(p.channel.value, 0) + 1
        text = (f"自{_d(o.first)}至{_d(o.last)}共追索{o.count}次（" + "、".join(f"{k}{v}次" for k, v in counts.items())
                + "）" + (f"，历时{o.days}天" if o.days is not None else "") + "。")
    else:
        text = "没有追索记录。"
    decisive = [e for e in o.rulings if e.kind in _STATE]
    if decisive:
        text += "已发生：" + "；".join(_event_line(dossier, e).rstrip("。") for e in decisive) + "。"
    text += "追索已到位。" if o.satisfied else "追索尚不到位，不能作为正式核销材料。"
    return text


def report_context(dossier: Dossier) -> dict:
    """Variables of ``writeoff_report.docx`` (呆账核销调查报告, writeoff.md §6 B): the basic facts,
    the cause and remedies, the pursuit of the borrower and of each guarantor and mortgagor
    (every record with date, channel, content, outcome and proof, with counts and spans), the
    collateral and what its realisation brought, the litigation, enforcement and bankruptcy of
    each obligor (case numbers, courts, rulings), the asset searches, why the claim is written off
    now, the recoveries and the residue, the tax pack, the staff and the responsibility finding
    (a released guarantor's release is named there, to be explained)."""
    case, c, wo = dossier.case, dossier.components, dossier.case.write_off
    missing = "（案件档案未填写，须补充）"
    basics = []
    for party in dossier.borrowers:
        p = case.parties[party]
        label, number = _identity(case, party)
        basics.append(f"借款人{p.name}，{label}{number}，住所{p.address}。")
    for loan in case.loans:
        for d in loan.draws:
            basics.append(f"{_d(loan.signed_on)}，借款人与我行签订《{loan.title}》（编号{loan.number}），"
                          f"{_d(d.date)}发放借款{_m(d.amount)}元，到期日{_d(d.maturity)}，年利率{percent(loan.annual_rate)}。")
    for g in case.guarantees:
        basics.append(f"{_name(case, g.guarantor)}签订《{g.title}》（编号{g.number}），提供{g.kind.value}"
                      + (f"，保证期间为{g.period}" if g.period else "") + "。")
    for m in case.collateral:
        basics.append(f"{_name(case, m.owner)}以{m.description}提供{'抵押' if m.kind == 'mortgage' else '质押'}"
                      f"（合同编号{m.contract_number}" + (f"，{m.certificate_number}" if m.certificate_number else "") + "）。")
    basics.append(f"截至{_d(dossier.as_of)}，借款本金余额{_m(c.principal)}元，表内利息{_m(c.interest_on_balance)}元，"
                  f"表外利息{_m(c.interest_off_balance)}元，费用{_m(c.fees)}元，合计{_m(c.total)}元；{_overdue(dossier)}。")
    obligors = []
    released = []
    for i, o in enumerate(dossier.eligibility.obligors, start=1):
        pursuits = [{"date": _d(p.date), "channel": p.channel.value, "content": p.content, "outcome": p.outcome,
                     "proof": dossier.exhibits(p.evidence)} for p in o.pursuits]
        obligors.append({"heading": f"（{_cn(i)}）{o.role}{o.name}", "summary": _obligor_summary(dossier, o),
                         "note": o.note or "", "pursuits": pursuits})
        if o.note and "免除" in o.note:
            released.append(f"保证人{o.name}：{o.note}。保证责任免除的原因及相关人员的责任须在本节说明。")
    collateral = []
    for m in case.collateral:
        text = f"{_name(case, m.owner)}提供的{m.description}"
        seized = [e for e in _events_of(case, m.owner, (EventKind.seizure,)) if e.asset == "real_property" or m.kind == "pledge"]
        if seized:
            text += f"，已于{_d(seized[0].date)}被查封（{seized[0].case_number or ''}）"
        got = [r for r in c.recoveries if r.source in ("collateral", "set_off") and (r.party in (None, m.owner))]
        what = {"collateral": "收到抵押物处置款" if m.kind == "mortgage" else "收到质物处置款",
                "set_off": "以物抵债抵偿"}
        if got:
            text += "，" + "；".join(f"{_d(r.date)}{what[r.source]}{_m(r.amount)}元"
                                     + (f"（{dossier.exhibits(r.evidence)}）" if r.evidence else "") for r in got)
        else:
            text += "，尚无处置所得"
        collateral.append(text + "。")
    litigation = []
    for o in dossier.eligibility.obligors:
        lines = [_event_line(dossier, e) for e in _events_of(case, o.party, _LITIGATION)]
        if lines:
            litigation.append({"heading": f"{o.role}{o.name}", "lines": lines})
    searches = [{"date": _d(s.date), "party": _name(case, s.party), "by": s.by, "result": s.result,
                 "proof": dossier.exhibits(s.evidence)}
                for s in sorted(wo.asset_searches if wo else [], key=lambda s: s.date)]
    title, _source = _criterion(dossier)
    summary = (f"经核查，本笔债权符合{title}的认定条件，各项事实及材料已具备。" if dossier.eligibility.met
               else f"本笔债权拟按{title}核销，但尚有事项未具备（见首页草稿说明），补正前不得核销。")
    residue = _residue(dossier)
    return {
        **_draft(dossier),
        "bank": dossier.bank,
        "date_cn": _d(dossier.as_of),
        "basics": basics,
        "cause": (wo.cause if wo and wo.cause else missing),
        "remedies": (wo.remedies if wo and wo.remedies else missing),
        "obligors": obligors,
        "collateral": collateral,
        "litigation": litigation,
        "searches": searches,
        "why_now": (wo.why_now if wo and wo.why_now else missing),
        "criterion_summary": summary,
        "recoveries": _recovery_rows(dossier),
        "residue": residue["residue"],
        "residue_total": residue["residue_total"],
        "residue_capitals": residue["residue_capitals"],
        "tax": tax_section(dossier),
        "staff": [{"role": s.role, "name": s.name, "note": s.note or ""} for s in (wo.staff if wo else [])],
        "responsibility": (wo.responsibility if wo and wo.responsibility else missing),
        "responsibility_notes": released,
    }


def tax_section(dossier: Dossier) -> dict:
    """The tax pack as the report's section: the rule and tier that apply, then what the tier
    requires, which records are present and which are missing."""
    from legaldocs.dossier.facts import tax_lines

    tier, lines = tax_lines(dossier)
    return {"tier": tier, "lines": lines}


def _cn(n: int) -> str:
    from legaldocs.chinese import numeral

    return numeral(n)


def pursuits_context(dossier: Dossier) -> dict:
    """Variables of ``writeoff_pursuits.docx`` (追索记录, writeoff.md §6 D): every pursuit record
    of the case in date order (date, obligor and role, channel, content, outcome, handler,
    person responsible, co-signed, proof), then for each obligor the first and last pursuit, the
    count, the span in days, the channels used and whether its pursuit is sufficient."""
    case = dossier.case
    records = sorted(case.pursuits, key=lambda p: (p.date, list(case.parties).index(p.party)))
    rows = [{"number": i, "date": _d(p.date), "party": f"{_name(case, p.party)}（{_role(dossier, p.party)}）",
             "channel": p.channel.value, "content": p.content, "outcome": p.outcome, "handler": p.handler or "",
             "responsible": p.responsible or "", "cosigned": "是" if p.cosigned else "否",
             "proof": dossier.exhibits(p.evidence)}
            for i, p in enumerate(records, start=1)]
    spans = []
    for o in dossier.eligibility.obligors:
        counts: dict[str, int] = {}
        for p in o.pursuits:
            counts[p.channel.value] = counts.get(p.channel.value, 0) + 1
        conclusion = "已追索到位" if o.satisfied else "追索不到位"
        if o.rulings:
            conclusion += "；" + "、".join(dict.fromkeys(e.kind.value for e in o.rulings))
        if o.note:
            conclusion += f"；{o.note}"
        spans.append({"party": o.name, "role": o.role, "first": _d(o.first) or "—", "last": _d(o.last) or "—",
                      "count": o.count, "days": str(o.days) if o.days is not None else "—",
                      "channels": "、".join(f"{k}{v}次" for k, v in counts.items()) or "无", "conclusion": conclusion})
    return {**_draft(dossier), "bank": dossier.bank, "borrower_name": dossier.borrower_name,
            "date_cn": _d(dossier.as_of), "records": rows, "spans": spans, "total_count": len(rows)}


def index_context(dossier: Dossier, entries, index_pages: int) -> dict:
    """Variables of ``writeoff_index.docx`` (核销证据目录): one row per exhibit of
    核销证据材料.pdf with its pages (``entries``: objects with number, first_page, last_page and
    page_count, as :func:`evidence.page_ranges` gives them), a heading row where a group of
    evidence begins; the totals of exhibits and pages (the index's ``index_pages`` included)."""
    items = {n: item for item in dossier.case.evidence for n in [dossier.numbers[item.id]]}
    rows, shown = [], None
    for e in entries:
        item = items[e.number]
        if item.group and item.group != shown:
            rows.append({"number": "", "title": item.group, "purpose": "", "original": "", "pages": ""})
        shown = item.group
        pages = str(e.first_page) if e.first_page == e.last_page else f"{e.first_page}-{e.last_page}"
        rows.append({"number": str(e.number), "title": item.title, "purpose": item.purpose,
                     "original": "原件" if item.original else "复印件", "pages": pages})
    citation = (dossier.eligibility.rule or {}).get("citation") or f"财金〔2017〕90号附件1第{dossier.criterion}项"
    return {**_draft(dossier), "bank": dossier.bank, "borrower_name": dossier.borrower_name, "criterion": citation,
            "date_cn": _d(dossier.as_of), "exhibits": rows, "exhibit_count": len(entries),
            "total_pages": index_pages + sum(e.page_count for e in entries), "index_pages": index_pages}

