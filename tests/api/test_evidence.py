"""Evidence uploads over HTTP, on both databases: stored by SHA-256, deduplicated, never
overwritten, read-only; hostile uploads (too large, wrong type, path tricks in the name, zip
bombs) refused with nothing left in the store and no row; every upload in the audit log."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import stat
import struct
import unicodedata
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from api.models import AuditEntry, Blob, CaseFile, CaseRecord, Role

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


def pdf_bytes(tag: str = "") -> bytes:
    """Bytes the sniffer takes for a PDF, different for every call."""
    return b"%PDF-1.7\n% " + tag.encode() + os.urandom(64).hex().encode() + b"\n%%EOF\n"


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def docx_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    """A ZIP the sniffer takes for a Word document, with ``extra`` members."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", "<w:document>" + os.urandom(8).hex() + "</w:document>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def store_files(service) -> list[Path]:
    root = service.settings.store_dir
    return sorted(p for p in (root / "sha256").rglob("*") if p.is_file())


def incoming(service) -> list[Path]:
    return list((service.settings.store_dir / "incoming").iterdir())


def put(service, name: str, data, role=Role.legal_staff, case: str | None = None, headers: dict | None = None):
    return service.client.put(f"/api/cases/{case or service.own}/evidence/{name}", content=data,
                              headers={**service.auth(role), "Content-Type": "application/octet-stream",
                                       **(headers or {})})


def rows(service, case_id: str) -> dict[str, str]:
    with service.session() as s:
        case = s.exec(select(CaseRecord).where(CaseRecord.case_id == case_id)).one()
        return {f.name: f.sha256 for f in s.exec(select(CaseFile).where(CaseFile.case_pk == case.id)).all()}


def audit(service, action: str) -> list[AuditEntry]:
    with service.session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all())


def assert_nothing_new(service, before_files, before_rows):
    assert store_files(service) == before_files
    assert incoming(service) == []
    assert rows(service, service.own) == before_rows
    assert audit(service, "evidence.upload") == []


# --- accepted uploads -------------------------------------------------------------------------


def test_upload_stores_by_sha256_read_only_and_audits(service):
    data = pdf_bytes("new")
    digest = hashlib.sha256(data).hexdigest()
    r = put(service, "exhibits/12-补充协议.pdf", data)
    assert r.status_code == 201, r.text
    assert r.json() == {"name": "exhibits/12-补充协议.pdf", "sha256": digest, "size": len(data), "kind": "pdf",
                        "deduplicated": False, "referenced": False}
    path = service.app.state.store.path(digest)
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert rows(service, service.own)["exhibits/12-补充协议.pdf"] == digest
    with service.session() as s:
        blob = s.get(Blob, digest)
        assert (blob.size, blob.kind) == (len(data), "pdf")
    [entry] = audit(service, "evidence.upload")
    assert (entry.username, entry.case_id, entry.file_name, entry.sha256) == (
        "t_legal_staff", service.own, "exhibits/12-补充协议.pdf", digest)
    assert "案件文件未引用" in entry.detail
    assert incoming(service) == []


def test_same_bytes_twice_is_one_blob(service):
    data = pdf_bytes("dup")
    digest = hashlib.sha256(data).hexdigest()
    first = put(service, "exhibits/a.pdf", data)
    assert first.status_code == 201, first.text
    files = store_files(service)
    second = put(service, "exhibits/b.pdf", data)
    assert second.status_code == 201, second.text
    assert second.json()["deduplicated"] is True and second.json()["sha256"] == digest
    assert store_files(service) == files
    again = put(service, "exhibits/a.pdf", data)
    assert again.status_code == 200 and again.json()["deduplicated"] is True
    assert store_files(service) == files
    with service.session() as s:
        assert len(s.exec(select(Blob).where(Blob.sha256 == digest)).all()) == 1
    assert {n: h for n, h in rows(service, service.own).items() if n in ("exhibits/a.pdf", "exhibits/b.pdf")} == {
        "exhibits/a.pdf": digest, "exhibits/b.pdf": digest}
    assert stat.S_IMODE(service.app.state.store.path(digest).stat().st_mode) == 0o444
    # a demo exhibit's own bytes under another name: the stored copy is reused
    demo = (DEMO / "exhibits" / "05-guarantee.pdf").read_bytes()
    r = put(service, "copies/guarantee.pdf", demo)
    assert r.status_code == 201 and r.json()["deduplicated"] is True
    assert store_files(service) == files


