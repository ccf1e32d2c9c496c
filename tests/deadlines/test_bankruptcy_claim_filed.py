"""The bankruptcy claim clock (破产债权申报期限) ends when the claim is filed in that bankruptcy:
on time it is satisfied; late it is still satisfied (补充申报, 企业破产法第五十六条) with a note;
a claim filed in another debtor's bankruptcy does not count."""

import datetime as dt
from pathlib import Path

from legaldocs.case.load import load_case
from legaldocs.case.model import Event, EventKind
from legaldocs.deadlines.clocks import case_clocks

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
AS_OF = dt.date(2026, 3, 1)


def _claim_clock(*extra: Event):
    case = load_case(DEMO, check_files=False).case
    guarantor = case.guarantees[0].guarantor
    accepted = Event(date=dt.date(2025, 9, 1), kind=EventKind.bankruptcy_accepted, parties=[guarantor],
                     until=dt.date(2025, 11, 30))
    case = case.model_copy(update={"events": [*case.events, accepted, *extra]})
    [clock] = [c for c in case_clocks(case, AS_OF) if c.kind == "bankruptcy_claim"]
    return clock, guarantor


def test_no_claim_filed_the_deadline_has_passed():
    clock, _ = _claim_clock()
    assert clock.date == dt.date(2025, 11, 30) and clock.status == "expired"


def test_a_claim_filed_in_time_satisfies_the_clock():
    case = load_case(DEMO, check_files=False).case
    filed = Event(date=dt.date(2025, 10, 8), kind=EventKind.bankruptcy_claim_filed, parties=[case.guarantees[0].guarantor],
                  case_number="（2025）示破1号")
    clock, _ = _claim_clock(filed)
    assert clock.status == "satisfied"
    assert any(link.date == dt.date(2025, 10, 8) and "申报破产债权" in link.event for link in clock.chain)
    assert not any("补充申报" in n for n in clock.notes)


def test_a_late_claim_is_a_supplementary_claim_and_says_so():
    case = load_case(DEMO, check_files=False).case
    late = Event(date=dt.date(2025, 12, 20), kind=EventKind.bankruptcy_claim_filed, parties=[case.guarantees[0].guarantor])
    clock, _ = _claim_clock(late)
    assert clock.status == "satisfied"
    assert any("补充申报" in n and "第五十六条" in n for n in clock.notes)


def test_a_claim_in_another_debtors_bankruptcy_does_not_count():
    case = load_case(DEMO, check_files=False).case
    other = Event(date=dt.date(2025, 10, 8), kind=EventKind.bankruptcy_claim_filed, parties=[case.loans[0].borrowers[0]])
    clock, _ = _claim_clock(other)
    assert clock.status == "expired"
