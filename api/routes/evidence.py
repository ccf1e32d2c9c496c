"""Evidence files of a case (证据文件): upload, list, download.

An upload is the raw file as the body of ``PUT /api/cases/{case_id}/evidence/{name}``, where
``name`` is the file name the case file gives it in ``evidence[].files`` (e.g.
``exhibits/05-guarantee.pdf``). Every part of it is treated as hostile:

- the name: a relative POSIX path, NFC-normalised, at most 255 characters (and 255 bytes of
  UTF-8 per part, the file systems' limit), with no ``..``, no leading ``/``, no backslash, no
  empty part, no part starting with ``.``, no control, bidirectional-override or other
  invisible formatting character (:func:`check_name`); refused with 422 naming the problem;
- the size: refused with 413 past ``settings.max_upload_bytes``, from ``Content-Length`` before
  reading and while streaming the body (never held in memory: it goes to the store's temporary
  file as it arrives);
- the content: its type is told by its bytes (:func:`evidence.sniff.detect_kind`); a type the
  case file cannot use, or a name whose suffix names another type, is refused with 415 and the
  reason; a ZIP package (.docx, .ofd) is refused with 422 when its directory declares more than
  :data:`MAX_ZIP_MEMBERS` members, more than :data:`MAX_ZIP_UNCOMPRESSED` bytes in all, or a
  member of more than :data:`RATIO_FROM` bytes compressed more than :data:`MAX_ZIP_RATIO`:1
  (:func:`zip_problem`, which reads the ZIP's central directory only and inflates nothing).
  Declared sizes can lie; the packet's readers decode exhibits within their own budget
  (:class:`evidence.DecodeBudget`).

The checks of the content run on the store's temporary file before it is linked into place, so
a refused upload leaves nothing in the store and no row. Accepted content is stored by SHA-256
once (the same bytes uploaded again are deduplicated, and no stored file is ever overwritten);
the case's name then points at it (a second upload under the same name points the name at the
new content; the old content stays stored). Uploads, and downloads of any byte, are written to
the audit log with the file name and SHA-256."""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from api.audit import record
from api.deps import CurrentUser, SessionDep, SettingsDep, VisibleCase, client_address
from api.downloads import DOWNLOAD_RESPONSES, stored_file_response
from api.models import Blob, CaseFile, utcnow
from api.store import TooLarge
from evidence.errors import ExhibitError
from evidence.sniff import KIND_LABELS, SUFFIXES, detect_kind
from legaldocs.case.load import EVIDENCE_SUFFIXES
from legaldocs.i18n import CHINESE, _, in_language



