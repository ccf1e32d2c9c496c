"""The filing (立案材料的事实基础): one case record resolved once, as of its filing date, for every
document of a stage.

Every document of a packet (the complaint in either form, the preservation and enforcement
applications, the notices, the authority papers, the 证据目录, the 欠款明细表 and the fee sheet) is
built from one :class:`Filing`, so that they cannot disagree:

- **parties and roles**: the defendants (被告) in one order with one label each (被告, or 被告一,
  被告二 … when there are several), their roles (借款人, 保证人, 抵押人 …); a guarantor found
  released (保证期间届满未主张权利) is left out of every document, with the reason;
- **figures**: the amounts claimed (:class:`~legaldocs.filings.complaint.ClaimTotals`), the
  engine's or the bank's as the case file says, and nothing else is shown as the claim's basis;
  court fees named among the costs (案件受理费, 保全费 …) are not part of the amount in dispute
  (诉讼费用交纳办法 art 6; they are borne as the court decides, art 29) and go to the claim for
  costs of suit;
- **facts as of the filing date**: events and repayments after it are left out of every document
  alike, and listed for review;
- **review items** (:class:`ReviewItem`): what a clerk must decide before filing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from legaldocs.case.model import Case, ClaimedCost, NaturalPerson, Organization
from legaldocs.chinese import date_in_chinese, money_text
from legaldocs.deadlines.clocks import Clock, case_clocks, released_guarantees
from legaldocs.filings.claimed import CAUSE_OF_ACTION, ClaimTotals, acceptance_fee, claim_totals, ordinal
from legaldocs.i18n import CHINESE, in_language
from legaldocs.errors import CaseValidationError, LegalDocsError
from legaldocs.i18n import _
from legaldocs.money.fees import FeeResult

Severity = Literal["blocking", "check", "note"]
SEVERITY_NAMES = {"blocking": "必须处理", "check": "需要核对", "note": "提示"}

# Court fees (诉讼费用) are not costs of realising the claim: 诉讼费用交纳办法 art 6 lists them
# (案件受理费; 申请费, which includes the fee for preservation measures, art 10 item 2; 公告费 and
# the costs of witnesses, experts and translators); the court decides who bears them (art 29).
# A premium for preservation-liability insurance is a cost the debtor may owe under the contract.
COURT_FEE_WORDS = ("受理费", "保全费", "保全申请费", "申请费", "诉讼费", "公告费", "鉴定费")
COURT_FEE_SOURCE = "《诉讼费用交纳办法》第六条、第十条、第二十九条"
REALISATION_WORDS = ("保险", "保函")


def is_court_fee(cost: ClaimedCost) -> bool:
    """True when a claimed cost is a court fee (诉讼费用) rather than a cost of realising the claim."""
    name = cost.name
    return any(w in name for w in COURT_FEE_WORDS) and not any(w in name for w in REALISATION_WORDS)


@dataclass(frozen=True)
class Defendant:
    """A party sued (被告 / 被申请人 / 被执行人): ``label`` is 被告 when alone, else 被告一, 被告二 …"""

    id: str
    party: NaturalPerson | Organization
    roles: tuple[str, ...]
    label: str

    @property
    def name(self) -> str:
        return self.party.name

    @property
    def is_person(self) -> bool:
        return isinstance(self.party, NaturalPerson)


@dataclass(frozen=True)
class LeftOut:
    """A party or fact of the case file left out of the filing, and why."""

    party: str | None
    name: str
    what: str
    reason: str
    source: str

    def as_dict(self) -> dict:
        return {"party": self.party, "name": self.name, "what": self.what, "reason": self.reason, "source": self.source}


@dataclass(frozen=True)
class ReviewItem:
    """One thing a clerk must decide before filing: ``severity`` blocking (must be resolved),
    check (verify) or note; ``topic``; ``text`` (what to decide, in Chinese); ``reason``;
    ``source`` (the law, or the field of the case file)."""

    severity: Severity
    topic: str
    text: str
    reason: str
    source: str

    def as_dict(self) -> dict:
        return {"severity": self.severity, "severity_name": SEVERITY_NAMES[self.severity], "topic": self.topic,
                "text": self.text, "reason": self.reason, "source": self.source}


@dataclass(frozen=True)
class Filing:
    """A case as filed on ``filing_date`` with amounts stated to ``as_of``.

    ``case``: the case as filed (events and repayments after the filing date, released guarantees
    and court fees among the costs removed); ``recorded``: the case file as read. ``defendants``
    in 被告 order; ``left_out``: parties and facts left out, with reasons; ``totals``: the figures
    every document shows; ``statement``: the engine's statement (the annex only when it is the
    claim's basis, ``totals.source == "engine"``); ``fee``: the acceptance fee; ``clocks`` on the
    filing date; ``review``: what a clerk must decide.
    """

    case: Case
    recorded: Case
    as_of: dt.date
    filing_date: dt.date
    defendants: tuple[Defendant, ...]
    left_out: tuple[LeftOut, ...]
    totals: ClaimTotals
    statement: object | None
    statement_error: str | None
    fee: FeeResult
    clocks: tuple[Clock, ...]
    released: dict[str, Clock]
    court_fees_claimed: tuple[ClaimedCost, ...] = ()
    review: list[ReviewItem] = field(default_factory=list)
    form: str = "narrative"  # element (要素式) or narrative: of the complaint and the enforcement application

    @property
    def statement_is_basis(self) -> bool:
        """The engine's statement is what the complaint claims (an annex of the filing)."""
        return self.statement is not None and self.totals.source == "engine"

    @property
    def several(self) -> bool:
        return len(self.defendants) > 1

    def defendant(self, ref: str) -> Defendant | None:
        return next((d for d in self.defendants if d.id == ref), None)

    def label(self, ref: str) -> str:
        """'被告一' (or '被告' when alone); a party not sued gets its name."""
        d = self.defendant(ref)
        return d.label if d else self.recorded.parties[ref].name

    def named(self, ref: str) -> str:
        """'被告一陈立', or '陈立' when the only defendant, or a party not sued."""
        d = self.defendant(ref)
        if d is None:
            return self.recorded.parties[ref].name
        return f"{d.label}{d.name}" if self.several else d.name

    def labels(self, refs) -> str:
        return "、".join(self.label(r) for r in refs)

    @property
    def all_defendants(self) -> str:
        """'被告' for one, '各被告' for several (as wording in claims and reasons)."""
        return "各被告" if self.several else "被告"

    @property
    def defendant_names(self) -> str:
        return "、".join(d.name for d in self.defendants)

    @property
    def case_title(self) -> str:
        """'原告诉被告… 金融借款合同纠纷' from the resolved parties."""
        return f"{self.case.creditor.name}诉{self.defendant_names}{CAUSE_OF_ACTION}"

    @property
    def evidence_no(self) -> dict[str, int]:
        """Each exhibit's number in the 证据目录 (evidence id -> 1, 2 …), as filed."""
        return {item.id: i for i, item in enumerate(self.case.evidence, start=1)}

    def review_by(self, severity: Severity) -> list[ReviewItem]:
        return [r for r in self.review if r.severity == severity]

    def as_dict(self) -> dict:
        """The facts every document must agree on (for the manifest and the consistency check)."""
        t = self.totals
        return {
            "court": self.case.court,
            "filing_date": self.filing_date.isoformat(),
            "as_of": self.as_of.isoformat(),
            "plaintiff": self.case.creditor.name,
            "representative": self.case.creditor.representative,
            "defendants": [{"id": d.id, "name": d.name, "label": d.label, "roles": list(d.roles)} for d in self.defendants],
            "left_out": [x.as_dict() for x in self.left_out],
            "amounts": {"principal": str(t.principal), "interest": str(t.interest),
                        "penalty_interest": str(t.penalty_interest), "compound_interest": str(t.compound_interest),
                        "costs": str(t.costs), "total": str(t.total), "fee_base_cny": str(t.fee_base),
                        "currency": t.currency, "source": t.source},
            "acceptance_fee": str(self.fee.fee),
            "rejected_amounts": self.rejected_amounts(),
        }

    def rejected_amounts(self) -> dict[str, str]:
        """Figures of the case that are not the claim's: the engine's where the bank's are claimed,
        the bank's where the engine's are, by item; amounts the documents state for other reasons
        (contract principals, draws, repayments, costs, maximum amounts) are not listed."""
        st, t, claim = self.statement, self.totals, self.recorded.claim
        if st is None:
            return {}
        if t.source == "bank":
            other = {"本金": st.principal, "利息": st.interest, "罚息": st.penalty_interest, "复利": st.compound_interest}
        else:
            other = {"本金": claim.principal, "利息": claim.interest, "罚息": claim.penalty_interest,
                     "复利": claim.compound_interest}
        other = {k: v for k, v in other.items() if v is not None}
        if len(other) == 4:
            other["本息合计"] = sum(other.values())
            other["合计"] = other["本息合计"] + t.costs
        legit = {t.principal, t.interest, t.penalty_interest, t.compound_interest, t.debt, t.total, t.costs}
        for loan in self.recorded.loans:
            legit |= {loan.principal, loan.disbursed, *(d.amount for d in loan.draws)}
        legit |= {r.amount for r in self.recorded.repayments}
        legit |= {c.amount for c in self.recorded.claim.costs}
        legit |= {x.maximum_amount for x in [*self.recorded.guarantees, *self.recorded.collateral] if x.maximum_amount}
        return {k: str(v) for k, v in other.items() if v not in legit and v}


