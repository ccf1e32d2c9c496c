"""Write-off eligibility (呆账认定) under 财金〔2017〕90号 Annex 1, and the residue written off.

:func:`check_eligibility` checks one Annex 1 item (criterion) for a case as of a date, from the
rule rows of ``law/data/writeoff.toml`` in force that day:

- each **fact** the item names (a ruling or event of the kinds the row lists, concerning the
  borrower, or for item 7 each obligor), proven by the evidence its events cite;
- each **document** the item needs, present when an event, a repayment (by source), an asset
  search or a pursuit record of the kinds the row lists cites evidence; an event or repayment
  counts only when it concerns the obligor the document is about (the borrower, or any obligor
  for a fact of each obligor: :func:`_document_concerns`);
- the **pursuit** of the borrower and of every guarantor, mortgagor and pledgor (every Annex 1
  item has this tail: "对借款人和担保人进行追偿后，仍未能还清"): a party is pursued when it has
  追索记录 (``case.pursuits``) or a ruling or event against it (a 终本, a bankruptcy ...); a guarantor
  the deadline engine finds released (保证期间届满, :func:`legaldocs.deadlines.clocks.released_guarantees`)
  counts as satisfied, with a note that the release must be explained in the responsibility
  finding (责任认定);
- **computations**: for item 1b, the declaration of bankruptcy at least the period of the
  ``bankruptcy_open`` row before the as-of date (2017: 180 days "以上", inclusive: declared
  2026-01-10, available from 2026-07-09); for the small-amount routes (items 13, 14), the
  balance per borrower (单户贷款余额: principal outstanding) at most the threshold of the
  ``small_amount.<loan type>.<institution>`` row and pursuit since the first 追索记录 at least its
  days (inclusive);
- the conditions under which a claim **may not be written off** (2010 measures; 国家税务总局公告
  2011年第25号 art 46), where the facts show them: never pursued, the debtor evading.

Counting words follow 民法典 art 1259: "以上/以下/以内/届满" include the number, "超过/不满" exclude it.
A requirement without evidence is not met. The result lists the rows marked ``unverified`` it
relies on and the confirmations recorded for them (``write_off.confirmations``); it is
``final`` only when every requirement is met and every such row is confirmed, else the dossier
is a draft and ``draft_reasons`` say why (in Chinese).

:func:`residue` gives what is written off: the claim after every recovery (distributions,
collateral proceeds, set-offs, guarantor payments ...) by component, with the recoveries
(:mod:`legaldocs.money.components`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from legaldocs.case.model import Case, Event, EventKind, Pursuit
from legaldocs.chinese import date_in_chinese as _cn_date
from legaldocs.deadlines.clocks import released_guarantees
from legaldocs.errors import LegalDocsError, RuleNotFoundError
from legaldocs.i18n import _
from legaldocs.law.periods import add_months
from legaldocs.law.rules import load_rules, rule_row
from legaldocs.money.components import Components, balance_components

__all__ = [
    "Eligibility",
    "ObligorPursuit",
    "Requirement",
    "Residue",
    "check_eligibility",
    "criteria",
    "criteria_lines",
    "criterion_row",
    "obligor_pursuits",
    "residue",
    "short_title",
]

TABLE = "writeoff"
ZERO = Decimal(0)

# events that are themselves a pursuit of, or a ruling against, the party they name: they satisfy
# the "borrower and every guarantor pursued" tail of every Annex 1 item
RULING_KINDS = frozenset({
    EventKind.suit_filed, EventKind.payment_order_applied, EventKind.enforcement_applied,
    EventKind.bankruptcy_claim_filed, EventKind.judgment_effective, EventKind.enforcement_ended_this_round,
    EventKind.enforcement_terminated, EventKind.enforcement_suspended, EventKind.bankruptcy_declared,
    EventKind.bankruptcy_ended, EventKind.reorganization_approved, EventKind.settlement_approved,
    EventKind.deregistered, EventKind.licence_revoked, EventKind.death, EventKind.declared_missing,
    EventKind.declared_dead, EventKind.criminal_judgment, EventKind.set_off, EventKind.claim_rejected,
    EventKind.demand_delivered, EventKind.guarantee_demand_delivered,
})
# events that bring an obligor before a court: such an obligor was "sued" (诉诸法律)
SUED_KINDS = frozenset({EventKind.suit_filed, EventKind.payment_order_applied, EventKind.enforcement_applied,
                        EventKind.judgment_effective, EventKind.bankruptcy_claim_filed})
ROLE_BORROWER, ROLE_GUARANTOR, ROLE_MORTGAGOR, ROLE_PLEDGOR = "借款人", "保证人", "抵押人", "出质人"


@dataclass(frozen=True)
class Requirement:
    """One thing the criterion needs: ``key`` (stable, e.g. ``fact.rulings``,
    ``pursuit.P2``), ``text`` (Chinese), ``kind`` ("fact", "document", "pursuit" or
    "computation"), whether it is ``met``, ``proof`` (evidence ids of ``case.evidence``, or
    descriptions of the events that prove it), ``missing`` (Chinese: what is missing, None when
    met) and the ``rule_id`` it comes from; ``condition``: for a fact of each obligor, the
    condition they share (stated once), ``text`` then being the obligor's own short line."""

    key: str
    text: str
    kind: str
    met: bool
    proof: tuple[str, ...]
    missing: str | None
    rule_id: str | None
    condition: str | None = None

    def as_dict(self) -> dict:
        return {"key": self.key, "text": self.text, "kind": self.kind, "met": self.met, "proof": list(self.proof),
                "missing": self.missing, "rule_id": self.rule_id, "condition": self.condition}


