"""Cases: import (a case file or an .xlsx ledger), list, read, update with optimistic locking
(ETag / If-Match), events (after which the clocks are recomputed and stored) and assignment to
a law firm."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.access import SEES_IDENTIFIERS
from api.audit import record
from api.cases import CaseInputError, copy_case_fields_to_clocks, new_record, parse_case_file, parse_ledger, \
    recompute_clocks, validate_case_data, written_off_data
from api.deps import MAX_ID, MAX_OFFSET, CurrentUser, PlainText, SessionDep, VisibleCase, client_address
from api.models import CaseRecord, LawFirm, Role, StoredClock, User, utcnow
from api.security import mask_case_data, mask_text
from api.settings import bank_today

router = APIRouter(prefix="/api/cases", tags=["案件"])

#: What an import may send, by Content-Type.
CASE_TYPES = {"application/yaml": ".yaml", "application/x-yaml": ".yaml", "text/yaml": ".yaml",
              "application/json": ".json", "text/plain": ".yaml"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LEDGER_BYTES = 20 * 1024 * 1024


class CaseSummary(BaseModel):
    case_id: str
    title: str
    branch: str
    officer_id: int | None
    law_firm_id: int | None
    written_off: bool
    version: int


class CaseOut(CaseSummary):
    data: dict[str, Any] = Field(description="案件文件的字段（docs/case-file.md）；非必要角色看到的身份证号、电话已打码")


class CasePatch(BaseModel):
    data: dict[str, Any] | None = Field(default=None, description="整份案件数据（替换）")
    branch: PlainText | None = Field(default=None, max_length=200)
    officer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    written_off: bool | None = Field(default=None, description=(
        "已核销（账销案存）：由案件数据决定（write_off.written_off_on 不晚于今日且未完全终结），"
        "不能单独更改；与案件数据不符的值被拒绝（422），请修改案件数据的 write_off"))


class Assignment(BaseModel):
    law_firm_id: int | None = Field(ge=1, le=MAX_ID, description="律师事务所；null 收回")


class ImportResult(BaseModel):
    imported: list[CaseSummary]


def _summary(c: CaseRecord, masked: bool = False) -> CaseSummary:
    """The case's summary; ``masked``: identity and phone numbers in its title masked (lists, and
    roles that do not see identifiers)."""
    return CaseSummary(case_id=c.case_id, title=mask_text(c.title) if masked else c.title, branch=c.branch,
                       officer_id=c.officer_id, law_firm_id=c.law_firm_id, written_off=c.written_off,
                       version=c.version)


def etag(c: CaseRecord) -> str:
    return f'"v{c.version}"'


def _problems(exc: CaseInputError) -> HTTPException:
    return HTTPException(422, {"message": f"{exc.source}: 案件数据有误", "problems": [
        {"field": p, "message": m} for p, m in exc.problems]})


async def _read_limited(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"文件超过上限（{limit}字节）")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("", name="list_cases", response_model=list[CaseSummary])
def list_cases(s: SessionDep, user: CurrentUser, branch: str | None = None,
               written_off: bool | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200,
               offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[CaseSummary]:
    """The cases the user may see (an external counsel: those assigned to its firm); identity and
    phone numbers in titles masked for every role, as in every list."""
    q = select(CaseRecord).order_by(CaseRecord.case_id)
    if user.role == Role.external_counsel:
        q = q.where(CaseRecord.law_firm_id == user.law_firm_id)
    if branch is not None:
        q = q.where(CaseRecord.branch == branch)
    if written_off is not None:
        q = q.where(CaseRecord.written_off == written_off)
    return [_summary(c, masked=True) for c in s.exec(q.offset(offset).limit(limit)).all()]


@router.post("", name="import_case", response_model=ImportResult, status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/yaml": {"schema": {"type": "string"}},
                 "application/json": {"schema": {"type": "object"}},
                 XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
             responses={409: {"description": "案件编号已存在"}, 413: {"description": "文件过大"},
                        415: {"description": "格式不支持"}, 422: {"description": "案件数据有误，逐项列出"}})
async def import_case(request: Request, s: SessionDep, user: CurrentUser) -> ImportResult:
    """Import one case file (YAML or JSON, docs/case-file.md) or an .xlsx ledger of cases (one
    case per row, docs/ledger.md). All or nothing: a ledger with one invalid row imports none,
    and the answer lists every problem by row and field. Clocks are computed on import."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == XLSX_TYPE:
        content = await _read_limited(request, MAX_LEDGER_BYTES)
        parse = parse_ledger
    elif ctype in CASE_TYPES:
        content = await _read_limited(request, 2 * 1024 * 1024)

        def parse(data: bytes) -> list[dict]:
            return [parse_case_file(data, "case" + CASE_TYPES[ctype])]
    else:
        raise HTTPException(415, "请以 application/yaml、application/json 或 .xlsx 台账上传案件")
    # reading a ledger of many cases and computing their clocks takes seconds: off the event loop
    return await run_in_threadpool(_import, s, user, parse, content, client_address(request))