def party_roles(case: Case) -> dict[str, list[str]]:
    """Each party's roles in the case: 借款人/共同借款人, 保证人, 抵押人/出质人, in that order."""
    roles: dict[str, list[str]] = {}
    for loan in case.loans:
        for i, ref in enumerate(loan.borrowers):
            roles.setdefault(ref, []).append("借款人" if i == 0 else "共同借款人")
    for g in case.guarantees:
        roles.setdefault(g.guarantor, []).append("保证人")
    for c in case.collateral:
        roles.setdefault(c.owner, []).append("抵押人" if c.kind == "mortgage" else "出质人")
    return {k: list(dict.fromkeys(v)) for k, v in roles.items()}


def resolve_defendants(case: Case) -> tuple[Defendant, ...]:
    """The defendants of ``case`` (borrowers, guarantors, then owners of collateral, each once)
    with their labels and roles."""
    ids = case.defendant_ids()
    roles = party_roles(case)
    single = len(ids) == 1
    return tuple(
        Defendant(ref, case.party(ref), tuple(roles.get(ref, ())), "被告" if single else f"被告{ordinal(i + 1)}")
        for i, ref in enumerate(ids)
    )


# The courts' element-style forms (要素式文书) of 法〔2025〕82号 apply from 2025-07-14; a filing
# before that date uses the narrative form unless the case file chooses (the 2024 trial forms of
# 法〔2024〕46号 are not produced).
ELEMENT_FORMS_FROM = dt.date(2025, 7, 14)
ELEMENT_FORMS_SOURCE = "最高人民法院、司法部、中华全国律师协会《关于印发部分案件民事起诉状、答辩状示范文本的通知》（法〔2025〕82号）"