@dataclass(frozen=True)
class ObligorPursuit:
    """How one obligor (the borrower, each guarantor, mortgagor or pledgor) was pursued up to the
    as-of date: ``party`` id, ``name``, ``role`` (借款人 / 保证人 / 抵押人 / 出质人, joined by 、 when
    several); ``pursuits``: its 追索记录 in date order; ``rulings``: the events against it (终本,
    宣告破产 ...) in date order; ``first``/``last``/``count`` of the pursuit records and ``days``
    (历时) from the first to the last pursuit record, both days counted (one record: 1), as the
    committee reads 历时 and as 追索记录 states it; ``satisfied``: pursued (or released, see ``note``);
    ``note``: Chinese, e.g. that the guarantee was released by the end of its period."""

    party: str
    name: str
    role: str
    pursuits: tuple[Pursuit, ...]
    rulings: tuple[Event, ...]
    first: dt.date | None
    last: dt.date | None
    count: int
    days: int | None
    satisfied: bool
    note: str
    released: bool = False

    def evidence(self) -> tuple[str, ...]:
        """Evidence ids cited by its pursuit records and rulings, each once, in order."""
        seen: list[str] = []
        for item in (*self.pursuits, *self.rulings):
            for ref in item.evidence:
                if ref not in seen:
                    seen.append(ref)
        return tuple(seen)

    def as_dict(self) -> dict:
        return {
            "party": self.party, "name": self.name, "role": self.role,
            "pursuits": [{"date": p.date.isoformat(), "channel": p.channel.value, "content": p.content,
                          "outcome": p.outcome, "cosigned": p.cosigned, "evidence": list(p.evidence)}
                         for p in self.pursuits],
            "rulings": [{"date": e.date.isoformat(), "kind": e.kind.value, "case_number": e.case_number,
                         "evidence": list(e.evidence)} for e in self.rulings],
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "count": self.count, "days": self.days, "satisfied": self.satisfied, "released": self.released,
            "note": self.note,
        }


@dataclass
class Eligibility:
    """The check of one Annex 1 item for a case on ``as_of``: ``criterion`` (e.g. "7"),
    ``title`` (Chinese), ``rule`` (the item's row); ``requirements`` in order (facts, documents,
    computations, pursuit of each obligor, may-not-be-written-off checks); ``obligors``;
    ``unverified``: rule rows marked unverified the result relies on; ``confirmed``: the
    :class:`~legaldocs.case.model.Confirmation` records covering them; ``met``: every requirement
    met; ``final``: met and every unverified row confirmed (else the dossier is a draft);
    ``draft_reasons``: Chinese, one per reason."""

    criterion: str
    title: str
    rule: Mapping[str, Any]
    as_of: dt.date
    requirements: list[Requirement]
    obligors: list[ObligorPursuit]
    unverified: list[Mapping[str, Any]]
    confirmed: list
    met: bool
    final: bool
    draft_reasons: list[str] = field(default_factory=list)
    rules: list[Mapping[str, Any]] = field(default_factory=list)  # every row the result used

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]

    def as_dict(self) -> dict:
        return {
            "criterion": self.criterion, "title": self.title, "rule_id": self.rule["id"],
            "citation": self.rule["citation"], "status": self.rule.get("status"), "as_of": self.as_of.isoformat(),
            "requirements": [r.as_dict() for r in self.requirements],
            "obligors": [o.as_dict() for o in self.obligors],
            "unverified": [{"id": r["id"], "citation": r["citation"]} for r in self.unverified],
            "confirmed": [{"rule": c.rule, "by": c.by, "date": c.date.isoformat(), "note": c.note} for c in self.confirmed],
            "met": self.met, "final": self.final, "draft_reasons": list(self.draft_reasons),
            "rules": [{"id": r["id"], "citation": r["citation"], "status": r.get("status")} for r in self.rules],
        }


