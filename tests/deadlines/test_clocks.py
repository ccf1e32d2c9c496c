"""Deadline clocks against legal-rules.md §14 TC2-TC8 and the holdings of RC12 and RC14."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldocs.deadlines.clocks import agreed_months, case_clocks
from legaldocs.case.model import Case

d = dt.date.fromisoformat
BORROWER = {"kind": "person", "name": "借款人甲", "gender": "男", "ethnicity": "汉族", "birth_date": "1979-04-12",
            "id_number": "110105197904120131", "address": "北京"}
GUARANTOR = {"kind": "organization", "name": "保证人乙公司", "uscc": "91350200MA2Y3X4R49", "address": "厦门",
             "representative": "某某"}


def make_case(maturity: str, *, events=(), guarantees=(), repayments=(), signed="2020-01-01", draw=None) -> Case:
    data = {
        "case_id": "T",
        "court": "某法院",
        "creditor": {"name": "某银行支行", "uscc": "91310115MA1H7K3D22", "address": "上海", "representative": "某"},
        "parties": {"P1": BORROWER, "G1": GUARANTOR},
        "loans": [{"id": "L1", "number": "N1", "borrowers": ["P1"], "signed_on": signed, "principal": "100000",
                   "draws": [{"date": draw or signed, "amount": "100000", "maturity": maturity}],
                   "annual_rate": "0.05", "repayment_method": "到期一次性还本付息"}],
        "guarantees": list(guarantees),
        "repayments": list(repayments),
        "events": list(events),
        "claim": {"as_of": maturity},
        "evidence": [{"id": "E1", "title": "借款合同", "files": ["x.pdf"], "purpose": "借款关系"}],
    }
    return Case.model_validate(data)


def clock(clocks, kind, obligor=None):
    found = [c for c in clocks if c.kind == kind and (obligor is None or c.obligor == obligor)]
    assert found, (kind, [c.kind for c in clocks])
    return found[0]


def test_tc1_plain_maturity():
    c = clock(case_clocks(make_case("2022-05-20"), d("2025-05-01")), "limitation")
    assert c.date == d("2025-05-20") and c.status == "running"


def test_tc2_two_interruptions():
    case = make_case("2021-03-15",
                     events=[{"date": "2023-02-10", "kind": "催收通知书送达", "parties": ["P1"], "evidence": ["E1"]}],
                     repayments=[{"date": "2024-06-28", "amount": "1000", "loan": "L1"}])
    c = clock(case_clocks(case, d("2025-01-01")), "limitation")
    assert c.date == d("2027-06-28")
    assert [link.date for link in c.chain] == [d("2021-03-15"), d("2023-02-10"), d("2024-06-28")]
    assert c.chain[1].evidence == ("E1",) and "第一百九十五条" in c.chain[1].rule


def test_tc5_suspension_in_the_last_six_months():
    # original expiry 2025-09-30: maturity 2022-09-30
    obstacle = {"date": "2025-06-01", "until": "2025-07-15", "kind": "诉讼时效中止事由", "note": "不可抗力"}
    c = clock(case_clocks(make_case("2022-09-30", events=[obstacle]), d("2025-08-01")), "limitation")
    assert c.date == d("2026-01-15")
    early = dict(obstacle, date="2025-02-01", until="2025-03-15")
    c = clock(case_clocks(make_case("2022-09-30", events=[early]), d("2025-08-01")), "limitation")
    assert c.date == d("2025-09-30")


def test_tc6b_twenty_year_bound_and_rc14_guiding_case():
    events = [{"date": f"{y}-05-01", "kind": "债务人确认债务", "parties": ["P1"]} for y in range(2006, 2025, 2)]
    case = make_case("2004-05-31", events=events, signed="2003-05-31")
    c = clock(case_clocks(case, d("2025-01-01")), "limitation")
    assert c.date == d("2024-05-31")  # safe date: 20 years (总则编解释 art 35)
    # the chain would run to 2027-05-01 (TC6B), a Saturday and Labour Day: 2027 is past the loaded
    # calendar, so weekends and fixed holidays alone roll it to Monday 05-03, marked provisional
    assert c.alternative_date == d("2027-05-03") and c.provisional
    assert any("指导性案例249号" in n for n in c.notes)


def _joint(period=None, signed="2022-03-01", kind="连带责任保证"):
    g = {"id": "GA", "number": "B1", "guarantor": "G1", "secures": ["L1"], "kind": kind, "signed_on": signed}
    if period:
        g["period"] = period
    return g


def test_tc7_joint_guarantee_without_agreed_period():
    demand = {"date": "2025-01-10", "kind": "履行保证责任通知书送达", "parties": ["G1"], "evidence": ["E1"]}
    clocks = case_clocks(make_case("2024-08-30", guarantees=[_joint()], events=[demand]), d("2025-06-01"))
    period = clock(clocks, "guarantee_period")
    assert period.date == d("2025-02-28") and period.status == "satisfied"
    assert clock(clocks, "guarantor_limitation").date == d("2028-01-10")
    late = dict(demand, date="2025-03-03")
    period = clock(case_clocks(make_case("2024-08-30", guarantees=[_joint()], events=[late]), d("2025-06-01")), "guarantee_period")
    assert period.status == "released"


def test_tc8_agreed_period_equal_to_maturity_general_guarantee():
    g = _joint(period="至2024年6月28日止，六个月", kind="一般保证")
    g["period"] = "主债务履行期限届满之日起零个月"  # ends on maturity: treated as unagreed
    suit = {"date": "2024-11-20", "kind": "提起诉讼", "parties": ["P1"]}
    clocks = case_clocks(make_case("2024-06-28", guarantees=[g], events=[suit]), d("2025-01-10"))
    period = clock(clocks, "guarantee_period")
    assert (period.date, period.alternative_date) == (d("2024-12-28"), d("2024-12-30"))
    assert period.status == "satisfied"


def test_rc12_guarantors_released_unless_demanded_within_the_period():
    guarantees = [dict(_joint("借款到期后二年", signed="2009-10-30"), id=f"G{x}", guarantor="G1" if x == "B" else "P9")
                  for x in ("B",)]
    notice = {"date": "2011-11-18", "kind": "催收通知书送达", "parties": ["P1", "G1"], "note": "借款人与保证人B签字"}
    clocks = case_clocks(make_case("2010-10-15", guarantees=guarantees, events=[notice], signed="2009-10-30"),
                         d("2013-09-25"))
    assert clock(clocks, "guarantee_period").date == d("2012-10-15")
    assert clock(clocks, "guarantee_period").status == "satisfied"
    released = case_clocks(make_case("2010-10-15", guarantees=guarantees, signed="2009-10-30"), d("2013-09-25"))
    assert clock(released, "guarantee_period").status == "released"


@pytest.mark.parametrize("text,months", [("主债务履行期限届满之日起三年", 36), ("六个月", 6), ("2年", 24), (None, None), ("至还清为止", None)])
def test_agreed_period_text(text, months):
    assert agreed_months(text) == months


@settings(max_examples=200, deadline=None)
@given(first=st.integers(1, 900), second=st.integers(1, 900))
def test_a_later_interruption_never_makes_the_limitation_earlier(first, second):
    maturity = d("2021-03-15")
    a = (maturity + dt.timedelta(days=first)).isoformat()
    b = (maturity + dt.timedelta(days=first + second)).isoformat()
    one = clock(case_clocks(make_case("2021-03-15", events=[{"date": a, "kind": "催收通知书送达"}]), d("2026-12-31")), "limitation")
    two = clock(case_clocks(make_case("2021-03-15", events=[{"date": a, "kind": "催收通知书送达"},
                                                            {"date": b, "kind": "催收通知书送达"}]), d("2026-12-31")), "limitation")
    assert two.date >= one.date


def test_cli_deadlines_alerts_and_calendar(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from icalendar import Calendar

    root = Path(__file__).resolve().parents[2]
    demo = root / "examples" / "demo" / "case.yaml"
    cli = [sys.executable, "-m", "evidence.cli"]
    run = subprocess.run([*cli, "deadlines", str(demo), "--as-of", "2025-06-30", "--json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    clocks = json.loads(run.stdout)
    keys = {"kind", "obligor", "date", "alternative_date", "status", "provisional", "chain"}
    assert all(keys <= set(c) for c in clocks)
    limitation = next(c for c in clocks if c["kind"] == "limitation")
    assert limitation["date"] == "2028-05-09"  # demand delivered 2025-05-09 + 3 years
    assert {"date", "event", "evidence", "rule"} <= set(limitation["chain"][1])
    ics = tmp_path / "due.ics"
    run = subprocess.run([*cli, "alerts", str(demo.parent), "--as-of", "2028-04-20", "--within", "30", "--json",
                          "--ics", str(ics)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    alerts = json.loads(run.stdout)["clocks"]
    assert alerts and alerts[0]["severity"] in ("critical", "high", "medium")
    assert all(a["case"] == "DEMO-2025-001" for a in alerts)
    cal = Calendar.from_ical(ics.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(alerts)
    assert sorted(-a["TRIGGER"].dt.days for a in events[0].walk("VALARM")) == [1, 7, 30]


def test_packet_leaves_out_a_released_guarantor(tmp_path):
    from pathlib import Path

    import yaml

    from evidence.packet import build_packet
    from pypdf import PdfReader

    demo = Path(__file__).resolve().parents[2] / "examples" / "demo" / "case.yaml"
    data = yaml.safe_load(demo.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((demo.parent / f).resolve()) for f in item["files"]]
    data["guarantees"][0]["period"] = "主债务履行期限届满之日起一个月"
    data["events"] = [e for e in data["events"] if e["kind"] != "履行保证责任通知书送达"]
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = build_packet(path, tmp_path / "out")
    assert result.released == ("G1",)
    text = "".join(p.extract_text() for p in PdfReader(str(result.folder / "民事起诉状.pdf")).pages)
    assert "上海恒远贸易有限公司" not in text
    data["guarantees"][0]["override_release"] = "保证人于期间内书面承诺继续承担保证责任"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = build_packet(path, tmp_path / "out2")
    assert result.released == ()
    text = "".join(p.extract_text() for p in PdfReader(str(result.folder / "民事起诉状.pdf")).pages)
    assert "上海恒远贸易有限公司" in text.replace("\n", "")


def test_procedural_clocks_tc9_and_seizure_renewal():
    events = [
        {"date": "2025-09-23", "kind": "判决书送达"},
        {"date": "2024-03-01", "kind": "判决生效", "until": "2024-03-11"},
        {"date": "2025-09-05", "kind": "财产保全裁定"},
        {"date": "2025-03-10", "kind": "破产申请受理公告", "until": "2025-04-24"},
        {"date": "2025-06-18", "kind": "查封冻结", "asset": "deposit", "note": "冻结银行存款"},
        {"date": "2025-06-18", "kind": "查封冻结", "asset": "real_property", "note": "查封房产"},
    ]
    clocks = case_clocks(make_case("2023-06-30", events=events, signed="2022-06-30"), d("2025-09-30"))
    assert clock(clocks, "appeal").date == d("2025-10-09")  # TC9(a)
    assert clock(clocks, "enforcement_application").date == d("2026-03-11")  # TC9(d)
    assert clock(clocks, "suit_after_preservation").date == d("2025-10-09")  # TC9(c)
    assert clock(clocks, "bankruptcy_claim").date == d("2025-04-24") and not clock(clocks, "bankruptcy_claim").notes  # TC9(f)
    # the term counts the day the measure was carried out and is not rolled (至2026-06-17止); the
    # period counted as under CPL art 85 (2026-06-18; 2028-06-19 past a Sunday) is the arguable date
    expiries = sorted((c.date, c.alternative_date) for c in clocks if c.kind == "seizure_expiry")
    assert expiries == [(d("2026-06-17"), d("2026-06-18")), (d("2028-06-17"), d("2028-06-19"))]
    renewals = sorted(c.date for c in clocks if c.kind == "seizure_renewal")
    assert renewals[0] == d("2026-06-10")  # at least 7 days before 2026-06-17
    assert all(c.rule for c in clocks for c in c.chain)


def test_tc6a_instalments_run_from_the_last_instalment_and_other_interruptions():
    case = make_case("2023-12-21", signed="2021-12-21")
    assert clock(case_clocks(case, d("2024-06-01")), "limitation").date == d("2026-12-21")
    events = [{"date": "2024-02-01", "kind": "申请支付令", "parties": ["P1"]},
              {"date": "2024-03-05", "kind": "裁定书送达"}]
    clocks = case_clocks(make_case("2023-12-21", signed="2021-12-21", events=events), d("2024-03-06"))
    assert clock(clocks, "limitation").date == d("2027-02-01")
    assert clock(clocks, "appeal").date == d("2024-03-15")  # ruling: 10 days


def test_guarantee_period_written_as_an_end_date():
    g = _joint(period="保证期间至2024年6月28日止", kind="一般保证")
    period = clock(case_clocks(make_case("2024-06-28", guarantees=[g]), d("2025-01-15")), "guarantee_period")
    assert (period.date, period.alternative_date, period.status) == (d("2024-12-28"), d("2024-12-30"), "released")
    g = _joint(period="保证期间至2026年1月2日止")
    period = clock(case_clocks(make_case("2023-01-02", guarantees=[g]), d("2025-06-01")), "guarantee_period")
    assert period.date == d("2026-01-02") and period.status == "running"  # RC06: agreed end after maturity


def test_events_after_the_as_of_date_do_not_count():
    events = [{"date": "2025-09-23", "kind": "判决书送达"}]
    clocks = case_clocks(make_case("2023-06-30", events=events, signed="2022-06-30"), d("2025-01-01"))
    assert not [c for c in clocks if c.kind == "appeal"]


def test_a_seizure_without_a_note_is_named_by_its_asset_in_chinese():
    """The chain of a seizure clock names what was seized in words legal staff read (不动产), never
    the case file's code for it (real_property)."""
    from pathlib import Path

    from legaldocs.case.load import load_case
    from legaldocs.deadlines.clocks import case_clocks

    example = Path(__file__).resolve().parents[2] / "examples" / "enforcement" / "case.yaml"
    case = load_case(example, check_files=False).case
    events = [link.event for c in case_clocks(case, dt.date(2025, 9, 1)) if c.kind == "seizure_expiry" for link in c.chain]
    assert "查封/冻结（不动产）" in events, events
    assert not [e for e in events if "real_property" in e or "deposit" in e or "movable" in e], events
