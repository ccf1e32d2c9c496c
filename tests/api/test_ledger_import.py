"""Importing an .xlsx case ledger (docs/ledger.md) over HTTP, on SQLite and PostgreSQL: the example
ledger's cases are created with their clocks; a ledger with one bad row imports nothing and the
answer lists every problem with its sheet, row, column and cell."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from sqlmodel import select

from api.cases import loaded
from api.models import AuditEntry, CaseRecord, Role, StoredClock
from api.settings import bank_today
from legaldocs.deadlines.clocks import case_clocks

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ledger" / "ledger.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IDS = ["TZ-2025-001", "TZ-2025-002", "TZ-2025-003"]


def _post(service, content: bytes, role=Role.legal_staff):
    return service.client.post("/api/cases", content=content, headers={**service.auth(role), "Content-Type": XLSX})


def _ledger_ids(service) -> list[str]:
    with service.session() as s:
        return sorted(s.exec(select(CaseRecord.case_id).where(CaseRecord.case_id.startswith("TZ-"))).all())


def test_example_ledger_creates_its_cases_with_their_clocks(service):
    r = _post(service, EXAMPLE.read_bytes())
    assert r.status_code == 201, r.text
    imported = r.json()["imported"]
    assert [c["case_id"] for c in imported] == IDS
    assert {c["branch"] for c in imported} == {"示例银行股份有限公司南京城南支行"}
    assert imported[0]["title"] == "示例银行南京城南支行诉赵明、南京示例建材有限公司金融借款合同纠纷"

    h = service.auth(Role.legal_staff)
    case = service.client.get("/api/cases/TZ-2025-002", headers=h).json()
    loan = case["data"]["loans"][0]
    assert [d["receipt_number"] for d in loan["draws"]] == ["CN-LD-JJ-01", "CN-LD-JJ-02"]
    assert loan["rate_changes"] == [{"date": "2024-07-01", "annual_rate": "0.0375"}]
    assert case["data"]["parties"]["P1"]["id_number"] == "320102199003084021"

    today = bank_today()
    with service.session() as s:
        for case_id in IDS:
            record = s.exec(select(CaseRecord).where(CaseRecord.case_id == case_id)).one()
            stored = s.exec(select(StoredClock).where(StoredClock.case_pk == record.id)).all()
            expected = case_clocks(loaded(record).case, today)
            assert stored and len(stored) == len(expected), case_id
            assert sorted((c.kind, c.obligor, c.last_day, c.status) for c in stored) == sorted(
                (c.kind, c.obligor, c.date, c.status) for c in expected), case_id
            assert all(c.computed_on == today and c.branch == record.branch for c in stored)
        kinds = {c.kind for c in s.exec(select(StoredClock).where(StoredClock.case_id == "TZ-2025-001")).all()}
        assert {"limitation", "guarantee_period", "guarantor_limitation", "collateral"} <= kinds
        audits = s.exec(select(AuditEntry).where(AuditEntry.action == "case.import")).all()
        assert sorted(a.case_id for a in audits if a.case_id in IDS) == IDS

    again = _post(service, EXAMPLE.read_bytes())
    assert again.status_code == 409
    assert "TZ-2025-001" in again.json()["detail"]


def _with(changes) -> bytes:
    wb = openpyxl.load_workbook(EXAMPLE)
    for sheet, cell, value in changes:
        wb[sheet][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_ledger_with_one_bad_row_imports_nothing_and_lists_every_problem(service):
    # the second draw of TZ-2025-002 (借据 row 4): no date of the calendar, an amount in words,
    # and a guarantor (保证合同 row 3) who is not a party of the case
    bad = _with([("借据", "D4", "2024-02-30"), ("借据", "E4", "四十万元"), ("保证合同", "E3", "P7")])
    r = _post(service, bad)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["message"] == "ledger.xlsx: 案件数据有误"
    assert detail["problems"] == [
        {"field": "借据!第4行「放款日期」（D4）", "message": "2024-02-30不是有效的日期"},
        {"field": "借据!第4行「放款金额」（E4）", "message": "四十万元不是数字"},
        {"field": "保证合同!第3行「保证人」（E3）", "message": "引用的当事人 'P7' 未定义"},
    ]
    assert _ledger_ids(service) == []
    with service.session() as s:
        assert not s.exec(select(StoredClock).where(StoredClock.case_id.startswith("TZ-"))).all()


def test_what_is_not_a_ledger_is_refused_by_name(service):
    r = _post(service, b"case_id: X-1\n")
    assert r.status_code == 422
    assert r.json()["detail"]["problems"] == [{"field": "ledger.xlsx", "message": "不是.xlsx工作簿"}]
    r = _post(service, EXAMPLE.read_bytes(), role=Role.manager)
    assert r.status_code == 403
    assert _ledger_ids(service) == []