def _import(s: Session, user: User, parse, content: bytes, address: str) -> ImportResult:  # noqa: ANN001
    try:
        cases = parse(content)
    except CaseInputError as exc:
        raise _problems(exc) from exc
    ids = [c["case_id"] for c in cases]
    if len(set(ids)) != len(ids):
        raise HTTPException(422, {"message": "台账中案件编号重复", "problems": []})
    existing = s.exec(select(CaseRecord.case_id).where(CaseRecord.case_id.in_(ids))).all()
    if existing:
        raise HTTPException(409, f"案件编号已存在：{', '.join(existing[:10])}")
    records = [new_record(data) for data in cases]
    s.add_all(records)
    try:
        s.flush()
    except IntegrityError as exc:  # the same case imported at the same moment by someone else
        s.rollback()
        raise HTTPException(409, "案件编号已存在（刚由他人导入）") from exc
    today = bank_today()
    for r in records:
        recompute_clocks(s, r, today, commit=False)
        record(s, user, "case.import", case_id=r.case_id, detail=r.title, address=address, commit=False)
    s.commit()
    return ImportResult(imported=[_summary(r) for r in records])


@router.get("/{case_id}", name="read_case", response_model=CaseOut)
def read_case(case: VisibleCase, user: CurrentUser, response: Response) -> CaseOut:
    """The case with its data; ``ETag`` is its version, to send back as ``If-Match`` when changing it."""
    response.headers["ETag"] = etag(case)
    masked = user.role not in SEES_IDENTIFIERS
    data = mask_case_data(case.data) if masked else case.data
    return CaseOut(**_summary(case, masked).model_dump(), data=data)


def _check_officer(s: Session, officer_id: int | None) -> None:
    if officer_id is None:
        return
    officer = s.get(User, officer_id)
    if officer is None or not officer.active or officer.role != Role.legal_staff:
        raise HTTPException(422, "经办人必须是在职的法务人员用户")


def _compare_and_swap(s: Session, case: CaseRecord, expected: int, values: dict) -> None:
    """Write ``values`` only if the case is still at version ``expected`` (one UPDATE ... WHERE
    version = expected: no lost update, on SQLite or PostgreSQL); 412 otherwise."""
    result = s.exec(update(CaseRecord).where(CaseRecord.id == case.id, CaseRecord.version == expected)
                    .values(**values, version=expected + 1, updated_at=utcnow()))
    if result.rowcount != 1:
        s.rollback()
        raise HTTPException(412, "案件已被他人修改，请重新读取后再提交")


def _lock(s: Session, case: CaseRecord) -> None:
    """Take the case's write lock until the transaction ends: a no-op UPDATE of its row, which
    waits for any other writer of the case (PostgreSQL locks the row, SQLite the database)."""
    s.exec(update(CaseRecord).where(CaseRecord.id == case.id).values(version=CaseRecord.version))


def _expected_version(if_match: str | None, case: CaseRecord) -> int:
    if not if_match:
        raise HTTPException(428, "修改案件须带 If-Match（读取案件时的 ETag）")
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags:
        return case.version
    for t in tags:
        # If-Match compares strongly (RFC 9110 13.1.1): a weak tag never matches
        if t.startswith('"v') and t.endswith('"') and t[2:-1].isdigit():
            if int(t[2:-1]) == case.version:
                return case.version
    raise HTTPException(412, "案件已被他人修改，请重新读取后再提交")


@router.patch("/{case_id}", name="update_case", response_model=CaseOut,
              responses={412: {"description": "版本已变（他人已修改）"}, 428: {"description": "缺少 If-Match"}})