def test_reupload_under_a_referenced_name_points_it_at_the_new_content(service):
    name = "exhibits/05-guarantee.pdf"
    old = rows(service, service.own)[name]
    data = pdf_bytes("v2")
    r = put(service, name, data)
    assert r.status_code == 200, r.text
    assert r.json()["referenced"] is True and r.json()["deduplicated"] is False
    new = r.json()["sha256"]
    assert rows(service, service.own)[name] == new != old
    store = service.app.state.store
    assert hashlib.sha256(store.path(old).read_bytes()).hexdigest() == old  # the old content stays
    got = service.client.get(f"/api/cases/{service.own}/evidence/{name}", headers=service.auth(Role.legal_staff))
    assert got.status_code == 200 and got.content == data


def test_the_store_never_overwrites_a_stored_file(service):
    """Try to make the store put other bytes under a stored file's name, through its own commit
    step and through uploads racing with the same content: the file keeps its bytes."""
    data = pdf_bytes("keep")
    digest = put(service, "exhibits/keep.pdf", data).json()["sha256"]
    store = service.app.state.store
    target = store.path(digest)
    inode = target.stat().st_ino
    fd, tmp = store._incoming()
    with os.fdopen(fd, "wb") as out:
        out.write(b"%PDF-1.7 other bytes claiming the same name")
    assert store._commit(tmp, digest) == (digest, False)
    assert not Path(tmp).exists()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert target.stat().st_ino == inode
    # the same name uploaded with other content: a new blob, the old one untouched
    other = put(service, "exhibits/keep.pdf", pdf_bytes("other"))
    assert other.status_code == 200 and other.json()["sha256"] != digest
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    # the same content again: deduplicated, same file (same inode), same bytes
    assert put(service, "exhibits/keep2.pdf", data).json()["deduplicated"] is True
    assert target.stat().st_ino == inode
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    for f in store_files(service):
        assert hashlib.sha256(f.read_bytes()).hexdigest() == f.name


def test_names_are_nfc_and_list_tells_referenced_and_missing(service):
    h = service.auth(Role.legal_staff)
    listed = service.client.get(f"/api/cases/{service.own}/evidence", headers=h)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["missing"] == []
    names = {f["name"]: f for f in body["files"]}
    assert names["exhibits/05-guarantee.pdf"]["referenced"] is True
    assert names["exhibits/05-guarantee.pdf"]["kind"] == "pdf"
    assert names["exhibits/05-guarantee.pdf"]["sha256"] == hashlib.sha256(
        (DEMO / "exhibits" / "05-guarantee.pdf").read_bytes()).hexdigest()
    assert names["exhibits/05-guarantee.pdf"]["uploaded_at"].endswith("+00:00")
    # the case file names a new exhibit: it is missing until uploaded
    case = service.client.get(f"/api/cases/{service.own}", headers=h)
    data = case.json()["data"]
    wanted = unicodedata.normalize("NFC", "exhibits/12-café-补充.pdf")
    data["evidence"].append({"id": "E99", "title": "补充协议", "files": [wanted], "purpose": "证明补充约定"})
    r = service.client.patch(f"/api/cases/{service.own}", json={"data": data},
                             headers={**h, "If-Match": case.headers["etag"]})
    assert r.status_code == 200, r.text
    assert service.client.get(f"/api/cases/{service.own}/evidence", headers=h).json()["missing"] == [wanted]
    decomposed = unicodedata.normalize("NFD", wanted)
    assert decomposed != wanted
    up = put(service, decomposed, pdf_bytes("nfc"))
    assert up.status_code == 201, up.text
    assert up.json()["name"] == wanted and up.json()["referenced"] is True
    after = service.client.get(f"/api/cases/{service.own}/evidence", headers=h).json()
    assert after["missing"] == []
    assert {f["name"]: f["referenced"] for f in after["files"]}[wanted] is True


