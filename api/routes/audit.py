"""The audit log (审计日志) over HTTP, for managers and administrators: one case's entries, the
whole log filtered by user, case, action and time, and an export (CSV for Excel, or JSON Lines)
streamed page by page, never the whole log in memory. An export is itself recorded in the log.

Times: entries are kept in UTC and answered in ISO 8601 with their offset. ``since``/``until``
take a date (``2025-07-01``) or a date and time (``2025-07-01T09:30``, ``...+08:00``, ``...Z``);
without an offset they are read as China Standard Time, the bank's clock. ``since`` is
inclusive; ``until`` is exclusive, and a date alone as ``until`` means to the end of that day."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from api.audit import record
from api.deps import CurrentUser, SessionDep, VisibleCase, client_address
from api.models import AuditEntry

router = APIRouter(tags=["审计日志"])

BANK_TZ = ZoneInfo("Asia/Shanghai")
#: Rows read from the database per page of an export.
EXPORT_PAGE = 500
#: The CSV's headers, in column order (Chinese, for the bank's staff opening it in Excel).
CSV_HEADERS = ("时间", "用户", "角色", "操作", "案件", "文件", "SHA-256", "详情", "地址")
#: A cell starting with one of these is a formula to Excel (CSV injection); such cells get a
#: leading apostrophe, which Excel shows as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AuditOut(BaseModel):
    """One entry: ``at`` in UTC; ``user_id``/``username``/``role`` empty for the system's own
    entries (demo data, failed logins)."""

    id: int
    at: dt.datetime
    user_id: int | None
    username: str
    role: str
    action: str
    case_id: str | None
    file_name: str | None
    sha256: str | None
    detail: str
    address: str


class AuditPage(BaseModel):
    """A page of entries, newest first, and how many match in all."""

    total: int
    limit: int
    offset: int
    entries: list[AuditOut]


def _out(e: AuditEntry) -> AuditOut:
    return AuditOut(id=e.id, at=e.at, user_id=e.user_id, username=e.username, role=e.role, action=e.action,
                    case_id=e.case_id, file_name=e.file_name, sha256=e.sha256, detail=e.detail, address=e.address)


def _bad(field: str, message: str) -> HTTPException:
    return HTTPException(422, {"message": "查询条件有误", "problems": [{"field": field, "message": message}]})


def parse_moment(value: str | None, field: str, *, end: bool = False) -> dt.datetime | None:
    """``value`` (a date or an ISO 8601 date and time; no offset: China Standard Time) as an
    aware datetime; a date alone is its day's start, or with ``end`` the next day's start.
    Raises HTTPException 422 naming ``field``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time(), BANK_TZ)
            if end:
                moment += dt.timedelta(days=1)
        else:
            moment = dt.datetime.fromisoformat(text)
            if moment.utcoffset() is None:
                moment = moment.replace(tzinfo=BANK_TZ)
        return moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise _bad(field, f"不是可用的日期或时间：{text[:40]!r}（例如 2025-07-01 或 2025-07-01T09:30:00+08:00）") from None


def _text_filter(value: str | None, field: str) -> str | None:
    """A filter value as given; control characters (which no stored value holds, and which
    PostgreSQL refuses in text) are refused naming the field."""
    if value is None or value == "":
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _bad(field, "含有控制字符")
    return value


def _conditions(*, user: str | None = None, case: str | None = None, action: str | None = None,
                since: str | None = None, until: str | None = None) -> list:
    """WHERE clauses for the filters. ``action`` matches exactly, or as a prefix when it ends with
    ``*`` (``output.*``)."""
    conds = []
    if (user := _text_filter(user, "user")) is not None:
        conds.append(AuditEntry.username == user)
    if (case := _text_filter(case, "case")) is not None:
        conds.append(AuditEntry.case_id == case)
    if (action := _text_filter(action, "action")) is not None:
        if action.endswith("*"):
            prefix = action[:-1]
            conds.append(func.substr(AuditEntry.action, 1, len(prefix)) == prefix)
        else:
            conds.append(AuditEntry.action == action)
    start = parse_moment(since, "since")
    stop = parse_moment(until, "until", end=True)
    if start is not None:
        conds.append(AuditEntry.at >= start)
    if stop is not None:
        conds.append(AuditEntry.at < stop)
    return conds


def _page(s: Session, conds: list, limit: int, offset: int) -> AuditPage:
    total = s.exec(select(func.count()).select_from(AuditEntry).where(*conds)).one()
    rows = s.exec(select(AuditEntry).where(*conds).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                  .offset(offset).limit(limit)).all()
    return AuditPage(total=total, limit=limit, offset=offset, entries=[_out(e) for e in rows])


