"""After write-off (账销案存、权在力催): the status on a date, recoveries after the write-off by
component and source as the money engine applies them, clocks that do not depend on the write-off,
and the alerts and deadlines commands, which read written-off cases and show their status."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from legaldocs.case.model import Case
from legaldocs.deadlines.clocks import case_clocks
from legaldocs.money.statement import case_statement
from legaldocs.portfolio.alerts import scan_alerts
from legaldocs.portfolio.status import write_off_status

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "case.yaml"
CLI = [sys.executable, "-m", "evidence.cli"]
WRITTEN_OFF_ON = dt.date(2025, 12, 15)


def _data(**write_off) -> dict:
    """The demo case written off on 2025-12-15 (终本 against both obligors), a guarantor's payment
    after it and the proceeds of the mortgaged flat later still; ``write_off`` fields added."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["events"] += [
        {"date": dt.date(2025, 10, 20), "kind": "终结本次执行程序", "parties": ["P1", "C1"],
         "case_number": "（2025）沪0115执1234号"},
    ]
    data["repayments"] += [
        {"date": dt.date(2025, 12, 1), "amount": "5000.00", "loan": "L1", "source": "borrower"},
        {"date": dt.date(2026, 1, 10), "amount": "20000.00", "loan": "L1", "source": "guarantor", "party": "C1"},
        {"date": dt.date(2026, 4, 10), "amount": "300000.00", "loan": "L1", "source": "collateral", "party": "P1"},
    ]
    data["write_off"] = {"criterion": "7", "proposed_on": dt.date(2025, 11, 1), "written_off_on": WRITTEN_OFF_ON,
                         **write_off}
    return data


def _case(**write_off) -> Case:
    return Case.model_validate(_data(**write_off))


def test_not_written_off_before_the_booking_date_nor_while_only_proposed():
    case = _case()
    before = write_off_status(case, dt.date(2025, 12, 14))
    assert (before.accounting, before.legal, before.state, before.label) == ("on_balance", "active", None, "")
    assert before.written_off_on is None and before.booked_on == WRITTEN_OFF_ON and before.recoveries == ()
    proposed = Case.model_validate({**_data(), "write_off": {"criterion": "7", "proposed_on": "2025-11-01"}})
    assert not write_off_status(proposed, dt.date(2030, 1, 1)).written_off
    plain = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    assert write_off_status(Case.model_validate(plain), dt.date(2030, 1, 1)).state is None


def test_written_off_is_still_pursued_on_and_after_the_booking_date():
    status = write_off_status(_case(), WRITTEN_OFF_ON)
    assert (status.accounting, status.legal, status.state) == ("written_off", "active", "pursued")
    assert status.pursued and status.written_off and not status.ended
    assert status.state_name == "账销案存"
    assert status.label == "账销案存（2025年12月15日核销）"
    assert status.as_dict()["clocks_alert"] is True


@pytest.mark.parametrize(("reason", "name"), [("paid", "已全额清偿"), ("transferred", "已转让"),
                                              ("extinguished", "权利已消灭")])
def test_fully_ended_from_the_end_date_with_its_reason(reason, name):
    case = _case(ended={"date": dt.date(2026, 5, 1), "reason": reason, "note": "见证据"})
    assert write_off_status(case, dt.date(2026, 4, 30)).state == "pursued"  # the end has not happened yet
    status = write_off_status(case, dt.date(2026, 5, 1))
    assert (status.accounting, status.legal, status.state) == ("written_off", "ended", "ended")
    assert status.state_name == "完全终结" and status.end_reason_name == name
    assert status.label == f"完全终结（{name}，2026年5月1日）"
    body = status.as_dict()
    assert body["status_name"] == "完全终结" and body["end_reason"] == reason and body["ended_on"] == "2026-05-01"
    assert body["clocks_alert"] is False and body["accounting_status_name"] == "已核销"


def test_recoveries_after_write_off_by_component_and_source_as_the_engine_applies_them():
    case = _case()
    status = write_off_status(case, dt.date(2026, 6, 30))
    # the borrower's payment of 2025-12-01 is before the write-off: not a recovery after it
    assert [(r.date, r.amount, r.source, r.party) for r in status.recoveries] == [
        (dt.date(2026, 1, 10), Decimal("20000.00"), "guarantor", "C1"),
        (dt.date(2026, 4, 10), Decimal("300000.00"), "collateral", "P1")]
    engine = {(a.date, a.amount): a for a in case_statement(case, dt.date(2026, 6, 30)).allocations}
    for r in status.recoveries:  # the engine's own allocation, part for part
        assert r.parts == engine[(r.date, r.amount)].parts
        assert sum((a for _, a in r.parts), Decimal(0)) + r.unapplied == r.amount
    guarantor = status.recoveries[0]
    assert [c for c, _ in guarantor.parts] == ["compound_interest", "penalty_interest"]  # 先息后本: charges first
    by_component = status.recovered_by_component()
    assert sum(by_component.values()) == Decimal("320000.00") == status.recovered
    assert by_component["principal"] > 0 and list(by_component)[0] == "principal"
    assert status.recovered_by_source() == {"guarantor": Decimal("20000.00"), "collateral": Decimal("300000.00")}
    body = status.as_dict()
    assert body["recovered"] == "320000.00"
    assert body["recovered_by_source"] == {"guarantor": "20000.00", "collateral": "300000.00"}
    assert body["recoveries"][0]["source_name"] == "保证人代偿"
    assert body["recoveries"][1]["parts"][-1]["name"] == "本金"
    # EAST 资产核销表: 收回本金 and 收回利息
    assert status.recovered_principal == by_component["principal"]
    assert status.recovered_principal + status.recovered_interest == Decimal("320000.00")
    assert body["recovered_principal"] == str(by_component["principal"].quantize(Decimal("0.01")))
    # a payment after the as-of date is not yet received
    assert [r.date for r in write_off_status(case, dt.date(2026, 3, 1)).recoveries] == [dt.date(2026, 1, 10)]


