"""Clocks on random cases from 1990 to 2030: a case never fails as a whole, and every link of
every clock's chain that applies a rule cites the version in force on the date that governs it."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legaldocs.case.model import Case
from legaldocs.deadlines.clocks import case_clocks
from legaldocs.law.rules import rule_by_id

D = dt.date
days = st.integers(min_value=0, max_value=14_000)


def _case(signed: dt.date, months: int, demand: int, mode: str, judgment: int, seizure: int, withdrawn: bool) -> Case:
    maturity = D(signed.year + (signed.month - 1 + months) // 12, (signed.month - 1 + months) % 12 + 1, min(signed.day, 28))
    demand_on = maturity + dt.timedelta(days=demand % 1500)
    events = [{"date": demand_on, "kind": "催收通知书送达", "parties": ["P1", "P2"]},
              {"date": demand_on + dt.timedelta(days=30), "kind": "提起诉讼", "parties": ["P1"]}]
    if withdrawn:
        events.append({"date": demand_on + dt.timedelta(days=90), "kind": "撤回起诉", "parties": ["P1"]})
    effective = demand_on + dt.timedelta(days=60 + judgment % 400)
    events += [{"date": effective, "kind": "判决生效", "parties": ["P1"], "until": effective + dt.timedelta(days=10)},
               {"date": effective + dt.timedelta(days=seizure % 300), "kind": "查封冻结", "asset": "real_property"}]
    return Case.model_validate({
        "case_id": "PROP", "court": "示例人民法院",
        "creditor": {"name": "示例银行某支行", "uscc": "91110105MA01A2B3C4", "address": "示例路1号", "representative": "某"},
        "parties": {
            "P1": {"kind": "person", "name": "甲", "gender": "男", "ethnicity": "汉族", "birth_date": D(1980, 1, 1),
                   "id_number": "110105198001010112", "address": "示例小区1号"},
            "P2": {"kind": "person", "name": "乙", "gender": "男", "ethnicity": "汉族", "birth_date": D(1980, 1, 1),
                   "id_number": "110105198001010112", "address": "示例小区2号"},
        },
        "loans": [{"id": "L1", "number": "L-1", "borrowers": ["P1"], "signed_on": signed, "principal": "100000",
                   "draws": [{"date": signed, "amount": "100000", "maturity": maturity}], "annual_rate": "0.06",
                   "repayment_method": "到期一次性还本付息"}],
        "guarantees": [{"id": "G1", "number": "G-1", "guarantor": "P2", "secures": ["L1"], "kind": mode, "signed_on": signed}],
        "collateral": [{"id": "M1", "kind": "mortgage", "contract_number": "M-1", "signed_on": signed, "owner": "P1",
                        "secures": ["L1"], "description": "房屋"}],
        "events": events,
        "claim": {"as_of": maturity, "amounts": "bank", "principal": "100000"},
        "evidence": [{"id": "E1", "title": "合同", "files": ["x.pdf"], "purpose": "借款"}],
    })


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.dates(min_value=D(1990, 1, 1), max_value=D(2026, 12, 31)), months=st.integers(min_value=1, max_value=60),
       demand=days, mode=st.sampled_from(["连带责任保证", "一般保证", "未约定"]), judgment=days, seizure=days,
       withdrawn=st.booleans(), look=st.integers(min_value=0, max_value=3000))
def test_every_clock_cites_the_law_of_its_date(start, months, demand, mode, judgment, seizure, withdrawn, look):
    case = _case(start, months, demand, mode, judgment, seizure, withdrawn)
    as_of = min(case.loans[0].maturity + dt.timedelta(days=look), D(2030, 12, 31))
    clocks = case_clocks(case, as_of)  # never raises, whatever the dates
    assert clocks
    for clock in clocks:
        assert clock.status in ("running", "expired", "satisfied", "released", "undetermined")
        if clock.status == "undetermined":
            assert clock.date is None and clock.notes and "未计算" in clock.notes[0]
            continue
        for link in clock.chain:
            assert link.rule.strip()
            if link.rule_id is None:
                continue
            _, row = rule_by_id(link.rule_id)
            assert row["effective_from"] <= link.governed_on, (clock.kind, link)
            assert row.get("effective_to") is None or link.governed_on <= row["effective_to"], (clock.kind, link)
        if clock.kind == "limitation":
            first = clock.chain[0]
            law = "民法典" if first.governed_on >= D(2021, 1, 1) else "民法总则" if first.governed_on >= D(2017, 10, 1) else "民法通则"
            assert law in first.rule or ("民法总则" in first.rule and "法释〔2018〕12号" in first.rule), first
        if clock.kind == "guarantee_period":
            assert ("担保法" in clock.chain[0].rule) == (D(1995, 10, 1) <= start < D(2021, 1, 1)) or start >= D(2021, 1, 1)