class AnyNameConvertor(Convertor[str]):
    """The rest of the path, whatever characters it holds: Starlette's ``path`` stops at a line
    break, which would make a name holding one "not found" instead of refused by name."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("evidence_name", AnyNameConvertor())
router = APIRouter(prefix="/api/cases", tags=["证据"])

#: Longest name accepted, in characters (the ``case_file.name`` column) ...
MAX_NAME_CHARS = 255
#: ... and longest part of it, in bytes of UTF-8 (a file name on Linux file systems).
MAX_PART_BYTES = 255
#: A ZIP package (.docx, .ofd) with more members than this is refused.
MAX_ZIP_MEMBERS = 10_000
#: A ZIP package whose members declare more bytes than this in all, uncompressed, is refused.
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
#: A ZIP member declaring more than RATIO_FROM bytes must not be compressed more than MAX_ZIP_RATIO:1.
MAX_ZIP_RATIO = 100
RATIO_FROM = 1024 * 1024
#: A ZIP central directory larger than this is refused before it is read (10,000 members with
#: long names take about 3 MiB; a directory of millions of tiny entries would take gigabytes of
#: memory to read).
MAX_ZIP_DIRECTORY = 8 * 1024 * 1024

#: Characters that change the direction text is shown in, so a name can look like another
#: (``invoice\u202Efdp.exe`` shows as ``invoiceexe.pdf``).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Kinds the case file can use as evidence (the case loader's suffixes).
EVIDENCE_KINDS = frozenset(kind for kind, names in SUFFIXES.items() if set(names) & set(EVIDENCE_SUFFIXES))


class UploadRefused(ValueError):
    """An upload that cannot be taken: ``status`` (415, 422), ``message`` (Chinese) and the
    ``field`` at fault (``name``, the path's file name, or ``body``, the content)."""

    def __init__(self, status: int, message: str, field: str = "body"):
        self.status = status
        self.message = message
        self.field = field
        super().__init__(message)


class EvidenceUpload(BaseModel):
    name: str = Field(description="案件文件中的文件名（evidence[].files），NFC 规范化后")
    sha256: str = Field(description="内容的 SHA-256（十六进制）")
    size: int = Field(description="字节数")
    kind: str = Field(description="按内容识别的类型：pdf、jpeg、png、tiff、docx、ofd")
    deduplicated: bool = Field(description="证据库中已有相同内容（未再存一份）")
    referenced: bool = Field(description="案件文件是否引用此文件名；false 为提示，不是错误")


class EvidenceFileOut(BaseModel):
    name: str
    sha256: str
    size: int
    kind: str
    uploaded_at: str = Field(description="上传时间（UTC，ISO 8601）")
    referenced: bool


class EvidenceList(BaseModel):
    files: list[EvidenceFileOut]
    missing: list[str] = Field(description="案件文件引用、但尚未上传的文件名")


def check_name(name: str) -> str:
    """``name`` NFC-normalised if it is a safe relative POSIX path for an evidence file.

    Raises:
        UploadRefused: 422 with what is wrong (empty, too long, control, bidirectional or
            invisible characters, an invalid encoding, a backslash, absolute, ``..``, an empty
            part, a part starting with ``.``, a part too long).
    """
    name = unicodedata.normalize("NFC", name)
    if not name:
        raise UploadRefused(422, "文件名为空", "name")
    if len(name) > MAX_NAME_CHARS:
        raise UploadRefused(422, f"文件名过长（{len(name)}个字符，上限{MAX_NAME_CHARS}）", "name")
    for ch in name:
        code = f"U+{ord(ch):04X}"
        if ch in BIDI_CONTROLS:
            raise UploadRefused(422, f"文件名含双向文本控制字符（{code}），显示的名称会与实际不符", "name")
        category = unicodedata.category(ch)
        if category == "Cc" or category in ("Zl", "Zp"):
            raise UploadRefused(422, f"文件名含控制字符（{code}）", "name")
        if category == "Cf":
            raise UploadRefused(422, f"文件名含不可见的格式字符（{code}）", "name")
        if ch == "\ufffd" or category == "Cs":
            raise UploadRefused(422, "文件名的编码无效（不是 UTF-8）", "name")
    if "\\" in name:
        raise UploadRefused(422, "文件名含反斜杠“\\”；目录请用“/”分隔", "name")
    if name.startswith("/"):
        raise UploadRefused(422, "文件名不能是绝对路径（以“/”开头）", "name")
    parts = name.split("/")
    if ".." in parts:
        raise UploadRefused(422, "文件名不能含上级目录“..”", "name")
    for part in parts:
        if not part.strip():
            raise UploadRefused(422, "文件名含空的路径段（连续的“/”、以“/”结尾或只有空格）", "name")
        if part == ".":
            raise UploadRefused(422, "文件名不能含当前目录“.”这一段", "name")
        if part.startswith("."):
            raise UploadRefused(422, f"文件名的路径段不能以“.”开头：{part}", "name")
        if len(part.encode("utf-8")) > MAX_PART_BYTES:
            raise UploadRefused(422, f"文件名的一段过长（UTF-8 {len(part.encode('utf-8'))}字节，上限{MAX_PART_BYTES}）", "name")
    return name


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size}字节"


def zip_problem(path: Path) -> str | None:
    """What makes the ZIP package at ``path`` a likely decompression bomb, or None. Reads the
    end-of-directory record and the central directory only: nothing is inflated. A file that
    is not a readable ZIP gives None (the type check refuses it)."""
    try:
        with open(path, "rb") as handle:
            # The very record zipfile.ZipFile reads the directory by, so the limits below bound
            # what opening the file then reads.
            end = zipfile._EndRecData(handle)  # noqa: SLF001
    except OSError:
        return None
    if not end:
        return None
    declared, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]  # noqa: SLF001
    if declared > MAX_ZIP_MEMBERS:
        return f"ZIP 包声明有{declared}个成员，超过上限{MAX_ZIP_MEMBERS}（疑似压缩炸弹）"
    if directory > MAX_ZIP_DIRECTORY:
        return f"ZIP 包的目录有{_mib(directory)}，超过上限{_mib(MAX_ZIP_DIRECTORY)}（疑似压缩炸弹）"
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError):
        return None
    if len(members) > MAX_ZIP_MEMBERS:
        return f"ZIP 包有{len(members)}个成员，超过上限{MAX_ZIP_MEMBERS}（疑似压缩炸弹）"
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_UNCOMPRESSED:
        return f"ZIP 包解压后共{_mib(total)}，超过上限{_mib(MAX_ZIP_UNCOMPRESSED)}（疑似压缩炸弹）"
    for m in members:
        if m.file_size > RATIO_FROM and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
            ratio = m.file_size // max(m.compress_size, 1)
            return (f"ZIP 包成员 {m.filename[:80]!r} 压缩比约{ratio}:1（{_mib(m.compress_size)}解压为"
                    f"{_mib(m.file_size)}），超过{MAX_ZIP_RATIO}:1（疑似压缩炸弹）")
    return None