# --- rule rows --------------------------------------------------------------------------------

def _item_order(item: str) -> tuple[int, str]:
    digits = "".join(ch for ch in item if ch.isdigit())
    return int(digits or 0), item


def _items() -> list[str]:
    kinds = {r["kind"] for r in load_rules(TABLE) if r["kind"].startswith("annex1.")}
    return sorted((k.split(".", 1)[1] for k in kinds), key=_item_order)


def criteria(on: dt.date) -> list[Mapping[str, Any]]:
    """The Annex 1 items in force on ``on``, in item order: their rule rows (``item``, ``title``,
    ``citation``, ``status``, ``handled``, ``facts``, ``documents`` ...). Empty before the 2017
    measures (2017-10-01), whose earlier versions are not loaded. Source: 财金〔2017〕90号 art 6 and
    Annex 1."""
    out = []
    for item in _items():
        try:
            row = rule_row(TABLE, f"annex1.{item}", on)
        except RuleNotFoundError:
            continue
        if row.get("in_force", True) is not False:
            out.append(row)
    return out


def short_title(row: Mapping[str, Any], width: int = 36) -> str:
    """The row's ``short`` title, else the item's title up to its first clause (``借款人依法宣告破产、关闭、解散或者撤销``), at most
    ``width`` characters (then ``…``). Chinese, for lists of the criteria."""
    if row.get("short"):
        return str(row["short"])
    title = str(row.get("title", ""))
    clause = title.split("，", 1)[0]
    return clause if len(clause) <= width else clause[:width - 1] + "…"


def criteria_lines(on: dt.date | None = None) -> list[str]:
    """``1a  借款人依法宣告破产、关闭、解散或者撤销``: one line per Annex 1 item in force on ``on``
    (None: the rows in force now and with no end date, i.e. the latest version), for help texts
    and refusals. Source: 财金〔2017〕90号 Annex 1 (law/data/writeoff.toml)."""
    rows = criteria(on or dt.date.max)
    return [f"{r['item']:<3} {short_title(r)}" for r in rows]


def criterion_row(criterion: str, on: dt.date) -> Mapping[str, Any]:
    """The row of Annex 1 item ``criterion`` ("1a", "7", "13" ...) in force on ``on``.
    Raises LegalDocsError naming the valid items when there is no such item on that date."""
    item = str(criterion).strip().lower()
    valid = [r["item"] for r in criteria(on)]
    if item not in valid:
        if not valid:
            raise LegalDocsError(_("no write-off criteria are loaded for {date}: the measures before 2017-10-01 "
                                   "(财金〔2017〕90号) are not loaded").format(date=on))
        raise LegalDocsError(_("unknown write-off criterion {criterion}; the criteria of 财金〔2017〕90号 Annex 1 "
                               "on {date} are: {valid}").format(criterion=repr(criterion), date=on,
                                                                valid=", ".join(valid)))
    return rule_row(TABLE, f"annex1.{item}", on)


def _row(kind: str, on: dt.date) -> Mapping[str, Any] | None:
    try:
        row = rule_row(TABLE, kind, on)
    except RuleNotFoundError:
        return None
    return None if row.get("in_force", True) is False else row


# --- obligors and their pursuit ---------------------------------------------------------------

def _obligors(case: Case) -> list[tuple[str, str]]:
    """(party id, role) of the borrowers, guarantors and owners of collateral, each once."""
    roles: dict[str, list[str]] = {}
    for ref in case.borrower_ids():
        roles.setdefault(ref, []).append(ROLE_BORROWER)
    if case.borrower_ids():
        for g in case.guarantees:
            if ROLE_BORROWER not in roles.get(g.guarantor, []) and ROLE_GUARANTOR not in roles.get(g.guarantor, []):
                roles.setdefault(g.guarantor, []).append(ROLE_GUARANTOR)
        for c in case.collateral:
            role = ROLE_MORTGAGOR if c.kind == "mortgage" else ROLE_PLEDGOR
            if ROLE_BORROWER not in roles.get(c.owner, []) and role not in roles.get(c.owner, []):
                roles.setdefault(c.owner, []).append(role)
    return [(ref, "、".join(r)) for ref, r in roles.items()]