def form_for(case: Case, filing_date: dt.date, form: str | None = None) -> str:
    """The form of the complaint and the enforcement application: ``form`` when given, else the
    case's ``claim.form``, else ``element`` for a filing on or after 2025-07-14, ``narrative``
    before. Raises ValueError for an unknown form."""
    chosen = form or case.claim.form
    if chosen is None:
        return "element" if filing_date >= ELEMENT_FORMS_FROM else "narrative"
    if chosen not in ("element", "narrative"):
        raise ValueError(_("unknown form {form}; element or narrative").format(form=repr(chosen)))
    return chosen


def build_filing(case: Case, *, as_of: dt.date | None = None, filing_date: dt.date | None = None,
                 source: str = "case", statement=None, compute_statement: bool = True,
                 form: str | None = None) -> Filing:
    """Resolve ``case`` as filed on ``filing_date`` with amounts stated to ``as_of``.

    ``as_of`` defaults to ``claim.as_of``; ``filing_date`` to ``claim.filing_date``, else ``as_of``.
    ``statement``: the engine's statement if the caller has it; otherwise it is computed (unless
    ``compute_statement`` is false). Raises CaseValidationError naming the option or field: an
    as-of date other than ``claim.as_of`` with the bank's figures, an as-of date before the first
    draw, a filing date before the as-of date, amounts the engine cannot compute when the case
    asks for the engine's.
    """
    from legaldocs.money.statement import case_statement

    claim = case.claim
    if as_of is not None and as_of != claim.as_of and claim.amounts == "bank":
        raise CaseValidationError(source, [(
            "--as-of",
            _("the case states the bank's balances as of {date} (claim.amounts: bank); "
              "set claim.amounts to engine to compute them to {as_of}").format(date=claim.as_of, as_of=as_of),
        )])
    as_of = as_of or claim.as_of
    first_draw = min(d.date for loan in case.loans for d in loan.draws)
    if as_of < first_draw:
        raise CaseValidationError(source, [("--as-of", _("{date} is before the first draw ({first})").format(
            date=as_of, first=first_draw))])
    filing_date = filing_date or claim.filing_date or as_of
    try:
        chosen_form = form_for(case, filing_date, form)
    except ValueError as exc:
        raise CaseValidationError(source, [("--form", str(exc))]) from exc
    if filing_date < as_of:
        raise CaseValidationError(source, [(
            "--filing-date", _("{filing} is before the date the amounts are stated to ({as_of})").format(
                filing=filing_date, as_of=as_of)
        )])
    recorded = case
    left_out: list[LeftOut] = []
    review: list[ReviewItem] = []

    # facts as of the filing date: later events and repayments are in no document
    later = [e for e in case.events if e.date > filing_date]
    for e in later:
        names = "、".join(case.parties[p].name for p in e.parties if p in case.parties)
        left_out.append(LeftOut(None, names, f"{e.date} {e.kind.value}", "发生在起诉（申请）日之后，未写入本次文书",
                                "events"))
        review.append(ReviewItem("check", "事实", f"{date_in_chinese(e.date)}{e.kind.value}"
                                 + (f"（{names}）" if names else "") + f"晚于起诉日{date_in_chinese(filing_date)}，未写入任何文书",
                                 "文书只陈述起诉日之前已经发生的事实；如该事件已发生，请更正日期或起诉日",
                                 "events[].date"))
    later_repayments = [r for r in case.repayments if r.date > filing_date]
    if later or later_repayments:
        case = case.model_copy(update={
            "events": [e for e in case.events if e.date <= filing_date],
            "repayments": [r for r in case.repayments if r.date <= filing_date],
        })
    clocks = case_clocks(case, filing_date)
    released = released_guarantees(case, filing_date)
    if released:
        case = _without_guarantees(case, set(released))
        for gid, clock in released.items():
            g = next(g for g in recorded.guarantees if g.id == gid)
            name = recorded.parties[g.guarantor].name
            why = clock.notes[0] if clock.notes else "保证期间届满，债权人未在保证期间内依法主张权利"
            cite = clock.chain[-1].rule if clock.chain else ""
            left_out.append(LeftOut(g.guarantor, name, f"保证合同{g.number}", f"保证人已免除保证责任：{why}", cite))
            review.append(ReviewItem(
                "check", "当事人",
                f"保证人{name}（保证合同{g.number}）未列为被告：保证期间{('至' + date_in_chinese(clock.date)) if clock.date else ''}已届满且未在期间内主张权利",
                "如有在保证期间内主张权利的证据（送达的履行保证责任通知书、起诉等），请录入该事件；"
                "确需起诉的，在 guarantees[].override_release 写明理由", cite or "民法典第六百九十三条"))
    # court fees among the costs are not part of the amount in dispute
    court_fees = tuple(c for c in case.claim.costs if is_court_fee(c))
    if court_fees:
        case = case.model_copy(update={"claim": case.claim.model_copy(
            update={"costs": [c for c in case.claim.costs if not is_court_fee(c)]})})
        for c in court_fees:
            review.append(ReviewItem(
                "check", "费用",
                f"“{c.name}”{money_text(c.amount, c.currency)}属于诉讼费用，未计入诉讼标的额，在“诉讼费用由被告负担”一项中主张",
                "诉讼费用由人民法院决定负担，不作为实现债权的费用重复主张", COURT_FEE_SOURCE))
    defendants = resolve_defendants(case)
    case = _evidence_of_parties(case, recorded, {d.id for d in defendants}, review)
    statement_error = None
    if statement is None and compute_statement:
        try:
            with in_language(CHINESE):  # its notes are printed in the 欠款明细表, a Chinese document
                statement = case_statement(case, as_of)
        except LegalDocsError as exc:
            statement, statement_error = None, str(exc)
    if claim.amounts == "engine" and statement is None:
        raise CaseValidationError(source, [("claim.amounts", _("the amounts cannot be computed: {problem}").format(
            problem=statement_error))])
    totals = claim_totals(case, statement if claim.amounts == "engine" else None)
    fee = acceptance_fee(totals, case, filing_date)
    filing = Filing(case=case, recorded=recorded, as_of=as_of, filing_date=filing_date, defendants=defendants,
                    left_out=tuple(left_out), totals=totals, statement=statement, statement_error=statement_error,
                    fee=fee, clocks=tuple(clocks), released=released, court_fees_claimed=court_fees, review=review,
                    form=chosen_form)
    review.extend(_figure_review(filing))
    review.extend(_cost_review(filing))
    review.extend(_security_review(filing))
    review.extend(_clock_review(filing))
    return filing