def update_case(body: CasePatch, case: VisibleCase, request: Request, response: Response, s: SessionDep,
                user: CurrentUser, if_match: Annotated[str | None, Header()] = None) -> CaseOut:
    """Change the case data (whole) or its branch, officer. Needs ``If-Match`` with the ETag read: a
    stale write is refused with 412 and nothing is changed. ``written_off`` follows the case data
    (its ``write_off``): sent, it must agree with the data (as changed by this request), else 422."""
    expected = _expected_version(if_match, case)
    values: dict = {}
    if body.data is not None:
        try:
            data = validate_case_data(body.data)
        except CaseInputError as exc:
            raise _problems(exc) from exc
        if data["case_id"] != case.case_id:
            raise HTTPException(422, {"message": "case_id 不可更改", "problems": [
                {"field": "case_id", "message": "不可更改"}]})
        values.update(data=data, title=str(data.get("title") or "")[:500])
    if body.branch is not None:
        values["branch"] = body.branch
    if "officer_id" in body.model_fields_set:
        _check_officer(s, body.officer_id)
        values["officer_id"] = body.officer_id
    data_now = values.get("data", case.data)
    if body.written_off is not None and body.written_off != written_off_data(data_now, bank_today()):
        raise HTTPException(422, {"message": "是否已核销由案件数据决定", "problems": [
            {"field": "written_off", "message": "与案件数据不符：请修改案件数据的 write_off（written_off_on、ended）"}]})
    values = {k: v for k, v in values.items() if getattr(case, k) != v}  # what really changes
    if not values:  # nothing to change: no new version, no audit entry
        response.headers["ETag"] = etag(case)
        masked = user.role not in SEES_IDENTIFIERS
        return CaseOut(**_summary(case, masked).model_dump(), data=mask_case_data(case.data) if masked else case.data)
    _compare_and_swap(s, case, expected, values)
    s.refresh(case)
    if "data" in values:
        recompute_clocks(s, case, bank_today(), commit=False)
    else:
        copy_case_fields_to_clocks(s, case)
    record(s, user, "case.update", case_id=case.case_id, detail="更改：" + "、".join(sorted(values)),
           address=client_address(request), commit=False)
    s.commit()
    response.headers["ETag"] = etag(case)
    masked = user.role not in SEES_IDENTIFIERS
    data = mask_case_data(case.data) if masked else case.data
    return CaseOut(**_summary(case, masked).model_dump(), data=data)


class EventIn(BaseModel):
    """One event as the case file writes it (docs/case-file.md, ``events``): e.g.
    ``{"date": "2025-07-01", "kind": "demand_delivered", "parties": ["P1"]}``."""

    model_config = {"extra": "allow"}
    date: str
    kind: str


class EventResult(CaseSummary):
    clocks: list[dict]


@router.post("/{case_id}/events", name="add_event", response_model=EventResult, status_code=201,
             responses={412: {"description": "版本已变"}, 422: {"description": "事件有误"}})
def add_event(body: EventIn, case: VisibleCase, request: Request, response: Response, s: SessionDep,
              user: CurrentUser, if_match: Annotated[str | None, Header()] = None) -> EventResult:
    """Add an event (a delivered demand, a judgment, a seizure ruling ...); the case's clocks are
    recomputed and stored, and returned. ``If-Match`` is optional: without it the event is added to
    the case as it is now (events do not overwrite each other); with it a stale version gives 412.
    The case is locked for the change (its row on PostgreSQL, the database on SQLite), so events
    sent at the same moment are added one after the other, none lost and none refused."""
    _lock(s, case)
    s.refresh(case)
    try:
        expected = _expected_version(if_match, case) if if_match else case.version
        data = dict(case.data)
        data["events"] = [*data.get("events", []), body.model_dump(exclude_none=True)]
        try:
            data = validate_case_data(data)
        except CaseInputError as exc:
            raise _problems(exc) from exc
    except HTTPException:
        s.rollback()
        raise
    _compare_and_swap(s, case, expected, {"data": data})
    s.refresh(case)
    clocks = recompute_clocks(s, case, bank_today(), commit=False)
    record(s, user, "case.event", case_id=case.case_id, detail=f"{body.date} {body.kind}",
           address=client_address(request), commit=False)
    s.commit()
    response.headers["ETag"] = etag(case)
    return EventResult(**_summary(case).model_dump(), clocks=[clock_out(c) for c in clocks])


def clock_out(c: StoredClock) -> dict:
    return {"case_id": c.case_id, "kind": c.kind, "obligor": c.obligor, "obligor_names": c.obligor_names,
            "last_day": c.last_day.isoformat() if c.last_day else None,
            "alternative_date": c.alternative_date.isoformat() if c.alternative_date else None,
            "status": c.status, "provisional": c.provisional, "chain": c.chain, "notes": c.notes,
            "computed_on": c.computed_on.isoformat()}


@router.put("/{case_id}/assignment", name="assign_case", response_model=CaseSummary)
def assign_case(body: Assignment, case: VisibleCase, request: Request, s: SessionDep, user: CurrentUser) -> CaseSummary:
    """Assign the case to a law firm (or take it back): the firm's users reach it from now on."""
    if body.law_firm_id is not None and s.get(LawFirm, body.law_firm_id) is None:
        raise HTTPException(422, "律师事务所不存在")
    _compare_and_swap(s, case, case.version, {"law_firm_id": body.law_firm_id})
    s.refresh(case)
    copy_case_fields_to_clocks(s, case)
    record(s, user, "case.assign", case_id=case.case_id, detail=f"律师事务所 {body.law_firm_id}",
           address=client_address(request), commit=False)
    s.commit()
    return _summary(case, masked=user.role not in SEES_IDENTIFIERS)