def _against(case: Case, e: Event, party: str) -> bool:
    """Whether ``e`` concerns ``party``: named in its parties, or (an event naming nobody) the
    party is a borrower. A guarantor or mortgagor must be named."""
    if e.parties:
        return party in e.parties
    return party in case.borrower_ids()


def _released(case: Case, as_of: dt.date) -> dict[str, list[str]]:
    """Guarantor id -> ids of its guarantees the deadline engine finds released on ``as_of``."""
    out: dict[str, list[str]] = {}
    try:
        released = released_guarantees(case, as_of)
    except LegalDocsError:
        return out
    for g in case.guarantees:
        if g.id in released:
            out.setdefault(g.guarantor, []).append(g.id)
    return out


def obligor_pursuits(case: Case, as_of: dt.date) -> list[ObligorPursuit]:
    """The borrower and every guarantor, mortgagor and pledgor with its pursuit records and the
    rulings against it up to ``as_of`` (:class:`ObligorPursuit`), borrowers first. A guarantor
    whose every guarantee the deadline engine finds released (保证期间届满未主张) is satisfied with a
    note that the release must be explained in the responsibility finding."""
    released = _released(case, as_of)
    out: list[ObligorPursuit] = []
    for ref, role in _obligors(case):
        pursuits = tuple(sorted((p for p in case.pursuits if p.party == ref and p.date <= as_of), key=lambda p: p.date))
        rulings = tuple(sorted((e for e in case.events if e.kind in RULING_KINDS and e.date <= as_of
                                and _against(case, e, ref)), key=lambda e: e.date))
        first = pursuits[0].date if pursuits else None
        last = pursuits[-1].date if pursuits else None
        own = [g.id for g in case.guarantees if g.guarantor == ref]
        all_released = bool(own) and ROLE_BORROWER not in role and set(own) <= set(released.get(ref, []))
        pursued = bool(pursuits or rulings)
        if all_released:
            note = ("保证责任已免除（保证期间届满），须在责任认定中说明")
        elif pursued:
            note = ""
        else:
            note = ("无追索记录，也无针对其的诉讼、执行或其他裁判")
        name = case.parties[ref].name if ref in case.parties else ref
        out.append(ObligorPursuit(
            party=ref, name=name, role=role, pursuits=pursuits, rulings=rulings, first=first, last=last,
            count=len(pursuits), days=(last - first).days + 1 if first and last else None,
            satisfied=pursued or all_released, note=note, released=all_released,
        ))
    return out


# --- requirements -------------------------------------------------------------------------------

def _describe(e: Event) -> str:
    text = f"{e.date.isoformat()} {e.kind.value}"
    return f"{text}（{e.case_number}）" if e.case_number else text


# what a court rules (已被裁定…); the other kinds are stated as they happened (已注销登记, 已死亡)
_RULED = frozenset({EventKind.enforcement_ended_this_round, EventKind.enforcement_terminated,
                    EventKind.enforcement_suspended, EventKind.bankruptcy_ended, EventKind.bankruptcy_declared,
                    EventKind.declared_dead, EventKind.declared_missing})


def _happened(e: Event) -> str:
    """``已被裁定终结本次执行程序，案号（2024）浙0602执1234号之二``: one event as an obligor's short line
    (a case number already opens with its year in brackets, so it is not bracketed again)."""
    text = ("已被裁定{kind}" if e.kind in _RULED else "已{kind}").format(kind=e.kind.value)
    return f"{text}，案号{e.case_number}" if e.case_number else text


def _evidence_ok(case: Case, refs) -> tuple[str, ...]:
    known = {item.id for item in case.evidence}
    out: list[str] = []
    for ref in refs:
        if ref in known and ref not in out:
            out.append(ref)
    return tuple(out)