def _evidence_of_parties(case: Case, recorded: Case, sued: set[str], review: list) -> Case:
    """The exhibits as filed: the identity papers of a party not sued are left out (they prove
    nothing in this suit); a title or purpose that calls a party not sued 被告 names it without the
    role, and the clerk is asked whether the exhibit is still needed."""
    items = []
    for i, item in enumerate(case.evidence):
        if item.identity_of and item.identity_of not in ("creditor", "agents") and item.identity_of not in sued:
            review.append(ReviewItem("note", "证据", f"“{item.title}”是未列为被告的{recorded.parties[item.identity_of].name}"
                                     "的身份材料，未放入证据材料", "与本案当事人无关的材料不予提交", f"evidence[{i}].identity_of"))
            continue
        title, purpose = item.title, item.purpose
        for ref, party in recorded.parties.items():
            if ref not in sued:
                pattern = rf"被告[一二三四五六七八九十]*(?={re.escape(party.name)})"
                title, purpose = re.sub(pattern, "", title), re.sub(pattern, "", purpose)
                if party.name in item.title + item.purpose and ref in {g.guarantor for g in recorded.guarantees}:
                    review.append(ReviewItem(
                        "check", "证据", f"证据“{title}”涉及未列为被告的{party.name}，请确认是否仍需提交及证明目的是否需要修改",
                        "保证人已免除保证责任而未被起诉时，有关其保证的证明目的不再成立", f"evidence[{i}]"))
        items.append(item.model_copy(update={"title": title, "purpose": purpose}) if (title, purpose) != (item.title, item.purpose) else item)
    return case.model_copy(update={"evidence": items}) if items != list(case.evidence) else case


