"""Downloads of evidence and outputs over HTTP, on both databases: whole files, HEAD, single
ranges (206, 416, ranges ignored as RFC 9110 allows), If-Range, If-None-Match (304), If-Match
(412), the file name in Content-Disposition read back by two parsers, the content ETag, the
headers against sniffing and shared caches, the audit log, and who reaches which output."""

from __future__ import annotations

import email.message
import hashlib
import os
import re
import uuid
from pathlib import Path
from urllib.parse import unquote

from sqlmodel import select

from api.models import AuditEntry, Blob, CaseRecord, Job, JobStatus, Output, Role

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
GUARANTEE = "exhibits/05-guarantee.pdf"
VOLUME = "证据材料（第一册）.pdf"


def add_output(service, data: bytes, name: str, case_id: str | None = None, kind: str = "pdf",
               tmp: Path | None = None) -> int:
    """Store ``data`` and record it as an output of a finished job of the case; its id."""
    source = Path(tmp or service.settings.data_dir) / f"src-{uuid.uuid4().hex}"
    source.write_bytes(data)
    digest, size, _new = service.app.state.store.put_file(source)
    source.unlink()
    with service.session() as s:
        case = s.exec(select(CaseRecord).where(CaseRecord.case_id == (case_id or service.own))).one()
        if s.get(Blob, digest) is None:
            s.add(Blob(sha256=digest, size=size, kind=kind))
        job = Job(id=uuid.uuid4().hex, kind="packet", case_pk=case.id, status=JobStatus.done, progress=100)
        s.add(job)
        s.flush()
        out = Output(job_id=job.id, case_pk=case.id, kind=kind, name=name, sha256=digest, size=size)
        s.add(out)
        s.commit()
        return out.id


def audit(service, action: str) -> list[AuditEntry]:
    with service.session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all())


# RFC 6266 / RFC 8187, as sent here: a quoted-string fallback of plain characters, then ext-value
DISPOSITION = re.compile(r"attachment; filename=\"[\x20\x21\x23-\x5b\x5d-\x7e]*\"; "
                         r"filename\*=UTF-8''(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})+")


def filename_star(header: str) -> str:
    """``filename*`` of a Content-Disposition value, decoded as RFC 8187 says."""
    m = re.search(r"filename\*=([^;]+)", header)
    charset, _lang, encoded = m.group(1).strip().split("'", 2)
    assert charset.upper() == "UTF-8"
    return unquote(encoded, encoding="utf-8", errors="strict")


def filename_fallback(header: str) -> str:
    m = re.search(r'filename="([^"]*)"', header)
    return m.group(1)


def test_evidence_download_whole_with_headers_and_audit(service):
    data = (DEMO / GUARANTEE).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    r = service.client.get(f"/api/cases/{service.own}/evidence/{GUARANTEE}", headers=service.auth(Role.manager))
    assert r.status_code == 200, r.text
    assert r.content == data
    h = r.headers
    assert h["etag"] == f'"{digest}"'
    assert h["content-length"] == str(len(data))
    assert h["content-type"] == "application/pdf"
    assert h["accept-ranges"] == "bytes"
    assert h["x-content-type-options"] == "nosniff"
    assert h["cache-control"] == "private"
    assert h["content-disposition"] == "attachment; filename=\"05-guarantee.pdf\"; filename*=UTF-8''05-guarantee.pdf"
    [entry] = audit(service, "evidence.download")
    assert (entry.username, entry.role, entry.case_id, entry.file_name, entry.sha256, entry.detail) == (
        "t_manager", "manager", service.own, GUARANTEE, digest, "")
    assert entry.at is not None


def test_head_gives_the_headers_and_no_body_and_is_not_audited(service):
    data = (DEMO / GUARANTEE).read_bytes()
    url = f"/api/cases/{service.own}/evidence/{GUARANTEE}"
    r = service.client.head(url, headers=service.auth(Role.legal_staff))
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-length"] == str(len(data))
    assert r.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    r = service.client.head(url, headers={**service.auth(Role.legal_staff), "Range": "bytes=0-9"})
    assert r.status_code == 200 and r.headers["content-length"] == str(len(data))  # Range is for GET only
    assert audit(service, "evidence.download") == []