UserQ = Annotated[str | None, Query(alias="user", max_length=80, description="用户名")]
CaseQ = Annotated[str | None, Query(alias="case", max_length=80, description="案件编号")]
ActionQ = Annotated[str | None, Query(max_length=41, description="操作，如 output.download；以 * 结尾按前缀匹配，如 case.*")]
SinceQ = Annotated[str | None, Query(max_length=40, description="起（含），日期或 ISO 8601 时间；无时区按北京时间")]
UntilQ = Annotated[str | None, Query(max_length=40, description="止（不含）；只写日期时含当日")]
LimitQ = Annotated[int, Query(ge=1, le=1000)]
OffsetQ = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/api/cases/{case_id}/audit", name="case_audit", response_model=AuditPage)
def case_audit(case: VisibleCase, s: SessionDep, action: ActionQ = None, since: SinceQ = None,
               until: UntilQ = None, limit: LimitQ = 100, offset: OffsetQ = 0) -> AuditPage:
    """The audit entries of one case, newest first (``limit`` 1-1000, default 100)."""
    return _page(s, _conditions(case=case.case_id, action=action, since=since, until=until), limit, offset)


@router.get("/api/audit", name="audit_log", response_model=AuditPage)
def audit_log(s: SessionDep, user: UserQ = None, case: CaseQ = None, action: ActionQ = None, since: SinceQ = None,
              until: UntilQ = None, limit: LimitQ = 100, offset: OffsetQ = 0) -> AuditPage:
    """The audit log, newest first, filtered by user name, case, action and time."""
    return _page(s, _conditions(user=user, case=case, action=action, since=since, until=until), limit, offset)


def _bank_time(at: dt.datetime) -> str:
    if at.utcoffset() is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(BANK_TZ).isoformat(timespec="seconds")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(values) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([_cell(v) for v in values])
    return buf.getvalue()


def _rows(engine, conds: list, last_id: int) -> Iterator[AuditEntry]:
    """The matching entries up to ``last_id``, oldest first, read ``EXPORT_PAGE`` at a time
    (keyset on id, a short session per page, so nothing holds the database while the client reads)."""
    after = 0
    while True:
        with Session(engine) as s:
            page = s.exec(select(AuditEntry).where(*conds, AuditEntry.id > after, AuditEntry.id <= last_id)
                          .order_by(AuditEntry.id).limit(EXPORT_PAGE)).all()
        if not page:
            return
        yield from page
        after = page[-1].id


def export_lines(engine, conds: list, last_id: int, fmt: str) -> Iterator[str]:
    """The export's text, one line per entry: CSV (Chinese headers, bank time) or JSON Lines (the
    keys of :class:`AuditOut`, UTC)."""
    if fmt == "csv":
        yield _csv_line(CSV_HEADERS)
        for e in _rows(engine, conds, last_id):
            yield _csv_line((_bank_time(e.at), e.username, e.role, e.action, e.case_id, e.file_name, e.sha256,
                             e.detail, e.address))
    else:
        for e in _rows(engine, conds, last_id):
            yield json.dumps(_out(e).model_dump(mode="json"), ensure_ascii=False) + "\n"


@router.get("/api/audit/export", name="audit_export",
            responses={200: {"description": "CSV（UTF-8 带 BOM，Excel 可直接打开）或 JSON Lines",
                             "content": {"text/csv": {}, "application/jsonl": {}}}})
def audit_export(request: Request, s: SessionDep, user: CurrentUser,
                 format: Annotated[Literal["csv", "jsonl"], Query(description="csv 或 jsonl")] = "csv",  # noqa: A002
                 who: UserQ = None, case: CaseQ = None, action: ActionQ = None, since: SinceQ = None,
                 until: UntilQ = None) -> StreamingResponse:
    """The entries matching the filters, oldest first, as a download streamed page by page. The
    export covers the log as it stood when asked; the export itself is then recorded (action
    ``audit.export``, the filters in its detail), and once the whole file has been sent a second
    entry (``audit.export.done``) gives its row count and SHA-256."""
    conds = _conditions(user=who, case=case, action=action, since=since, until=until)
    last_id = s.exec(select(func.max(AuditEntry.id))).one() or 0
    filters = {k: v for k, v in (("user", who), ("case", case), ("action", action), ("since", since),
                                 ("until", until)) if v}
    detail = f"格式 {format}；条件 " + (json.dumps(filters, ensure_ascii=False) if filters else "无")
    address = client_address(request)
    record(s, user, "audit.export", case_id=case or None, detail=detail, address=address)
    engine = request.app.state.engine
    stamp = dt.datetime.now(BANK_TZ).strftime("%Y%m%d-%H%M%S")
    name = f"audit-{stamp}.{format}"

    def body() -> Iterator[bytes]:
        digest, rows = hashlib.sha256(), -1 if format == "csv" else 0
        encoder = codecs.getincrementalencoder("utf-8")()
        if format == "csv":
            chunk = codecs.BOM_UTF8
            digest.update(chunk)
            yield chunk
        for line in export_lines(engine, conds, last_id, format):
            chunk = encoder.encode(line)
            digest.update(chunk)
            rows += 1
            yield chunk
        with Session(engine) as done:
            record(done, user, "audit.export.done", case_id=case or None, file_name=name, sha256=digest.hexdigest(),
                   detail=f"{rows}条", address=address)

    media = "text/csv; charset=utf-8" if format == "csv" else "application/jsonl; charset=utf-8"
    return StreamingResponse(body(), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