def _without_guarantees(case: Case, dropped: set[str]) -> Case:
    """The case without the dropped guarantees and without the events that concern only parties
    no longer sued (a demand to a released guarantor is no fact of this suit)."""
    guarantees = [g for g in case.guarantees if g.id not in dropped]
    kept = set(case.borrower_ids()) | {g.guarantor for g in guarantees} | {c.owner for c in case.collateral}
    events = [e for e in case.events if not e.parties or any(p in kept for p in e.parties)]
    events = [e.model_copy(update={"parties": [p for p in e.parties if p in kept]}) if e.parties else e for e in events]
    return case.model_copy(update={"guarantees": guarantees, "events": events})


def _figure_review(f: Filing) -> list[ReviewItem]:
    out: list[ReviewItem] = []
    st = f.statement
    if st is None:
        if f.statement_error:
            out.append(ReviewItem("note", "金额", "引擎无法按合同复算欠款，仅使用银行提供的余额",
                                  f.statement_error, "claim.amounts"))
        return out
    for d in st.differences:
        if d.delta == 0:
            continue
        basis = "银行数字" if f.totals.source == "bank" else "引擎计算数字"
        out.append(ReviewItem(
            "check", "金额",
            f"{d.item}：起诉采用{basis}；引擎计算{money_text(d.engine, f.totals.currency)}，银行数字{money_text(d.bank, f.totals.currency)}，"
            f"引擎计算比银行数字{'多' if d.delta > 0 else '少'}{money_text(abs(d.delta), f.totals.currency)}",
            d.cause or "差额原因不明：请核对合同条款、还款记录和银行系统的计息规则",
            "claim.amounts"))
    return out


