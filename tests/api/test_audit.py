"""The audit log: changes recorded with user, time and case; queried by case, user, action and
time; exported as CSV (BOM, Chinese headers, Excel formulas defused) or JSON Lines, streamed page
by page; the export itself recorded with its SHA-256; and the database refusing UPDATE, DELETE
(and on PostgreSQL TRUNCATE) of audit_entry."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import tracemalloc

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import func, select

from api.audit import record
from api.models import AuditEntry, Role
from api.routes.audit import CSV_HEADERS, EXPORT_PAGE, export_lines

UTC = dt.timezone.utc
CST = dt.timezone(dt.timedelta(hours=8))


def _change_own_case(service, branch="滨江支行"):
    c, h = service.client, service.auth(Role.legal_staff)
    tag = c.get(f"/api/cases/{service.own}", headers=h).headers["etag"]
    r = c.patch(f"/api/cases/{service.own}", json={"branch": branch}, headers={**h, "If-Match": tag})
    assert r.status_code == 200, r.text


def _add_entries(service, rows: list[dict]) -> None:
    """Entries written straight into the table (as the service's own code would append them)."""
    with service.session() as s:
        s.exec(insert(AuditEntry), params=rows)
        s.commit()


def test_a_change_is_recorded_with_user_time_and_case(service):
    before = dt.datetime.now(UTC)
    _change_own_case(service)
    after = dt.datetime.now(UTC)
    r = service.client.get(f"/api/cases/{service.own}/audit", headers=service.auth(Role.manager))
    assert r.status_code == 200, r.text
    page = r.json()
    newest = page["entries"][0]
    assert newest["action"] == "case.update"
    assert newest["username"] == "t_legal_staff" and newest["role"] == "legal_staff"
    assert newest["user_id"] == service.users[Role.legal_staff].id
    assert newest["case_id"] == service.own
    assert "branch" in newest["detail"]
    at = dt.datetime.fromisoformat(newest["at"].replace("Z", "+00:00"))
    assert before - dt.timedelta(seconds=1) <= at <= after + dt.timedelta(seconds=1)
    # only the case's own entries, newest first
    assert {e["case_id"] for e in page["entries"]} == {service.own}
    ids = [e["id"] for e in page["entries"]]
    assert ids == sorted(ids, reverse=True)
    assert page["total"] == len(page["entries"]) == 2  # the demo import and the change
    # an admin reads it too; a case that does not exist is 404
    assert service.client.get(f"/api/cases/{service.own}/audit", headers=service.auth(Role.admin)).json() == page
    missing = service.client.get("/api/cases/NO-SUCH-CASE/audit", headers=service.auth(Role.manager))
    assert missing.status_code == 404 and missing.json() == {"detail": "案件不存在"}


def test_the_log_is_queried_by_user_case_action_and_time(service):
    staff, counsel = service.users[Role.legal_staff], service.users[Role.external_counsel]
    base = dt.datetime(2025, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    rows = []
    for i in range(30):
        user = staff if i % 3 else counsel
        rows.append(dict(at=base + dt.timedelta(hours=i), user_id=user.id, username=user.username, role=user.role.value,
                         action="output.download" if i % 2 else "case.update",
                         case_id=service.own if i % 5 else service.foreign,
                         file_name=f"f{i}.pdf" if i % 2 else None, sha256=hashlib.sha256(b"%d" % i).hexdigest(),
                         detail=f"第{i}条", address="10.0.0.1"))
    _add_entries(service, rows)
    get = lambda **q: service.client.get("/api/audit", params=q, headers=service.auth(Role.manager))  # noqa: E731

    by_user = get(user="t_external_counsel", limit=1000).json()
    assert by_user["total"] == 10 and {e["username"] for e in by_user["entries"]} == {"t_external_counsel"}
    by_case = get(case=service.foreign, since="2025-01-01", until="2025-12-31", limit=1000).json()
    assert by_case["total"] == 6 and {e["case_id"] for e in by_case["entries"]} == {service.foreign}
    downloads = get(action="output.download", since="2025-01-01", until="2025-12-31", limit=1000).json()
    assert downloads["total"] == 15 and all(e["file_name"].endswith(".pdf") for e in downloads["entries"])
    assert get(action="output.*", since="2025-01-01", until="2025-12-31").json()["total"] == 15
    assert get(action="output", since="2025-01-01", until="2025-12-31").json()["total"] == 0  # exact unless *

    # time: a date alone is Beijing days, [since, until]; a time without offset is Beijing time
    day1 = get(since="2025-03-01", until="2025-03-01", limit=1000).json()  # 09:00 to 23:00 Beijing: i = 0..14
    assert day1["total"] == 15
    assert get(since="2025-03-01T09:00", until="2025-03-01T10:00").json()["total"] == 1
    assert get(since="2025-03-01T01:00:00Z", until="2025-03-01T03:00:00+00:00").json()["total"] == 2
    combined = get(user="t_legal_staff", case=service.own, action="output.download", since="2025-03-01",
                   until="2025-03-02", limit=1000).json()
    expected = [i for i in range(30) if i % 3 and i % 5 and i % 2]
    assert sorted(e["detail"] for e in combined["entries"]) == sorted(f"第{i}条" for i in expected)

    # paging: newest first, pages add up to the whole without overlap
    pages = [get(since="2025-01-01", until="2025-12-31", limit=7, offset=o).json() for o in range(0, 35, 7)]
    ids = [e["id"] for p in pages for e in p["entries"]]
    assert len(ids) == len(set(ids)) == 30 and all(p["total"] == 30 for p in pages)
    ats = [e["at"] for p in pages for e in p["entries"]]
    assert ats == sorted(ats, reverse=True)


@pytest.mark.parametrize("params, field", [
    ({"since": "昨天"}, "since"), ({"until": "2025-02-30"}, "until"), ({"since": "0001-01-01"}, "since"),
    ({"until": "9999-12-31"}, "until"), ({"user": "a\x00b"}, "user"), ({"case": "x\ny"}, "case"),
])
def test_bad_filters_are_refused_naming_the_field(service, params, field):
    r = service.client.get("/api/audit", params=params, headers=service.auth(Role.admin))
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["problems"][0]["field"] == field
    r = service.client.get("/api/audit/export", params=params, headers=service.auth(Role.admin))
    assert r.status_code == 422, r.text
    assert service.client.get("/api/audit/export", params={"format": "xlsx"},
                              headers=service.auth(Role.admin)).status_code == 422


def test_csv_export_opens_in_excel_and_is_recorded_with_its_sha256(service):
    _change_own_case(service, branch="浦东支行")
    with service.session() as s:
        record(s, service.users[Role.legal_staff], "evidence.upload", case_id=service.own, file_name="=cmd|' /C calc'!A0.pdf",
               sha256="ab" * 32, detail="@SUM(1+1) 借款合同（原件扫描）")
    r = service.client.get("/api/audit/export", params={"format": "csv", "case": service.own},
                           headers=service.auth(Role.manager))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="audit-')
    body = r.content
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    assert tuple(rows[0]) == CSV_HEADERS == ("时间", "用户", "角色", "操作", "案件", "文件", "SHA-256", "详情", "地址")
    data = rows[1:]
    assert [row[3] for row in data] == ["case.import", "case.update", "evidence.upload"]  # oldest first
    update = data[1]
    assert update[1:5] == ["t_legal_staff", "legal_staff", "case.update", service.own]
    assert update[0].endswith("+08:00")  # Beijing time
    assert update[8] == "testclient"
    upload = data[2]
    assert upload[5] == "'=cmd|' /C calc'!A0.pdf"  # a formula to Excel is kept as text
    assert upload[6] == "ab" * 32
    assert upload[7] == "'@SUM(1+1) 借款合同（原件扫描）"

    # the export is in the log: who asked, with which filters, and once sent, what was sent
    log = service.client.get("/api/audit", params={"action": "audit.*"}, headers=service.auth(Role.admin)).json()
    done, asked = log["entries"][0], log["entries"][1]
    assert asked["action"] == "audit.export" and asked["username"] == "t_manager"
    assert service.own in asked["detail"] and "csv" in asked["detail"]
    assert done["action"] == "audit.export.done" and done["sha256"] == hashlib.sha256(body).hexdigest()
    assert done["detail"] == "3条" and done["file_name"].endswith(".csv")
    # the export does not contain its own entry (it covers the log as it stood when asked)
    assert "audit.export" not in body.decode("utf-8")


def test_jsonl_export_matches_the_query(service):
    _change_own_case(service)
    r = service.client.get("/api/audit/export", params={"format": "jsonl", "user": "t_legal_staff"},
                           headers=service.auth(Role.admin))
    assert r.status_code == 200
    assert not r.content.startswith(b"\xef\xbb\xbf")
    lines = [json.loads(line) for line in r.text.splitlines()]
    page = service.client.get("/api/audit", params={"user": "t_legal_staff"}, headers=service.auth(Role.admin)).json()
    assert lines == list(reversed(page["entries"])) and len(lines) == 1
    assert lines[0]["action"] == "case.update"


def test_export_is_read_in_pages_with_memory_independent_of_the_log_size(service):
    """20,000 entries exported in pages of EXPORT_PAGE rows (counted SQL statements), the peak of
    Python memory the same as for 2,000 (tracemalloc)."""
    engine = service.app.state.engine
    user = service.users[Role.legal_staff]
    detail = "借款合同、担保合同及放款凭证，共计三份，均为原件扫描件" * 4

    def fill(start: int, n: int) -> None:
        base = dt.datetime(2024, 1, 1, tzinfo=UTC)
        rows = [dict(at=base + dt.timedelta(seconds=i), user_id=user.id, username=user.username, role="legal_staff",
                     action="output.download", case_id=service.own, file_name=f"证据材料-{i}.pdf",
                     sha256=f"{i:064x}", detail=detail, address="10.1.2.3") for i in range(start, start + n)]
        for k in range(0, n, 5000):
            _add_entries(service, rows[k:k + 5000])

    def measure(fmt: str) -> tuple[int, int, int]:
        selects = []
        listener = lambda conn, cur, stmt, params, ctx, many: selects.append(stmt) if "FROM audit_entry" in stmt else None  # noqa: E731
        with service.session() as s:
            last = s.exec(select(func.max(AuditEntry.id))).one()
        event.listen(engine, "before_cursor_execute", listener)
        conds = [AuditEntry.action == "output.download"]
        tracemalloc.start()
        lines = 0
        try:
            for _line in export_lines(engine, conds, last, fmt):
                lines += 1
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            event.remove(engine, "before_cursor_execute", listener)
        return lines, len(selects), peak

    fill(0, 2000)
    small_lines, small_selects, small_peak = measure("csv")
    assert small_lines == 2001 and small_selects == 2000 // EXPORT_PAGE + 1
    fill(2000, 18000)
    lines, selects, peak = measure("csv")
    assert lines == 20001 and selects == 20000 // EXPORT_PAGE + 1
    print(f"export peak: {small_peak} B for 2,000 entries, {peak} B for 20,000")
    assert peak < small_peak * 1.5, (small_peak, peak)
    lines, _selects, jpeak = measure("jsonl")
    assert lines == 20000 and jpeak < small_peak * 1.5, (small_peak, jpeak)
    # and over HTTP, all of it, in order
    r = service.client.get("/api/audit/export", params={"action": "output.download"}, headers=service.auth(Role.admin))
    rows = list(csv.reader(io.StringIO(r.content[3:].decode("utf-8"), newline="")))
    assert len(rows) == 20001 and rows[1][5] == "证据材料-0.pdf" and rows[-1][5] == "证据材料-19999.pdf"


def test_roles_that_do_not_audit_are_refused(service):
    for role in (Role.legal_staff, Role.external_counsel):
        for url in (f"/api/cases/{service.own}/audit", "/api/audit", "/api/audit/export"):
            r = service.client.get(url, headers=service.auth(role))
            assert r.status_code == 403, (role, url, r.text)
    assert service.client.get("/api/audit").status_code == 401


def test_the_database_refuses_to_change_or_delete_audit_entries(service):
    _change_own_case(service)
    engine = service.app.state.engine
    with engine.connect() as conn:
        before = conn.execute(text("SELECT id, action, detail FROM audit_entry ORDER BY id")).all()
    assert [row[1] for row in before] == ["case.import", "case.import", "case.update"]
    statements = ["UPDATE audit_entry SET detail = 'rewritten' WHERE id = 1",
                  "UPDATE audit_entry SET username = 'nobody'",
                  "DELETE FROM audit_entry WHERE id = 2",
                  "DELETE FROM audit_entry"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_entry")
    for sql in statements:
        with engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(sql))
            conn.rollback()
    # the ORM cannot either
    with service.session() as s:
        entry = s.get(AuditEntry, 1)
        entry.detail = "rewritten"
        s.add(entry)
        with pytest.raises(DBAPIError, match="append-only"):
            s.commit()
        s.rollback()
        s.delete(s.get(AuditEntry, 2))
        with pytest.raises(DBAPIError, match="append-only"):
            s.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, action, detail FROM audit_entry ORDER BY id")).all() == before
    # appending still works
    with service.session() as s:
        record(s, None, "check", detail="追加")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_entry")).scalar() == 4


def test_downloads_are_recorded_with_file_and_sha256(service):
    """Downloading an evidence file and a generated file each leaves an entry naming the user, the
    case, the file and the SHA-256 of exactly what was sent."""
    import uuid

    from api.models import Blob, CaseFile, CaseRecord, Job, JobStatus, Output

    with service.session() as s:
        case = s.exec(select(CaseRecord).where(CaseRecord.case_id == service.own)).one()
        f = s.exec(select(CaseFile).where(CaseFile.case_pk == case.id).order_by(CaseFile.name)).first()
        job = Job(id=uuid.uuid4().hex, kind="packet", case_pk=case.id, status=JobStatus.done, progress=100)
        s.add(job)
        s.flush()
        out = Output(job_id=job.id, case_pk=case.id, kind="document", name="民事起诉状.pdf", sha256=f.sha256,
                     size=s.get(Blob, f.sha256).size)
        s.add(out)
        s.commit()
        name, output_id = f.name, out.id
    counsel = service.auth(Role.external_counsel)
    got = service.client.get(f"/api/cases/{service.own}/outputs/{output_id}", headers=counsel)
    assert got.status_code == 200
    staff = service.auth(Role.legal_staff)
    evidence = service.client.get(f"/api/cases/{service.own}/evidence/{name}", headers=staff)
    assert evidence.status_code == 200
    entries = service.client.get(f"/api/cases/{service.own}/audit", params={"action": "*"},
                                 headers=service.auth(Role.manager)).json()["entries"]
    by_action = {e["action"]: e for e in entries}
    out_entry, ev_entry = by_action["output.download"], by_action["evidence.download"]
    assert out_entry["username"] == "t_external_counsel" and out_entry["file_name"] == "民事起诉状.pdf"
    assert out_entry["sha256"] == hashlib.sha256(got.content).hexdigest()
    assert ev_entry["username"] == "t_legal_staff" and ev_entry["file_name"] == name
    assert ev_entry["sha256"] == hashlib.sha256(evidence.content).hexdigest()
    assert {out_entry["case_id"], ev_entry["case_id"]} == {service.own}