def _fact(case: Case, row: Mapping, fact: Mapping, obligors: list[ObligorPursuit], as_of: dt.date) -> list[Requirement]:
    kinds = {EventKind(k) for k in fact["events"]}
    against = fact.get("against", "borrower")
    key = f"fact.{fact['key']}"
    if against == "each_obligor":
        otherwise = {EventKind(k) for k in fact.get("otherwise", [])}
        out = []
        for o in obligors:
            sued = any(e.kind in SUED_KINDS and e.date <= as_of and (not e.parties or o.party in e.parties)
                       for e in case.events)
            wanted = kinds if sued else (otherwise or kinds)
            events = [e for e in o.rulings if e.kind in wanted]
            names = "、".join(k.value for k in sorted(wanted, key=lambda k: k.value))
            who = "{role}{name}".format(role=o.role, name=o.name)
            condition = fact["text"]
            if o.released:
                out.append(Requirement(f"{key}.{o.party}", "{who}：保证责任已免除（保证期间届满）".format(who=who), "fact",
                                       True, (), None, row["id"], condition))
                continue
            proof = _evidence_ok(case, (ref for e in events for ref in e.evidence))
            if not events:
                missing = (("缺少针对{who}的{kinds}").format(who=who, kinds=names) if sued else
                           ("{who}未被起诉或申请执行，也无其他可据以认定的事实（{kinds}）").format(who=who, kinds=names))
                out.append(Requirement(f"{key}.{o.party}", "{who}：未见{kinds}".format(who=who, kinds=names), "fact",
                                       False, (), missing, row["id"], condition))
                continue
            text = "{who}：{events}".format(who=who, events="；".join(_happened(e) for e in events))
            if not proof:
                out.append(Requirement(f"{key}.{o.party}", text, "fact", False, tuple(_describe(e) for e in events),
                                       "{events}未附证据".format(events="、".join(_describe(e) for e in events)),
                                       row["id"], condition))
            else:
                out.append(Requirement(f"{key}.{o.party}", text, "fact", True, proof, None, row["id"], condition))
        return out
    events = [e for e in case.events if e.kind in kinds and e.date <= as_of
              and any(_against(case, e, b) for b in case.borrower_ids())]
    proof = _evidence_ok(case, (ref for e in events for ref in e.evidence))
    if not events:
        names = "、".join(k.value for k in sorted(kinds, key=lambda k: k.value))
        return [Requirement(key, fact["text"], "fact", False, (), ("案件中没有针对借款人的{kinds}事件").format(kinds=names),
                            row["id"])]
    if not proof:
        return [Requirement(key, fact["text"], "fact", False, tuple(_describe(e) for e in events),
                            "{events}未附证据".format(events="、".join(_describe(e) for e in events)), row["id"])]
    return [Requirement(key, fact["text"], "fact", True, proof, None, row["id"])]


def _document_concerns(row: Mapping, doc: Mapping) -> str:
    """Whom a document of ``row`` must concern: its own ``against``, else that of the facts it
    proves (a fact sharing one of its event kinds; "each_obligor" when any such fact says so),
    else "borrower". A guarantor's bankruptcy ruling is no 宣告破产裁定书 of the borrower."""
    if doc.get("against"):
        return doc["against"]
    kinds = set(doc.get("events", []))
    concerns = [f.get("against", "borrower") for f in row.get("facts", []) if kinds & set(f.get("events", []))]
    return "each_obligor" if "each_obligor" in concerns else "borrower"


def _document(case: Case, row: Mapping, doc: Mapping, as_of: dt.date) -> Requirement:
    refs: list[str] = []
    found = False
    kinds = {EventKind(k) for k in doc.get("events", [])}
    concerns = _document_concerns(row, doc)
    obligors = {ref for ref, _role in _obligors(case)} if concerns == "each_obligor" else set(case.borrower_ids())
    for e in case.events:
        if e.kind in kinds and e.date <= as_of and any(_against(case, e, o) for o in obligors):
            found = True
            refs += e.evidence
    sources = set(doc.get("repayment_sources", []))
    for r in case.repayments:
        if r.source in sources and r.date <= as_of and (r.party is None or r.party in obligors):
            found = True
            refs += r.evidence
    if doc.get("asset_searches") and case.write_off is not None:
        for s in case.write_off.asset_searches:
            if s.date <= as_of:
                found = True
                refs += s.evidence
    if doc.get("pursuits"):
        for p in case.pursuits:
            if p.date <= as_of and (p.cosigned or not doc.get("cosigned")):
                found = True
                refs += p.evidence
    proof = _evidence_ok(case, refs)
    key = f"document.{doc['key']}"
    if proof:
        return Requirement(key, doc["text"], "document", True, proof, None, row["id"])
    if found:
        return Requirement(key, doc["text"], "document", False, (), ("有记载但未附证据：{text}").format(text=doc["text"]),
                           row["id"])
    if doc.get("cosigned") and any(p.date <= as_of for p in case.pursuits):
        return Requirement(key, doc["text"], "document", False, (), ("追索记录未经经办人和负责人共同签章确认"), row["id"])
    return Requirement(key, doc["text"], "document", False, (), ("缺少：{text}").format(text=doc["text"]), row["id"])


