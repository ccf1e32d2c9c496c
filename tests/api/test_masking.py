"""Identity numbers (身份证号) and phone numbers masked in the service's logs, its audit log and
what roles that do not need them read (``api.access.SEES_IDENTIFIERS``: legal staff and external
counsel see them in full where a case is shown whole; managers and administrators never).

Logs: every record of the process is masked as it is made, whichever logger makes it and
whichever handler writes it (uvicorn's access log of a URL with a phone number in it, as
``legaldocs serve`` writes it, is read from the real server's output).

Validation errors, as decided: a 422 never carries stored data. It names the field and what is
wrong (the case loader's problems give field paths and reasons, not values) and at most repeats
what the caller itself sent in that request (FastAPI's ``input``). The role check comes before
any body is validated, so a role that may not see identifiers gets 403 from a route that would
validate case data, never the validation; and a body that is not even JSON is answered before
authentication without repeating it."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from api.access import SEES_IDENTIFIERS
from api.app import create_app
from api.auth import issue_token
from api.db import session
from api.models import Role, TokenKind, User
from api.security import hash_password, mask_id_number, mask_phone
from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
ID = "110101199003071234"        # a valid-looking resident identity number
MOBILE = "13912345678"
#: What each looks like masked.
ID_MASKED, MOBILE_MASKED = "110101********1234", "139****5678"
#: Any 18-digit identity number, or 11-digit mobile, unmasked.
RAW = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")


def _raw_numbers(text: str) -> list[str]:
    return RAW.findall(text)


class Capture(logging.Handler):
    """Every formatted record, at every level."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def captured(service):
    """A handler added to the root logger after the app was built (as uvicorn or a deployment
    adds its own), everything at DEBUG."""
    handler, root = Capture(), logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old)


def test_any_logger_any_handler_is_masked(service, captured):
    jobs = logging.getLogger("api.jobs")  # a child of a masked logger: its own records went unmasked
    jobs.warning("job %s: 借款人身份证 %s，电话 %s", "abc", ID, MOBILE)
    jobs.warning("电话 %d", int(MOBILE))  # a number as a number
    logging.getLogger("legaldocs.somewhere.new").info({"id_number": ID})  # not even a string
    try:
        raise ValueError(f"parties.P2.id_number: {ID} 校验位不符，联系 {MOBILE}")
    except ValueError:
        jobs.exception("job %s failed", "abc")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET",
                                             f"/api/cases?branch={MOBILE}", "1.1", 200)
    text = "\n".join(captured.lines)
    assert _raw_numbers(text) == [], text
    assert ID_MASKED in text and MOBILE_MASKED in text and "ValueError" in text and "校验位不符" in text
    assert "139****5678" in captured.lines[1]
    # uvicorn's own access formatter still reads its arguments
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5000", "GET", f"/api/cases/{ID}?tel={MOBILE}", "1.1", 404), None)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == f'10.0.0.1:5000 - "GET /api/cases/{ID_MASKED}?tel={MOBILE_MASKED} HTTP/1.1" 404 Not Found'


def test_requests_carrying_identifiers_leave_none_in_logs_or_audit(service, captured):
    c, staff = service.client, service.auth(Role.legal_staff)
    # a case update echoing an identity number back in a 422 problem list
    data = c.get(f"/api/cases/{service.own}", headers=staff).json()["data"]
    data["parties"]["P1"]["id_number"] = ID[:-1] + "0"  # wrong check digit
    r = c.patch(f"/api/cases/{service.own}", json={"data": data}, headers={**staff, "If-Match": "*"})
    assert r.status_code == 422
    # a sign-in with an identity number as the user name, a URL with a phone number in it
    assert c.post("/api/login", json={"username": ID, "password": MOBILE}).status_code == 401
    assert c.get("/api/cases", params={"branch": MOBILE}, headers=staff).status_code == 200
    assert c.get(f"/api/cases/{ID}", headers=staff).status_code == 404
    text = "\n".join(captured.lines)
    assert _raw_numbers(text) == [], text
    # the audit log keeps the attempt, masked
    log = c.get("/api/audit", params={"action": "login.failed"}, headers=service.auth(Role.admin)).json()
    assert log["entries"][0]["detail"] == f"用户名 {ID_MASKED}"
    export = c.get("/api/audit/export", params={"format": "jsonl"}, headers=service.auth(Role.admin)).text
    assert _raw_numbers(export) == []