def test_ranges(service, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)  # more than two chunks
    size = len(data)
    oid = add_output(service, data, "DEMO-2025-001/证据材料.pdf", tmp=tmp_path)
    url = f"/api/cases/{service.own}/outputs/{oid}"
    auth = service.auth(Role.external_counsel)

    def get(range_value: str, **extra):
        return service.client.get(url, headers={**auth, "Range": range_value, **extra})

    cases = {
        "bytes=0-9": (0, 9),
        "bytes=1048570-1048580": (1048570, 1048580),  # across a chunk boundary
        f"bytes={size - 5}-": (size - 5, size - 1),
        "bytes=-5": (size - 5, size - 1),
        f"bytes=-{size + 100}": (0, size - 1),
        f"bytes=10-{size + 1000}": (10, size - 1),
        "Bytes=0-0": (0, 0),  # the unit is case-insensitive
        "bytes=7-7": (7, 7),
        "bytes=, 3-4": (3, 4),
    }
    for value, want in cases.items():
        r = get(value)
        if want is None:
            assert r.status_code == 200 and r.content == data, value
            continue
        a, b = want
        assert r.status_code == 206, (value, r.status_code)
        assert r.headers["content-range"] == f"bytes {a}-{b}/{size}", value
        assert r.headers["content-length"] == str(b - a + 1), value
        assert r.content == data[a: b + 1], value
        assert r.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    for value in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0", "bytes=" + "9" * 30 + "-"):
        r = get(value)
        assert r.status_code == 416, (value, r.status_code)
        assert r.headers["content-range"] == f"bytes */{size}", value
        assert "超出" in r.text and "content-disposition" not in r.headers
    # ignored, whole file sent: another unit, several ranges, malformed, last before first
    for value in ("items=0-5", "bytes=0-1,5-6", "bytes=abc", "bytes=5-2", "bytes=0x10-"):
        r = get(value)
        assert r.status_code == 200 and r.content == data and "content-range" not in r.headers, value
    downloads = audit(service, "output.download")
    assert len(downloads) == len(cases) + 5  # 416 sends nothing and is not a download
    assert downloads[0].detail == f"字节 0-9/{size}"
    assert all(d.username == "t_external_counsel" and d.file_name == "DEMO-2025-001/证据材料.pdf" for d in downloads)


def test_if_range_if_none_match_and_if_match(service, tmp_path):
    data = os.urandom(5000)
    tag = f'"{hashlib.sha256(data).hexdigest()}"'
    oid = add_output(service, data, VOLUME, tmp=tmp_path)
    url = f"/api/cases/{service.own}/outputs/{oid}"
    auth = service.auth(Role.legal_staff)

    def get(**extra):
        return service.client.get(url, headers={**auth, **extra})

    r = get(**{"Range": "bytes=100-199", "If-Range": tag})
    assert r.status_code == 206 and r.content == data[100:200]
    for stale in ('"' + "0" * 64 + '"', "W/" + tag, "Tue, 01 Dec 2026 02:14:33 GMT"):
        r = get(**{"Range": "bytes=100-199", "If-Range": stale})
        assert r.status_code == 200 and r.content == data, stale
    downloads_before = len(audit(service, "output.download"))
    for matching in (tag, "W/" + tag, f'"x", {tag}', "*"):
        r = get(**{"If-None-Match": matching})
        assert r.status_code == 304, matching
        assert r.content == b"" and r.headers["etag"] == tag and "content-length" not in r.headers
    r = service.client.head(url, headers={**auth, "If-None-Match": tag})
    assert r.status_code == 304
    assert len(audit(service, "output.download")) == downloads_before  # 304 sends nothing
    r = get(**{"If-None-Match": '"other"'})
    assert r.status_code == 200 and r.content == data
    r = get(**{"If-Match": '"other"'})
    assert r.status_code == 412
    r = get(**{"If-Match": tag, "Range": "bytes=0-0"})
    assert r.status_code == 206 and r.content == data[:1]


def test_content_disposition_round_trips_chinese_and_hostile_names(service, tmp_path):
    names = [VOLUME, "DEMO-2025-001/online-filing/03-被告身份证明.pdf", 'a"b;c\\d%20e.pdf',
             "报告\r\nSet-Cookie: x=1.pdf", "Übersicht 2024 (final).docx", "审查意见.md", "packet.zip"]
    for name in names:
        oid = add_output(service, name.encode("utf-8") + os.urandom(8), name, kind="output", tmp=tmp_path)
        r = service.client.get(f"/api/cases/{service.own}/outputs/{oid}", headers=service.auth(Role.manager))
        assert r.status_code == 200, (name, r.text)
        header = r.headers["content-disposition"]
        assert header.isascii() and "\r" not in header and "\n" not in header
        assert header.startswith("attachment; ")
        last = name.rsplit("/", 1)[-1]
        assert filename_star(header) == last, header
        # the standard library's RFC 2231 reader (mail's ancestor of RFC 8187) agrees; mail has
        # no fallback rule, so it is given the extended parameter alone
        message = email.message.Message()
        message["Content-Disposition"] = "attachment; " + re.search(r"filename\*=[^;]+", header).group(0)
        assert message.get_filename() == last, header
        assert DISPOSITION.fullmatch(header), header
        fallback = filename_fallback(header)
        assert fallback and re.fullmatch(r"[A-Za-z0-9 ._()+,=@-]+", fallback), fallback
        assert not re.search(r'["\\;%\x00-\x1f\x7f]', fallback)
    r = service.client.get(f"/api/cases/{service.own}/outputs/{add_output(service, b'x', VOLUME, tmp=tmp_path)}",
                           headers=service.auth(Role.manager))
    assert filename_fallback(r.headers["content-disposition"]) == "download.pdf"
    assert r.headers["content-type"] == "application/pdf"