def _pursuit_requirements(row: Mapping, obligors: list[ObligorPursuit]) -> list[Requirement]:
    out = []
    for o in obligors:
        text = ("对{role}{name}进行追偿").format(role=o.role, name=o.name)
        key = f"pursuit.{o.party}"
        if o.released:
            out.append(Requirement(key, text, "pursuit", True, (), None, row["id"]))
            continue
        proof = o.evidence()
        if not o.satisfied:
            missing = ("缺少对{role}{name}的追索记录或诉讼、执行裁判").format(role=o.role, name=o.name)
            out.append(Requirement(key, text, "pursuit", False, (), missing, row["id"]))
        elif not proof:
            out.append(Requirement(key, text, "pursuit", False, (), ("对{role}{name}的追索记录和裁判未附证据").format(
                role=o.role, name=o.name), row["id"]))
        else:
            out.append(Requirement(key, text, "pursuit", True, proof, None, row["id"]))
    return out


def _bankruptcy_open(case: Case, as_of: dt.date, used: list) -> list[Requirement]:
    row = _row("bankruptcy_open", as_of)
    if row is None:
        return [Requirement("computation.bankruptcy_open", ("宣告破产满规定期限"), "computation", False, (),
                            ("{date}无适用的期限规则").format(date=as_of), None)]
    used.append(row)
    declared = [e for e in case.events if e.kind is EventKind.bankruptcy_declared and e.date <= as_of
                and any(_against(case, e, b) for b in case.borrower_ids())]
    if "days" in row:
        span = "{n}天以上".format(n=row["days"])
    else:
        span = "{n}年以上".format(n=row["years"])
    text = ("宣告破产{span}仍未终结破产程序（{citation}）").format(span=span, citation=row["citation"])
    if not declared:
        return [Requirement("computation.bankruptcy_open", text, "computation", False, (), ("没有宣告破产的事件"), row["id"])]
    first = min(e.date for e in declared)
    if "days" in row:
        available = first + dt.timedelta(days=int(row["days"]))
    else:
        available = add_months(first, 12 * int(row["years"]))
    if not row.get("inclusive", True):
        available += dt.timedelta(days=1)
    ended = [e for e in case.events if e.kind is EventKind.bankruptcy_ended and e.date <= as_of]
    if ended:
        return [Requirement("computation.bankruptcy_open", text, "computation", False, (),
                            ("破产程序已于{date}终结，应适用第（一）项破产程序终结的情形").format(date=min(e.date for e in ended)),
                            row["id"])]
    proof = (("{declared}宣告破产，自{available}起可认定").format(declared=first, available=available),)
    if available > as_of:
        return [Requirement("computation.bankruptcy_open", text, "computation", False, proof,
                            ("宣告破产未满期限：{available}起方可认定").format(available=available), row["id"])]
    return [Requirement("computation.bankruptcy_open", text, "computation", True, proof, None, row["id"])]


def _small_amount(case: Case, item_row: Mapping, as_of: dt.date, obligors: list[ObligorPursuit], used: list,
                  components: Components | None) -> list[Requirement]:
    wo = case.write_off
    loan_type = wo.loan_type if wo else None
    institution = wo.institution if wo else "bank"
    out: list[Requirement] = []
    allowed = list(item_row.get("loan_types", []))
    if loan_type is None:
        return [Requirement("computation.loan_type", ("贷款类型（对公、个人经营、个人消费）"), "computation", False, (),
                            ("write_off.loan_type 未填写，无法确定小额核销标准"), item_row["id"])]
    if loan_type not in allowed:
        return [Requirement("computation.loan_type", ("贷款类型适用本项"), "computation", False, (),
                            ("本项适用于{allowed}，本案为{actual}").format(allowed="、".join(allowed), actual=loan_type),
                            item_row["id"])]
    row = _row(f"small_amount.{loan_type}.{institution}", as_of)
    if row is None:
        return [Requirement("computation.small_amount", ("小额核销金额标准"), "computation", False, (),
                            ("{date}无适用的小额核销标准").format(date=as_of), None)]
    used.append(row)
    if row.get("requires_sme_or_agricultural"):
        ok = case.risk.sme_or_agricultural
        out.append(Requirement("computation.sme", ("属于中小企业贷款或涉农贷款"), "computation", ok,
                               ("risk.sme_or_agricultural",) if ok else (),
                               None if ok else ("本案未标明为中小企业或涉农贷款（risk.sme_or_agricultural）"), row["id"]))
    limit = Decimal(row["max_balance"])
    comps = components or balance_components(case, as_of)
    balance = comps.principal
    text = ("单户贷款余额{limit}元及以下").format(limit=f"{limit:,.2f}")
    ok = balance <= limit
    out.append(Requirement("computation.balance", text, "computation", ok,
                           (("贷款余额（本金）{balance}元").format(balance=f"{balance:,.2f}"),),
                           None if ok else ("贷款余额{balance}元超过{limit}元").format(
                               balance=f"{balance:,.2f}", limit=f"{limit:,.2f}"), row["id"]))
    days = int(row["min_pursuit_days"])
    borrowers = [o for o in obligors if ROLE_BORROWER in o.role]
    firsts = [o.first for o in borrowers if o.first is not None]
    text = ("经追索{days}天以上").format(days=days)
    if not firsts:
        out.append(Requirement("computation.pursuit_days", text, "computation", False, (), ("借款人无追索记录"), row["id"]))
    else:
        start = min(firsts)
        available = start + dt.timedelta(days=days if row.get("inclusive", True) else days + 1)
        ok = available <= as_of
        proof = (("首次追索{start}，第{days}天为{available}").format(start=start, days=days, available=available),)
        out.append(Requirement("computation.pursuit_days", text, "computation", ok, proof,
                               None if ok else ("追索未满{days}天：{available}起方可认定").format(days=days, available=available),
                               row["id"]))
    return out