def test_who_may_upload_list_and_download_evidence(service):
    url = f"/api/cases/{service.own}/evidence"
    for role in (Role.manager, Role.admin, Role.external_counsel):
        assert put(service, "exhibits/x.pdf", pdf_bytes(), role=role).status_code == 403
    c = service.client
    counsel = service.auth(Role.external_counsel)
    assert c.get(url, headers=counsel).status_code == 403
    assert c.get(f"{url}/exhibits/05-guarantee.pdf", headers=counsel).status_code == 403
    assert c.head(f"{url}/exhibits/05-guarantee.pdf", headers=counsel).status_code == 403
    assert c.get(f"{url}/exhibits/05-guarantee.pdf").status_code == 401
    for role in (Role.manager, Role.admin, Role.legal_staff):
        assert c.get(url, headers=service.auth(role)).status_code == 200
        assert c.get(f"{url}/exhibits/05-guarantee.pdf", headers=service.auth(role)).status_code == 200
    assert put(service, "exhibits/x.pdf", pdf_bytes(), case="NO-SUCH-CASE").status_code == 404
    assert c.get(f"{url}/exhibits/none.pdf", headers=service.auth(Role.manager)).status_code == 404


# --- refused uploads --------------------------------------------------------------------------


def test_oversized_upload_is_413_and_leaves_nothing(service):
    service.app.state.settings = dataclasses.replace(service.settings, max_upload_bytes=64 * 1024)
    before_files, before_rows = store_files(service), rows(service, service.own)
    big = pdf_bytes() + bytes(64 * 1024)
    r = put(service, "exhibits/big.pdf", big)  # refused from Content-Length, before reading
    assert r.status_code == 413, r.text
    assert "上限" in r.json()["detail"]
    r = put(service, "exhibits/big.pdf", b"%PDF-1.7\n", headers={"Content-Length": str(10 ** 12)})
    assert r.status_code == 413

    def chunked():  # no Content-Length: refused while streaming
        yield b"%PDF-1.7\n"
        for _ in range(20):
            yield bytes(8 * 1024)

    r = put(service, "exhibits/big.pdf", chunked())
    assert r.status_code == 413, r.text
    assert_nothing_new(service, before_files, before_rows)
    exactly = pdf_bytes()
    exactly += b" " * (64 * 1024 - len(exactly))
    assert put(service, "exhibits/limit.pdf", exactly).status_code == 201