def sniff(path: Path, name: str) -> str:
    """The kind of the uploaded file at ``path`` (its content decides), to be stored as
    ``name`` (already checked by :func:`check_name`).

    Raises:
        UploadRefused: 422 for an empty file or a ZIP bomb (:func:`zip_problem`); 415 for content
            of an unsupported type, a suffix naming another type (the reason as
            :func:`evidence.sniff.detect_kind` gives it), or a type the case file cannot use.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
    if not head:
        raise UploadRefused(422, f"{name}: 文件为空")
    if head in (b"PK\x03\x04", b"PK\x05\x06"):
        problem = zip_problem(path)
        if problem:
            raise UploadRefused(422, f"{name}: {problem}")
    base = name.rsplit("/", 1)[-1]
    with tempfile.TemporaryDirectory(prefix="legaldocs-sniff-") as tmp:
        named = Path(tmp) / base  # the content under the upload's name: its suffix is checked too
        os.symlink(path, named)
        try:
            with in_language(CHINESE):
                kind = detect_kind(named)
        except ExhibitError as exc:
            raise UploadRefused(415, f"{name}: {exc.reason}") from exc
    if kind not in EVIDENCE_KINDS or Path(base).suffix.lower() not in EVIDENCE_SUFFIXES:
        with in_language(CHINESE):
            label = _(KIND_LABELS[kind])
        raise UploadRefused(415, f"{name}: 内容为{label}；证据文件须为 PDF、JPEG、PNG、TIFF、Word (.docx) 或 OFD，"
                                 f"文件名以 {' '.join(EVIDENCE_SUFFIXES)} 之一结尾")
    return kind


def referenced_names(data: dict) -> list[str]:
    """The file names the case data's ``evidence[].files`` give, NFC-normalised, ``./`` and
    ``a/../`` folded, in order, each once."""
    names: list[str] = []
    for item in data.get("evidence") or []:
        if not isinstance(item, dict) or not isinstance(item.get("files"), list):
            continue
        for f in item["files"]:
            if isinstance(f, str) and f.strip():
                n = posixpath.normpath(unicodedata.normalize("NFC", f.strip()))
                if n not in names:
                    names.append(n)
    return names


def _insert(s: Session):
    """The INSERT of the session's database that knows ON CONFLICT (SQLite and PostgreSQL)."""
    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


def _refuse(exc: UploadRefused) -> HTTPException:
    """422 in the shape of the other routes' (``message`` and ``problems`` by field); others as text."""
    if exc.status == 422:
        return HTTPException(422, {"message": exc.message, "problems": [{"field": exc.field, "message": exc.message}]})
    return HTTPException(exc.status, exc.message)


@router.put("/{case_id}/evidence/{name:evidence_name}", name="upload_evidence", response_model=EvidenceUpload,
            status_code=201,
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
            responses={200: {"description": "同名文件已存在，已指向新内容（或内容相同）", "model": EvidenceUpload},
                       413: {"description": "文件过大"}, 415: {"description": "类型不支持或与文件名不符"},
                       422: {"description": "文件名不安全、文件为空或疑似压缩炸弹"}})
async def upload_evidence(name: str, case: VisibleCase, request: Request, response: Response, s: SessionDep,
                          user: CurrentUser, settings: SettingsDep) -> EvidenceUpload:
    """Upload one evidence file of the case, the raw file as the body, under the name the case
    file gives it (``exhibits/05-guarantee.pdf``). 201 for a new name, 200 when the name existed
    (it now points at this content). ``referenced`` says whether the case file names it."""
    try:
        clean = check_name(name)
    except UploadRefused as exc:
        raise _refuse(exc) from exc
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise HTTPException(400, "Content-Length 无效")
        if int(declared) > limit:
            raise HTTPException(413, f"文件超过上限（{_mib(limit)}）")
    s.commit()  # no transaction held open while the body arrives
    found: dict[str, str] = {}

    def check(tmp: Path) -> None:
        found["kind"] = sniff(tmp, clean)

    store = request.app.state.store
    try:
        digest, size, created = await store.put_stream(request.stream(), limit, check=check)
    except TooLarge as exc:
        raise HTTPException(413, f"文件超过上限（{_mib(limit)}）") from exc
    except UploadRefused as exc:
        raise _refuse(exc) from exc
    kept = await run_in_threadpool(_keep, s, case, user, clean, digest, size, found["kind"], created,
                                   client_address(request))
    response.status_code = 201 if kept.pop("new_name") else 200
    return EvidenceUpload(**kept)