def _not_eligible(case: Case, as_of: dt.date, obligors: list[ObligorPursuit], used: list) -> list[Requirement]:
    row = _row("not_eligible", as_of)
    if row is None:
        return []
    used.append(row)
    out = []
    conditions = {c["key"]: c["text"] for c in row.get("conditions", [])}
    if "never_pursued" in conditions:
        never = [o for o in obligors if not o.pursuits and not o.rulings and not o.released]
        everyone = len(never) == len(obligors) and obligors
        text = "不属于不得核销的情形：{text}".format(text=conditions["never_pursued"])
        records = sum(o.count for o in obligors)
        rulings = len({id(e) for o in obligors for e in o.rulings})
        shown = ("据追索记录{records}条、诉讼执行等事件{rulings}项".format(records=records, rulings=rulings),)
        out.append(Requirement("not_eligible.never_pursued", text,
                               "fact", not everyone, () if everyone else shown,
                               ("借款人和担保人均未被追偿，不得核销") if everyone else None, row["id"]))
    if "evasion" in conditions:
        evasions = [e for e in case.events if e.kind is EventKind.evasion and e.date <= as_of]
        out.append(Requirement("not_eligible.evasion", ("不属于不得核销的情形：{text}").format(text=conditions["evasion"]),
                               "fact", not evasions,
                               tuple(_describe(e) for e in evasions) or ("案件未记载逃废债事件",),
                               ("案件记载逃废债行为（{events}），应依法追究，不得核销").format(
                                   events="、".join(_describe(e) for e in evasions)) if evasions else None, row["id"]))
    return out