def test_audit_entries_mask_file_names_and_details(service):
    from api.audit import record

    with service.session() as s:
        record(s, service.users[Role.legal_staff], "evidence.upload", case_id=service.own,
               file_name=f"exhibits/身份证-{ID}.jpg", sha256="cd" * 32, detail=f"借款人电话 {MOBILE}")
    entry = service.client.get(f"/api/cases/{service.own}/audit", headers=service.auth(Role.manager)).json()["entries"][0]
    assert entry["file_name"] == f"exhibits/身份证-{ID_MASKED}.jpg"
    assert entry["detail"] == f"借款人电话 {MOBILE_MASKED}"
    assert entry["sha256"] == "cd" * 32


def _walk(data, path=""):
    """(path, key, value) of every string in nested case data."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _walk(v, f"{path}.{k}" if path else k) if not isinstance(v, str) else [(f"{path}.{k}", k, v)]
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _walk(v, f"{path}[{i}]") if not isinstance(v, str) else [(f"{path}[{i}]", "", v)]


def test_case_read_shows_identifiers_only_to_roles_that_need_them(service):
    with service.session() as s:
        from api.models import CaseRecord
        from sqlmodel import select
        stored = s.exec(select(CaseRecord).where(CaseRecord.case_id == service.own)).one().data
    stored_strings = {p: v for p, _k, v in _walk(stored)}
    ids = {p: v for p, k, v in _walk(stored) if k == "id_number"}
    phones = {p: v for p, k, v in _walk(stored) if k == "phone" or k.endswith("_phone")}
    assert len(ids) >= 2 and len(phones) >= 4
    for role in Role:
        r = service.client.get(f"/api/cases/{service.own}", headers=service.auth(role))
        assert r.status_code == 200
        shown = {p: v for p, _k, v in _walk(r.json()["data"])}
        if role in SEES_IDENTIFIERS:
            assert shown == stored_strings, role
            continue
        for p, v in ids.items():
            assert shown[p] == mask_id_number(v), (role, p)
        for p, v in phones.items():
            assert shown[p] == mask_phone(v), (role, p)
        assert _raw_numbers(r.text) == [], (role, _raw_numbers(r.text))
        assert not any(v in r.text for v in ids.values())


def test_identifiers_in_free_text_are_masked_too_and_lists_never_show_them(service):
    """A note or a title holding a number ("新号码13912345678") is masked for managers like the
    fields that hold them; lists of cases show no number to anyone."""
    text = DEMO.read_text(encoding="utf-8").replace("case_id: DEMO-2025-001", "case_id: MASK-1")
    text = text.replace("note: 邮寄送达，借款人本人签收", f"note: 借款人新号码{MOBILE}，身份证{ID}")
    text = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)}（联系人电话{MOBILE}）", text, count=1, flags=re.M)
    r = service.client.post("/api/cases", content=text.encode(), headers={**service.auth(Role.legal_staff),
                                                                           "Content-Type": "application/yaml"})
    assert r.status_code == 201, r.text
    staff = service.client.get("/api/cases/MASK-1", headers=service.auth(Role.legal_staff)).json()
    assert MOBILE in staff["data"]["events"][0]["note"] and ID in staff["data"]["events"][0]["note"]
    manager = service.client.get("/api/cases/MASK-1", headers=service.auth(Role.manager))
    assert manager.json()["data"]["events"][0]["note"] == f"借款人新号码{MOBILE_MASKED}，身份证{ID_MASKED}"
    assert _raw_numbers(manager.text) == []
    for role in Role:
        listed = service.client.get("/api/cases", headers=service.auth(role))
        assert listed.status_code == 200
        assert _raw_numbers(listed.text) == [], (role, _raw_numbers(listed.text))
    assert any(MOBILE_MASKED in c["title"] for c in service.client.get(
        "/api/cases", headers=service.auth(Role.manager)).json())


def test_validation_errors_do_not_hand_identifiers_to_roles_that_may_not_see_them(service):
    c = service.client
    data = c.get(f"/api/cases/{service.own}", headers=service.auth(Role.legal_staff)).json()["data"]
    data["parties"]["P1"]["id_number"] = ID[:-1] + "0"
    data["parties"]["P1"]["phone"] = MOBILE + "999"
    body = {"data": data}
    # a manager or an administrator is refused before the body is looked at: no 422, nothing echoed
    for role in (Role.manager, Role.admin, Role.external_counsel):
        r = c.patch(f"/api/cases/{service.own}", json=body, headers={**service.auth(role), "If-Match": "*"})
        assert r.status_code == 403 and r.json() == {"detail": "当前角色无权执行此操作"}
        r = c.post(f"/api/cases/{service.own}/events", json={"date": "2025-07-01", "kind": ID, "note": MOBILE},
                   headers=service.auth(role))
        assert r.status_code == 403 and _raw_numbers(r.text) == []
    # the case loader's problems name the field and the fault, not the value (even to legal staff)
    r = c.patch(f"/api/cases/{service.own}", json=body, headers={**service.auth(Role.legal_staff), "If-Match": "*"})
    assert r.status_code == 422
    problems = r.json()["detail"]["problems"]
    assert any(p["field"] == "parties.P1.id_number" for p in problems), problems
    assert ID[:-1] not in r.text
    # without credentials: 401 before any validation; a body that is not JSON is not repeated
    r = c.patch(f"/api/cases/{service.own}", json=body, headers={"If-Match": "*"})
    assert r.status_code == 401 and _raw_numbers(r.text) == []
    r = c.patch(f"/api/cases/{service.own}", content=f'{{"branch": "{ID}", '.encode(),
                headers={"Content-Type": "application/json", "If-Match": "*"})
    assert r.status_code in (401, 422) and ID not in r.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_running_service_masks_its_access_log(tmp_path):
    """``legaldocs serve`` on a free port; requests whose URLs carry an identity number and a
    phone number; its output afterwards holds the access log lines, masked."""
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)
    app = create_app(settings)
    with session(app.state.engine) as s:
        user = User(username="reader", display_name="读者", role=Role.legal_staff, password_hash=hash_password("x" * 12))
        s.add(user)
        s.commit()
        s.refresh(user)
        token, _ = issue_token(s, user, TokenKind.api)
    app.state.engine.dispose()
    port = _free_port()
    cli = Path(sys.executable).with_name("legaldocs")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([str(cli), "serve", "--data", str(data_dir), "--port", str(port), "--workers", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        base, h = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        assert httpx.get(f"{base}/api/cases", params={"branch": MOBILE}, headers=h).status_code == 200
        assert httpx.get(f"{base}/api/cases/{ID}", headers=h).status_code == 404
        assert httpx.post(f"{base}/api/login", json={"username": ID, "password": MOBILE}).status_code == 401
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode("utf-8", "replace")
    assert f"GET /api/cases?branch={MOBILE_MASKED} HTTP/1.1\" 200" in out, out
    assert f"GET /api/cases/{ID_MASKED} HTTP/1.1\" 404" in out, out
    assert "POST /api/login HTTP/1.1\" 401" in out
    assert _raw_numbers(out) == [], out


def test_masking_leaves_hexadecimal_ids_whole_and_cuts_secrets():
    from api.security import mask_text

    # an id with eleven digits in a row that look like a mobile number (found: 0.8 % of job ids were changed)
    assert mask_text("任务 b91c0946326746f1bcf461a83925a90b") == "任务 b91c0946326746f1bcf461a83925a90b"
    assert mask_text("电话13800000001") == "电话138****0001"
    line = '"GET /calendar/ld_FzT3-GLEGZgwDuv0krapBqk2j02kWSZyYHTDxqid9EU.ics HTTP/1.1" 200'
    assert "krapBqk2j02k" not in mask_text(line) and "ld_FzT3-GL" in mask_text(line)


def test_numbers_typed_into_an_event_are_masked_in_managers_deadlines(service):
    from api.models import Role as _Role

    c = service.client
    event = {"date": "2025-08-01", "kind": "债务人确认债务", "parties": ["P1"],
             "note": "借款人更换电话13912345678，身份证号310104198605210028"}
    r = c.post(f"/api/cases/{service.own}/events", json=event, headers=service.auth(_Role.legal_staff))
    assert r.status_code == 201, r.text
    for role, whole in ((_Role.manager, False), (_Role.admin, False), (_Role.legal_staff, True)):
        for url in (f"/api/cases/{service.own}/deadlines", "/api/deadlines?days=36600",
                    "/api/deadlines?days=36600&format=ics"):
            text = c.get(url, headers=service.auth(role)).text
            assert ("13912345678" in text) == whole, (role, url)
            assert ("310104198605210028" in text) == whole, (role, url)