def test_content_types_come_from_the_kind_or_a_fixed_table_never_html(service, tmp_path):
    for name, kind, expected in (("packet.zip", "zip", "application/zip"),
                                 ("审查意见.md", "md", "text/markdown; charset=utf-8"),
                                 ("x.html", "html", "application/octet-stream"),
                                 ("欠款明细表.xlsx", "output",
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                                 ("起诉状.docx", "document",
                                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document")):
        oid = add_output(service, os.urandom(16), name, kind=kind, tmp=tmp_path)
        r = service.client.get(f"/api/cases/{service.own}/outputs/{oid}", headers=service.auth(Role.manager))
        assert r.headers["content-type"] == expected, name
        assert r.headers["x-content-type-options"] == "nosniff"


def test_outputs_are_reached_only_through_their_own_case(service, tmp_path):
    own = add_output(service, b"%PDF-1.7 own", "own.pdf", tmp=tmp_path)
    foreign = add_output(service, b"%PDF-1.7 foreign", "foreign.pdf", case_id=service.foreign, tmp=tmp_path)
    c = service.client
    counsel = service.auth(Role.external_counsel)
    assert c.get(f"/api/cases/{service.own}/outputs/{own}", headers=counsel).content == b"%PDF-1.7 own"
    # the foreign case's output: not through the own case's path, not through its own (not assigned)
    assert c.get(f"/api/cases/{service.own}/outputs/{foreign}", headers=counsel).status_code == 404
    assert c.get(f"/api/cases/{service.foreign}/outputs/{foreign}", headers=counsel).status_code == 404
    assert c.head(f"/api/cases/{service.foreign}/outputs/{foreign}", headers=counsel).status_code == 404
    assert c.get(f"/api/cases/{service.foreign}/outputs/{own}", headers=service.auth(Role.manager)).status_code == 404
    assert c.get(f"/api/cases/{service.foreign}/outputs/{foreign}",
                 headers=service.auth(Role.manager)).content == b"%PDF-1.7 foreign"
    assert c.get(f"/api/cases/{service.own}/outputs/999999", headers=counsel).status_code == 404
    assert c.get(f"/api/cases/{service.own}/outputs/{own}").status_code == 401
    downloads = audit(service, "output.download")
    assert [(d.username, d.case_id, d.file_name) for d in downloads] == [
        ("t_external_counsel", service.own, "own.pdf"), ("t_manager", service.foreign, "foreign.pdf")]
    assert downloads[0].sha256 == hashlib.sha256(b"%PDF-1.7 own").hexdigest()


def test_a_stored_file_missing_or_changed_is_not_sent(service, tmp_path):
    oid = add_output(service, b"%PDF-1.7 will be lost", "lost.pdf", tmp=tmp_path)
    with service.session() as s:
        out = s.get(Output, oid)
        ghost = Blob(sha256=hashlib.sha256(b"never stored").hexdigest(), size=12, kind="pdf")
        s.add(ghost)
        s.flush()
        job = s.get(Job, out.job_id)
        s.add(Output(job_id=job.id, case_pk=out.case_pk, kind="pdf", name="ghost.pdf", sha256=ghost.sha256, size=12))
        out.size += 1  # recorded size no longer what the store holds
        s.add(out)
        s.commit()
        ghost_id = s.exec(select(Output).where(Output.name == "ghost.pdf")).one().id
    for oid_ in (oid, ghost_id):
        r = service.client.get(f"/api/cases/{service.own}/outputs/{oid_}", headers=service.auth(Role.manager))
        assert r.status_code == 500 and "证据库" in r.json()["detail"]
    assert audit(service, "output.download") == []


def test_evidence_download_uses_the_name_and_its_latest_content(service):
    url = f"/api/cases/{service.own}/evidence/exhibits/新证据（补充）.pdf"
    h = service.auth(Role.legal_staff)
    first = service.client.put(url, content=b"%PDF-1.7 first", headers=h)
    assert first.status_code == 201, first.text
    second = service.client.put(url, content=b"%PDF-1.7 second", headers=h)
    assert second.status_code == 200
    r = service.client.get(url, headers=h)
    assert r.content == b"%PDF-1.7 second"
    assert r.headers["etag"] == f'"{second.json()["sha256"]}"'
    assert filename_star(r.headers["content-disposition"]) == "新证据（补充）.pdf"
    r = service.client.get(url, headers={**h, "If-None-Match": f'"{first.json()["sha256"]}"'})
    assert r.status_code == 200  # the old tag is stale
    entries = audit(service, "evidence.download")
    assert [e.sha256 for e in entries] == [second.json()["sha256"]] * 2