def check_eligibility(case: Case, criterion: str, as_of: dt.date, *,
                      components: Components | None = None, later_confirmations=()) -> Eligibility:
    """Check Annex 1 item ``criterion`` of 财金〔2017〕90号 ("1a", "1b", "2" ... "14") for ``case`` on
    ``as_of`` (the proposed write-off date): facts, documents, computations, the pursuit of the
    borrower and of every guarantor, mortgagor and pledgor, and the may-not-be-written-off
    checks, each with the evidence that proves it or what is missing.

    ``components``: the case's :func:`~legaldocs.money.components.balance_components` as of
    ``as_of`` when the caller has them (the small-amount routes need the balance).
    ``later_confirmations``: confirmations the caller left out of ``case`` because they are dated
    after ``as_of`` (those still in ``case`` with a later date are read too): they do not count,
    and the draft reason of the row they cover names them (by whom, on which date).
    Returns :class:`Eligibility`. Raises LegalDocsError listing the valid items for an unknown
    criterion, and as the money engine for a loan it cannot schedule.
    Source: 财金〔2017〕90号 art 6 and Annex 1 (rows in ``law/data/writeoff.toml``, each tagged
    verified / secondary / unverified)."""
    row = criterion_row(criterion, as_of)
    used: list[Mapping[str, Any]] = []
    measures = _row("measures", as_of)
    if measures is not None:
        used.append(measures)
    used.append(row)
    obligors = obligor_pursuits(case, as_of)
    requirements: list[Requirement] = []
    if not row.get("handled", True):
        requirements.append(Requirement("computation.handled", row["title"], "computation", False, (),
                                        ("本项不由软件检查，须人工审查：{notes}").format(notes=row.get("notes", "")), row["id"]))
    for fact in row.get("facts", []):
        requirements += _fact(case, row, fact, obligors, as_of)
    for doc in row.get("documents", []):
        requirements.append(_document(case, row, doc, as_of))
    if row["item"] == "1b":
        requirements += _bankruptcy_open(case, as_of, used)
    if row.get("route") == "small_amount":
        requirements += _small_amount(case, row, as_of, obligors, used, components)
    if row.get("guarantor_pursuit", True):
        requirements += _pursuit_requirements(row, obligors)
    requirements += _not_eligible(case, as_of, obligors, used)

    unverified = [r for r in used if r.get("status") == "unverified"]
    confirmations = list(case.write_off.confirmations) if case.write_off else []
    confirmed = [c for c in confirmations if c.date <= as_of and any(c.rule == r["id"] for r in unverified)]
    late = [c for c in (*confirmations, *later_confirmations) if c.date > as_of]
    confirmed_ids = {c.rule for c in confirmed}
    met = all(r.met for r in requirements)
    reasons: list[str] = []
    for r in requirements:
        if not r.met:
            reasons.append(("未满足：{text}（{missing}）").format(text=r.text, missing=r.missing or ""))
    for r in unverified:
        if r["id"] not in confirmed_ids:
            reason = ("依据未经核实的规则{id}（{citation}），须经人工确认并记录（write_off.confirmations）").format(
                id=r["id"], citation=r["citation"])
            after = [c for c in late if c.rule == r["id"]]
            if after:
                reason += "；已有的确认（{who}）晚于基准日{as_of}，不能采用".format(
                    who="、".join(f"{c.by}于{_cn_date(c.date)}" for c in after), as_of=_cn_date(as_of))
            reasons.append(reason)
    final = met and all(r["id"] in confirmed_ids for r in unverified)
    return Eligibility(criterion=row["item"], title=row["title"], rule=row, as_of=as_of, requirements=requirements,
                       obligors=obligors, unverified=unverified, confirmed=confirmed, met=met, final=final,
                       draft_reasons=reasons, rules=used)


# --- residue ----------------------------------------------------------------------------------

@dataclass
class Residue:
    """What remains to be written off on ``as_of`` (剩余债权), by component, after every recovery:
    ``components`` (本金, 表内利息, 表外利息, fees per loan and in total, and the recoveries with
    dates and sources); ``recovered_by_source`` and ``recovered_by_component`` up to ``as_of``.
    The claim before recoveries is ``total + recovered`` (the engine applied each payment in its
    allocation order; interest accrues on what was left unpaid)."""

    as_of: dt.date
    components: Components

    @property
    def principal(self) -> Decimal:
        return self.components.principal

    @property
    def interest_on_balance(self) -> Decimal:
        return self.components.interest_on_balance

    @property
    def interest_off_balance(self) -> Decimal:
        return self.components.interest_off_balance

    @property
    def fees(self) -> Decimal:
        return self.components.fees

    @property
    def total(self) -> Decimal:
        return self.components.total

    @property
    def recoveries(self):
        return self.components.recoveries

    @property
    def recovered(self) -> Decimal:
        return self.components.recovered()

    @property
    def recovered_by_source(self) -> dict[str, Decimal]:
        return self.components.recovered_by_source()

    @property
    def recovered_by_component(self) -> dict[str, Decimal]:
        return self.components.recovered_by_component()

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "principal": str(self.principal),
            "interest_on_balance": str(self.interest_on_balance),
            "interest_off_balance": str(self.interest_off_balance),
            "fees": str(self.fees), "total": str(self.total), "recovered": str(self.recovered),
            "recovered_by_source": {k: str(v) for k, v in self.recovered_by_source.items()},
            "recovered_by_component": {k: str(v) for k, v in self.recovered_by_component.items()},
            "components": self.components.as_dict(),
        }


def residue(case: Case, as_of: dt.date, *, components: Components | None = None) -> Residue:
    """The residue written off on ``as_of`` (剩余债权: the claim less distributions, collateral
    proceeds, set-offs, guarantor and other recoveries), per component (本金, 表内利息, 表外利息,
    fees) from :func:`legaldocs.money.components.balance_components`, with every recovery by date
    and source. Amounts Decimal in the claim's currency. Raises LegalDocsError as the money
    engine. Source: 财金〔2017〕90号 Annex 1 (only the remaining claim is written off)."""
    comps = components if components is not None and components.as_of == as_of else balance_components(case, as_of)
    return Residue(as_of=as_of, components=comps)