def _cost_review(f: Filing) -> list[ReviewItem]:
    out: list[ReviewItem] = []
    for i, c in enumerate(f.case.claim.costs):
        if not c.evidence:
            out.append(ReviewItem("check", "费用", f"“{c.name}”{money_text(c.amount, c.currency)}没有列明证据",
                                  "实现债权的费用须以实际发生为限，应提交合同、发票、付款凭证",
                                  f"claim.costs[{i}].evidence"))
        if not c.clause:
            out.append(ReviewItem("check", "费用", f"“{c.name}”未注明合同依据条款",
                                  "实现债权的费用由债务人承担须有合同约定（保证范围、抵押担保范围亦同）",
                                  f"claim.costs[{i}].clause"))
    return out


def _security_review(f: Filing) -> list[ReviewItem]:
    out: list[ReviewItem] = []
    case, t = f.case, f.totals
    for i, c in enumerate(case.collateral):
        what = f"{case.parties[c.owner].name}提供的{c.description}"
        if c.registration_kind == "未登记":
            out.append(ReviewItem("check", "担保", f"{what}未办理登记，不主张优先受偿", "不动产抵押权自登记时设立",
                                  "民法典第四百零二条；担保法第四十一条（2021年前）"))
        elif c.registration_kind == "预告登记":
            out.append(ReviewItem("check", "担保", f"{what}仅办理预告登记，优先受偿须以办理建筑物所有权首次登记等为前提",
                                  "预告登记权利人请求就抵押财产优先受偿的条件", "担保制度解释第五十二条"))
        if c.maximum_amount and t.debt > c.maximum_amount:
            out.append(ReviewItem("note", "担保", f"{what}的最高债权额{money_text(c.maximum_amount, t.currency)}低于所欠本息"
                                  f"{money_text(t.debt, t.currency)}，优先受偿以最高债权额为限",
                                  "最高额抵押权在最高债权额限度内担保债权", "民法典第四百二十条"))
        secured_draws = [d for loan in case.loans if loan.id in c.secures for d in loan.draws]
        if secured_draws and c.signed_on > min(d.date for d in secured_draws) and not c.maximum_amount:
            out.append(ReviewItem("check", "担保", f"{what}的抵押合同签订于借款发放之后，请核对其担保的主债权范围",
                                  "抵押合同订立前已经存在的债权是否纳入担保范围，以合同约定为准", f"collateral[{i}].signed_on"))
    for i, g in enumerate(case.guarantees):
        name = case.parties[g.guarantor].name
        if g.maximum_amount and t.debt + t.costs > g.maximum_amount:
            out.append(ReviewItem("note", "担保", f"保证人{name}的最高债权额{money_text(g.maximum_amount, t.currency)}低于主张金额，"
                                  "保证责任以最高债权额为限", "最高额保证在最高债权额限度内承担责任", "民法典第六百九十条"))
        if g.claims_fixed_on:
            late = [d for loan in case.loans if loan.id in g.secures for d in loan.draws if d.date > g.claims_fixed_on]
            if late:
                out.append(ReviewItem("blocking", "担保",
                                      f"保证人{name}的债权确定日为{date_in_chinese(g.claims_fixed_on)}，其后发放的"
                                      f"{len(late)}笔借款不在最高额保证范围内",
                                      "最高额保证担保的是债权确定前发生的债权", "民法典第四百二十三条、第六百九十条"))
    return out


def _clock_review(f: Filing) -> list[ReviewItem]:
    out: list[ReviewItem] = []
    for c in f.clocks:
        if c.kind == "limitation" and c.status == "expired":
            out.append(ReviewItem("check", "期限", f"主债务诉讼时效已于{date_in_chinese(c.date)}届满（义务人：{c.obligor}）",
                                  "如无中断、中止的证据，债务人可提出时效抗辩", "民法典第一百八十八条、第一百九十二条"))
        if c.status == "undetermined":
            out.append(ReviewItem("check", "期限", f"{c.kind}（{c.obligor or ''}）无法依当时的法律确定",
                                  "；".join(c.notes) or "规则缺失", "legaldocs rules"))
    return out
