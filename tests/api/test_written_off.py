"""The service's write-off flag follows the case data (write_off.written_off_on on or before the
bank's today, not fully ended): on import, on a change of the data or an event, and on the
recomputation of a later day; it cannot be set against the data. Written-off cases stay in the
portfolio's deadlines by default, the filters pick them, the pages show a 账销案存 badge, an
external counsel sees the status, and the documents it downloads never state it. On SQLite and
PostgreSQL (the ``service`` fixture)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import yaml
from docx import Document as WordDocument
from fastapi.testclient import TestClient
from sqlmodel import select

from api.cases import recompute_clocks
from api.models import CaseRecord, Role, StoredClock
from api.settings import bank_today
from legaldocs.documents.confidential import WRITE_OFF_TERMS
from tests.api.conftest import PASSWORD

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "case.yaml"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _write_off(data: dict, written_off_on: dt.date, **more) -> dict:
    data = dict(data)
    data["write_off"] = {"criterion": "7", "proposed_on": (written_off_on - dt.timedelta(days=20)).isoformat(),
                         "written_off_on": written_off_on.isoformat(), "cause": "借款人经营失败，形成呆账，已核销",
                         **more}
    return data


def _read(service, case_id, role=Role.legal_staff):
    r = service.client.get(f"/api/cases/{case_id}", headers=service.auth(role))
    assert r.status_code == 200, r.text
    return r


def _patch(service, case_id, body, role=Role.legal_staff):
    tag = _read(service, case_id, role).headers["etag"]
    return service.client.patch(f"/api/cases/{case_id}", json=body, headers={**service.auth(role), "If-Match": tag})


def _stored_flags(service, case_id) -> set[bool]:
    with service.session() as s:
        return set(s.exec(select(StoredClock.written_off).where(StoredClock.case_id == case_id)).all())


def _deadline_cases(service, query: str = "") -> set[str]:
    r = service.client.get(f"/api/deadlines?days=36000&limit=1000{query}", headers=service.auth(Role.manager))
    assert r.status_code == 200, r.text
    return {row["case_id"] for row in r.json()}


def test_the_flag_follows_the_case_data_and_the_deadlines_keep_written_off_cases(service):
    today = bank_today()
    own = _read(service, service.own).json()
    assert own["written_off"] is False and _stored_flags(service, service.own) == {False}
    assert {service.own, service.foreign} <= _deadline_cases(service)

    r = _patch(service, service.own, {"data": _write_off(own["data"], today - dt.timedelta(days=30))})
    assert r.status_code == 200, r.text
    assert r.json()["written_off"] is True and r.json()["version"] == own["version"] + 1
    assert _stored_flags(service, service.own) == {True}
    # still in the portfolio by default (账销案存: every clock runs on); the filters pick it
    assert {service.own, service.foreign} <= _deadline_cases(service)
    assert _deadline_cases(service, "&written_off=true") == {service.own}
    assert service.own not in _deadline_cases(service, "&written_off=false")
    listed = service.client.get("/api/cases?written_off=true", headers=service.auth(Role.manager)).json()
    assert [c["case_id"] for c in listed] == [service.own]

    # an event recomputes the clocks: the flag stays
    event = {"date": (today - dt.timedelta(days=5)).isoformat(), "kind": "催收通知书送达", "parties": ["P1"]}
    r = service.client.post(f"/api/cases/{service.own}/events", json=event, headers=service.auth(Role.legal_staff))
    assert r.status_code == 201, r.text
    assert r.json()["written_off"] is True and _stored_flags(service, service.own) == {True}

    # the flag cannot be set against the data; the value the data gives changes nothing
    version = _read(service, service.own).json()["version"]
    r = _patch(service, service.own, {"written_off": False})
    assert r.status_code == 422
    assert r.json()["detail"]["problems"][0]["field"] == "written_off"
    r = _patch(service, service.own, {"written_off": True})
    assert r.status_code == 200 and r.json()["version"] == version

    # fully ended (完全终结): no longer 账销案存
    data = _read(service, service.own).json()["data"]
    data["write_off"]["ended"] = {"date": (today - dt.timedelta(days=1)).isoformat(), "reason": "paid"}
    r = _patch(service, service.own, {"data": data})
    assert r.status_code == 200, r.text
    assert r.json()["written_off"] is False and _stored_flags(service, service.own) == {False}


def test_a_write_off_dated_ahead_takes_effect_on_its_day(service):
    today = bank_today()
    data = _write_off(yaml.safe_load(DEMO.read_text(encoding="utf-8")), today + dt.timedelta(days=10))
    data["case_id"] = "WO-AHEAD-1"
    r = service.client.post("/api/cases", content=yaml.safe_dump(data, allow_unicode=True).encode(),
                            headers={**service.auth(Role.legal_staff), "Content-Type": "application/yaml"})
    assert r.status_code == 201, r.text
    assert r.json()["imported"][0]["written_off"] is False
    with service.session() as s:
        record = s.exec(select(CaseRecord).where(CaseRecord.case_id == "WO-AHEAD-1")).one()
        recompute_clocks(s, record, today + dt.timedelta(days=10))  # the nightly recomputation of that day
    assert _read(service, "WO-AHEAD-1").json()["written_off"] is True
    assert _stored_flags(service, "WO-AHEAD-1") == {True}


def test_import_of_a_written_off_case_sets_the_flag(service):
    data = _write_off(yaml.safe_load(DEMO.read_text(encoding="utf-8")), bank_today() - dt.timedelta(days=1))
    data["case_id"] = "WO-IMPORT-1"
    r = service.client.post("/api/cases", content=json.dumps(data, ensure_ascii=False, default=str).encode(),
                            headers={**service.auth(Role.legal_staff), "Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["imported"][0]["written_off"] is True
    assert _stored_flags(service, "WO-IMPORT-1") == {True}


def _signed_in(service, role: Role) -> TestClient:
    client = TestClient(service.app, base_url="http://testserver", follow_redirects=False)
    token = TOKEN.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": f"t_{role.value}", "password": PASSWORD, "csrf_token": token,
                                    "next": ""})
    assert r.status_code == 303, r.text
    return client


def test_pages_show_the_badge_and_counsel_sees_the_status(service):
    today = bank_today()
    own = _read(service, service.own).json()
    r = _patch(service, service.own, {"data": _write_off(own["data"], today - dt.timedelta(days=30))})
    assert r.status_code == 200, r.text
    manager = _signed_in(service, Role.manager)
    page = manager.get("/?within=&written_off=yes").text
    rows = [row for row in re.findall(r"<tr class=\"sev-[^\"]+\">(.*?)</tr>", page, re.S)]
    assert rows and all(service.own in row and "账销案存</span>" in row for row in rows)
    other = manager.get("/?within=&written_off=no").text
    assert service.foreign in other and "badge-writeoff" not in other
    case_page = manager.get(f"/cases/{service.own}").text
    assert 'class="badge badge-writeoff badge-writeoff-pursued"' in case_page
    label = f"账销案存（{today - dt.timedelta(days=30):%Y}年{(today - dt.timedelta(days=30)).month}月"
    assert label in case_page
    assert "未核销" in manager.get(f"/cases/{service.foreign}").text
    # the bank's own counsel sees the status (it works for the bank; the obligors never do)
    counsel = _signed_in(service, Role.external_counsel)
    assert "账销案存" in counsel.get(f"/cases/{service.own}").text
    assert _read(service, service.own, Role.external_counsel).json()["written_off"] is True
    # a fully ended case: 完全终结 on its page, no 账销案存 badge in the portfolio
    data = _read(service, service.own).json()["data"]
    data["write_off"]["ended"] = {"date": (today - dt.timedelta(days=1)).isoformat(), "reason": "transferred"}
    assert _patch(service, service.own, {"data": data}).status_code == 200
    case_page = manager.get(f"/cases/{service.own}").text
    assert "badge-writeoff-ended" in case_page and "完全终结（已转让，" in case_page
    assert "账销案存</span>" not in manager.get("/?within=").text


def test_documents_counsel_downloads_never_state_the_write_off(service):
    own = _read(service, service.own).json()
    assert _patch(service, service.own, {"data": _write_off(own["data"], bank_today() - dt.timedelta(days=30))}
                  ).status_code == 200
    r = service.client.post(f"/api/cases/{service.own}/jobs",
                            json={"kind": "draft", "params": {"doc": "demand_notice"}},
                            headers=service.auth(Role.legal_staff))
    assert r.status_code == 202, r.text
    job = service.client.get(r.headers["location"], headers=service.auth(Role.legal_staff)).json()
    assert job["status"] == "done", job
    word = next(o for o in job["outputs"] if o["name"].endswith(".docx"))
    got = service.client.get(word["download"], headers=service.auth(Role.external_counsel))
    assert got.status_code == 200
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(got.content)).paragraphs)
    assert "陈立" in text and "催收" in text
    assert not [t for t in WRITE_OFF_TERMS if t in text]