WRONG_TYPES = [
    ("exhibits/scan.pdf", "png", ["PNG", ".pdf", ".png"]),
    ("tools/setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), ["不支持"]),
    ("exhibits/setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), ["不支持"]),
    ("exhibits/page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", ["不支持"]),
    ("exhibits/page.html", b"<html><body>x</body></html>", ["不支持"]),
    ("exhibits/contract.doc", "docx", [".docx", ".doc"]),
    ("exhibits/scan", "png", ["证据文件须为"]),
    ("exhibits/table.xlsx", "xlsx", ["不支持"]),
]


def test_wrong_type_is_415_and_leaves_nothing(service):
    before_files, before_rows = store_files(service), rows(service, service.own)
    for name, content, words in WRONG_TYPES:
        if content == "png":
            content = png_bytes()
        elif content == "docx":
            content = docx_bytes()
        elif content == "xlsx":
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as z:
                z.writestr("xl/workbook.xml", "<workbook/>")
            content = out.getvalue()
        r = put(service, name, content)
        assert r.status_code == 415, (name, r.text)
        detail = r.json()["detail"]
        assert detail.startswith(name + ": "), detail
        for word in words:
            assert word in detail, (name, detail)
    assert_nothing_new(service, before_files, before_rows)


def test_the_right_type_under_its_own_suffix_is_taken(service):
    r = put(service, "exhibits/scan.png", png_bytes())
    assert r.status_code == 201 and r.json()["kind"] == "png"
    r = put(service, "exhibits/contract.DOCX", docx_bytes())
    assert r.status_code == 201 and r.json()["kind"] == "docx"


def test_empty_upload_is_refused(service):
    before_files, before_rows = store_files(service), rows(service, service.own)
    r = put(service, "exhibits/empty.pdf", b"")
    assert r.status_code == 422 and "文件为空" in r.json()["detail"]["message"]
    assert_nothing_new(service, before_files, before_rows)


HOSTILE_NAMES = [
    ("..%2Fx.pdf", "..”"),
    ("%2e%2e/x.pdf", "..”"),
    ("%2E%2E%2F%2E%2E%2Fetc%2Fcron.d%2Fx.pdf", "..”"),
    ("exhibits/..%2F..%2Fx.pdf", "..”"),
    ("/etc/passwd", "绝对路径"),
    ("%2Fetc%2Fpasswd", "绝对路径"),
    ("a%5Cb.pdf", "反斜杠"),
    ("..%5C..%5Cx.pdf", "反斜杠"),
    ("x%00.pdf", "控制字符（U+0000）"),
    ("x%0A.pdf", "控制字符（U+000A）"),
    ("invoice%E2%80%AEfdp.exe", "双向文本控制字符（U+202E）"),
    ("x%E2%80%8B.pdf", "不可见的格式字符（U+200B）"),
    ("exhibits/%2E/x.pdf", "“.”"),
    ("exhibits//x.pdf", "空的路径段"),
    ("exhibits/", "空的路径段"),
    ("exhibits/%20/x.pdf", "空的路径段"),
    (".env", "“.”开头"),
    ("exhibits/.hidden/x.pdf", "“.”开头"),
    ("x%FF.pdf", "编码无效"),
    ("a" * 252 + ".pdf", "过长"),
    ("证" * 86 + ".pdf", "过长"),
]


def test_path_tricks_in_names_are_422_naming_the_problem(service):
    """Each name as it travels in the URL (percent-encoded where a client would send it so, or
    where the client library would otherwise fold ``..`` and ``.`` away before sending)."""
    before_files, before_rows = store_files(service), rows(service, service.own)
    for raw, problem in HOSTILE_NAMES:
        r = put(service, raw, pdf_bytes())
        assert r.status_code == 422, (raw, r.status_code, r.text)
        detail = r.json()["detail"]
        assert detail["problems"][0]["field"] == "name"
        assert problem in detail["message"], (raw, detail)
    assert_nothing_new(service, before_files, before_rows)


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """ZIP packages that look like Word documents, built once: one holding 1 GiB of zeros
    (about 1 MB compressed), one whose directory claims 1 GiB for a small member, one with a
    20 MiB member compressed about 1000:1, one with 10,001 members."""
    out = {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("word/document.xml", "<w:document/>")
        with z.open("word/media/image1.bin", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(1024):
                member.write(block)
    out["contains"] = buf.getvalue()
    claims = bytearray(docx_bytes({"word/media/image1.png": png_bytes()}))
    # the central directory entry of the last member: uncompressed size at offset 24
    at = claims.rfind(b"PK\x01\x02")
    assert claims[at + 46: at + 46 + 21] == b"word/media/image1.png"
    claims[at + 24: at + 28] = struct.pack("<I", 0xFFFFFFF0)
    out["claims"] = bytes(claims)
    out["ratio"] = docx_bytes({"word/media/zeros.bin": bytes(20 * 1024 * 1024)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("word/document.xml", "<w:document/>")
        for i in range(10_000):
            z.writestr(f"word/m{i}.xml", b"")
    out["members"] = buf.getvalue()
    return out


def test_zip_bombs_are_refused_from_the_directory(service, bombs):
    before_files, before_rows = store_files(service), rows(service, service.own)
    for bomb, problem in (("contains", "解压后共1024.0 MiB"), ("claims", "解压后共"), ("ratio", "压缩比"),
                          ("members", "10001个成员")):
        data = bombs[bomb]
        assert len(data) < 2 * 1024 * 1024
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert "word/document.xml" in z.namelist()  # the sniffer alone would take it for a .docx
        r = put(service, "exhibits/bomb.docx", data)
        assert r.status_code == 422, (bomb, r.text)
        detail = r.json()["detail"]
        assert problem in detail["message"] and "压缩炸弹" in detail["message"], (bomb, detail)
        assert detail["problems"][0]["field"] == "body"
    assert_nothing_new(service, before_files, before_rows)


def test_a_directory_declaring_millions_of_members_is_refused_before_it_is_read(service):
    data = bytearray(docx_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8: end + 12] = struct.pack("<HH", 0xFFFE, 0xFFFE)  # entries on this disk, in all
    r = put(service, "exhibits/many.docx", bytes(data))
    assert r.status_code == 422 and "65534个成员" in r.json()["detail"]["message"], r.text