def _keep(s: Session, case, user, name: str, digest: str, size: int, kind: str, created: bool,
          address: str) -> dict:
    """Record stored content as the case's file ``name`` (the blob row if missing, the name
    inserted or pointed at it) with its audit entry, in one transaction; the answer's fields
    and ``new_name``. Safe against a concurrent upload of the same content or name."""
    now = utcnow()
    insert = _insert(s)
    s.exec(insert(Blob).values(sha256=digest, size=size, kind=kind, created_at=now)
           .on_conflict_do_nothing(index_elements=["sha256"]))
    new_name = s.exec(insert(CaseFile).values(case_pk=case.id, name=name, sha256=digest, uploaded_by=user.id,
                                              uploaded_at=now)
                      .on_conflict_do_nothing(index_elements=["case_pk", "name"])
                      .returning(CaseFile.id)).first() is not None  # a row only if inserted
    if not new_name:
        s.exec(update(CaseFile).where(CaseFile.case_pk == case.id, CaseFile.name == name)
               .values(sha256=digest, uploaded_by=user.id, uploaded_at=now))
    s.refresh(case)  # the case file as it is now, for whether it names the file
    referenced = name in referenced_names(case.data)
    notes = [f"{size}字节", kind]
    if not created:
        notes.append("内容与已存文件相同")
    if not new_name:
        notes.append("替换同名文件")
    if not referenced:
        notes.append("案件文件未引用此文件名")
    record(s, user, "evidence.upload", case_id=case.case_id, file_name=name, sha256=digest,
           detail="，".join(notes), address=address, commit=False)
    s.commit()
    return {"name": name, "sha256": digest, "size": size, "kind": kind, "deduplicated": not created,
            "referenced": referenced, "new_name": new_name}


@router.get("/{case_id}/evidence", name="list_evidence", response_model=EvidenceList)
def list_evidence(case: VisibleCase, s: SessionDep) -> EvidenceList:
    """The case's uploaded evidence files (by name) with SHA-256, size, kind, upload time and
    whether the case file names them; and the names the case file gives that are not uploaded."""
    rows = s.exec(select(CaseFile, Blob).join(Blob, Blob.sha256 == CaseFile.sha256)
                  .where(CaseFile.case_pk == case.id).order_by(CaseFile.name)).all()
    wanted = referenced_names(case.data)
    have = {f.name for f, _b in rows}
    return EvidenceList(
        files=[EvidenceFileOut(name=f.name, sha256=f.sha256, size=b.size, kind=b.kind,
                               uploaded_at=_utc(f.uploaded_at), referenced=f.name in wanted) for f, b in rows],
        missing=[n for n in wanted if n not in have])


def _utc(value) -> str:
    """A stored time as ISO 8601 UTC (SQLite returns it without its zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat()


@router.get("/{case_id}/evidence/{name:evidence_name}", name="download_evidence", response_class=Response,
            responses=DOWNLOAD_RESPONSES)
@router.head("/{case_id}/evidence/{name:evidence_name}", name="download_evidence", operation_id="head_evidence",
             response_class=Response,
             responses=DOWNLOAD_RESPONSES)
def download_evidence(name: str, case: VisibleCase, request: Request, s: SessionDep, user: CurrentUser) -> Response:
    """Download one evidence file of the case by its name (streamed; ``Range``, ``If-Range``,
    ``If-None-Match`` honoured; ``ETag`` is the SHA-256). Every download is in the audit log."""
    clean = unicodedata.normalize("NFC", name)
    row = s.exec(select(CaseFile, Blob).join(Blob, Blob.sha256 == CaseFile.sha256)
                 .where(CaseFile.case_pk == case.id, CaseFile.name == clean)).first()
    if row is None:
        raise HTTPException(404, "证据文件不存在")
    f, blob = row

    def audit(detail: str) -> None:
        record(s, user, "evidence.download", case_id=case.case_id, file_name=f.name, sha256=f.sha256,
               detail=detail, address=client_address(request))

    return stored_file_response(request, request.app.state.store, sha256=f.sha256, size=blob.size, name=f.name,
                                kind=blob.kind, on_download=audit)