def test_the_clocks_of_a_written_off_case_are_those_of_the_same_case_without_write_off():
    with_write_off = _data()
    without = copy.deepcopy(with_write_off)
    del without["write_off"]
    ended = _data(ended={"date": dt.date(2026, 5, 1), "reason": "paid"})
    for day in (dt.date(2025, 12, 15), dt.date(2026, 6, 30), dt.date(2029, 3, 1)):
        expected = [c.as_dict() for c in case_clocks(Case.model_validate(without), day)]
        assert expected  # limitation, guarantee, collateral ...
        assert [c.as_dict() for c in case_clocks(Case.model_validate(with_write_off), day)] == expected
        assert [c.as_dict() for c in case_clocks(Case.model_validate(ended), day)] == expected


def _write(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def portfolio(tmp_path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    plain = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    _write(folder, "on-balance.yaml", dict(plain, case_id="ON-1"))
    _write(folder, "written-off.yaml", dict(_data(), case_id="WO-1"))
    _write(folder, "ended.yaml", dict(_data(ended={"date": dt.date(2026, 5, 1), "reason": "transferred"}),
                                      case_id="END-1"))
    return folder


def test_alerts_read_written_off_cases_and_leave_out_the_clocks_of_ended_ones(portfolio):
    report = scan_alerts([portfolio], dt.date(2026, 6, 30), 3650)
    assert report.cases == 3 and not report.unreadable
    by_case: dict[str, list] = {}
    for a in report.alerts:
        by_case.setdefault(a.case_id, []).append(a)
    assert set(by_case) == {"ON-1", "WO-1"}
    assert {a.clock.kind for a in by_case["WO-1"]} >= {"limitation", "collateral"}
    assert all(a.write_off.state_name == "账销案存" for a in by_case["WO-1"])
    assert all(a.write_off.state is None for a in by_case["ON-1"])
    assert [(e.case_id, e.write_off.label) for e in report.ended] == [("END-1", "完全终结（已转让，2026年5月1日）")]
    body = report.as_dict()
    wo = next(c for c in body["clocks"] if c["case"] == "WO-1")
    assert wo["write_off"]["status"] == "pursued" and wo["write_off"]["written_off_on"] == "2025-12-15"
    assert "recoveries" not in wo["write_off"]  # the alerts never run the money engine
    ended = body["ended_cases"][0]
    assert ended["case"] == "END-1" and ended["write_off"]["end_reason"] == "transferred"


def test_alerts_command_shows_the_status_beside_the_case(portfolio):
    run = subprocess.run([*CLI, "alerts", str(portfolio), "--as-of", "2026-06-30", "--within", "3650"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    rows = [line for line in run.stdout.splitlines() if "WO-1" in line]
    assert rows and all("账销案存" in line for line in rows)
    assert not any("账销案存" in line or "完全终结" in line for line in run.stdout.splitlines() if "ON-1" in line)
    ended = [line for line in run.stdout.splitlines() if "END-1" in line]
    assert len(ended) == 1 and "完全终结（已转让，2026年5月1日）" in ended[0]
    js = json.loads(subprocess.run([*CLI, "alerts", str(portfolio), "--as-of", "2026-06-30", "--within", "3650",
                                    "--json"], capture_output=True, text=True, check=True).stdout)
    assert {c["case"] for c in js["clocks"]} == {"ON-1", "WO-1"}
    assert {c["write_off"]["status_name"] for c in js["clocks"] if c["case"] == "WO-1"} == {"账销案存"}


def test_deadlines_command_lists_every_clock_with_the_status_and_the_recoveries(portfolio):
    case = portfolio / "written-off.yaml"
    run = subprocess.run([*CLI, "deadlines", str(case), "--as-of", "2026-06-30"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "账销案存（2025年12月15日核销）" in run.stdout
    assert "320,000.00" in run.stdout and "保证人代偿 20,000.00" in run.stdout and "抵押物、质物处置款 300,000.00" in run.stdout
    clocks = json.loads(subprocess.run([*CLI, "deadlines", str(case), "--as-of", "2026-06-30", "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    assert clocks and all(c["write_off"]["status"] == "pursued" for c in clocks)
    assert clocks[0]["write_off"]["recovered_by_source"] == {"guarantor": "20000.00", "collateral": "300000.00"}
    # a fully ended case: its clocks are still listed, with its status
    ended = portfolio / "ended.yaml"
    run = subprocess.run([*CLI, "deadlines", str(ended), "--as-of", "2026-06-30"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "完全终结（已转让，2026年5月1日）" in run.stdout and "诉讼时效" in run.stdout
    listed = json.loads(subprocess.run([*CLI, "deadlines", str(ended), "--as-of", "2026-06-30", "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    assert len(listed) == len(clocks) and all(c["write_off"]["clocks_alert"] is False for c in listed)
