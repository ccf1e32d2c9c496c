"""Jobs over HTTP: start a packet, a document or a recomputation of a case's clocks (202 with the
job, ``Location`` its address), read a job's status and progress, list a case's jobs and its
outputs (each with its SHA-256 and download address), and recompute the whole portfolio's clocks.
The work itself is done by the job workers (:mod:`api.jobs`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import select

from api.access import SEES_IDENTIFIERS
from api.deps import MAX_OFFSET, CurrentUser, SessionDep, VisibleCase, case_visible, client_address
from api.jobs import JobParamsError, check_params, create_job
from api.models import CaseRecord, Job, Output, Role, User
from api.security import mask_text

router = APIRouter(tags=["任务与输出"])

JOB_NOT_FOUND = "任务不存在"


class JobIn(BaseModel):
    """A job to start: ``kind`` ``packet`` (params: stage, form, as_of, filing_date, volume_size,
    fit_a4, downsample), ``draft`` (params: doc, form, as_of, filing_date) or ``recompute``."""

    kind: str = Field(max_length=20, description="packet（立案材料）、draft（单份文书）或 recompute（重算期限）")
    params: dict[str, Any] = Field(default_factory=dict, description="任务参数，见各任务类型")


class OutputOut(BaseModel):
    id: int
    job_id: str
    name: str = Field(description="在材料包中的路径，如 证据材料.pdf、online-filing/01-起诉状.pdf")
    kind: str = Field(description="document、bundle、zip、manifest、review 或 other")
    sha256: str
    size: int = Field(description="字节")
    created_at: dt.datetime
    latest: bool = Field(description="是否为同名输出中最新的一份")
    download: str


class JobOut(BaseModel):
    id: str
    kind: str
    case_id: str | None = Field(description="案件编号；全部案件的期限重算为 null")
    params: dict[str, Any]
    status: str = Field(description="queued（排队）、running（执行中）、done（完成）或 failed（失败）")
    progress: int = Field(description="0-100")
    message: str
    error: str | None
    attempts: int
    created_by: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None = Field(description="本次（或最后一次）执行开始的时间")
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    outputs: list[OutputOut] = Field(default_factory=list, description="完成的任务生成的文件")


def _job_out(job: Job, case_id: str | None, user: User, outputs: list[OutputOut] | None = None) -> JobOut:
    masked = user.role not in SEES_IDENTIFIERS
    message = mask_text(job.message) if masked else job.message
    error = mask_text(job.error) if masked and job.error else job.error
    return JobOut(id=job.id, kind=job.kind, case_id=case_id, params=job.params, status=job.status.value,
                  progress=job.progress, message=message, error=error, attempts=job.attempts,
                  created_by=job.created_by, created_at=job.created_at, started_at=job.started_at,
                  finished_at=job.finished_at, heartbeat_at=job.heartbeat_at, outputs=outputs or [])


def _output_out(o: Output, case_id: str, latest: bool) -> OutputOut:
    return OutputOut(id=o.id, job_id=o.job_id, name=o.name, kind=o.kind, sha256=o.sha256, size=o.size,
                     created_at=o.created_at, latest=latest, download=f"/api/cases/{case_id}/outputs/{o.id}")


def _params_problem(exc: JobParamsError) -> HTTPException:
    return HTTPException(422, {"message": "任务参数有误", "problems": [
        {"field": p, "message": m} for p, m in exc.problems]})


def _start(request: Request, response: Response, s, user: User, queue, body: JobIn, case: CaseRecord | None) -> JobOut:
    try:
        kind, params = check_params(body.kind, body.params, case=case)
    except JobParamsError as exc:
        raise _params_problem(exc) from exc
    job = create_job(s, kind=kind, params=params, case=case, user=user, address=client_address(request))
    queue.submit(job.id)  # the memory queue runs it here; the others return at once
    s.refresh(job)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return _job_out(job, case.case_id if case else None, user)


@router.post("/api/cases/{case_id}/jobs", name="start_job", response_model=JobOut, status_code=202,
             responses={422: {"description": "任务参数有误，逐项列出"}})
def start_job(body: JobIn, case: VisibleCase, request: Request, response: Response, s: SessionDep,
              user: CurrentUser) -> JobOut:
    """Start a job on the case: ``packet`` (the filing packet of a stage), ``draft`` (one
    document) or ``recompute`` (its clocks). Answers 202 at once with the job (``Location``: its
    address, to poll for status and progress); bad parameters are refused with 422 naming each."""
    return _start(request, response, s, user, request.app.state.queue, body, case)


@router.post("/api/deadlines/recompute", name="recompute_deadlines", response_model=JobOut, status_code=202)
def recompute_deadlines(request: Request, response: Response, s: SessionDep, user: CurrentUser) -> JobOut:
    """Recompute the clocks of every case as of today (China Standard Time), as a job: 202 with it."""
    return _start(request, response, s, user, request.app.state.queue, JobIn(kind="recompute"), None)


@router.get("/api/jobs/{job_id}", name="read_job", response_model=JobOut, responses={404: {"description": JOB_NOT_FOUND}})
def read_job(job_id: str, s: SessionDep, user: CurrentUser) -> JobOut:
    """A job: status, progress (0-100), message, error, attempts and, once done, its outputs.
    A job of a case the user cannot see, or of the portfolio for an external counsel, is 404."""
    job = s.get(Job, job_id) if len(job_id) <= 32 else None
    if job is None:
        raise HTTPException(404, JOB_NOT_FOUND)
    case = s.get(CaseRecord, job.case_pk) if job.case_pk is not None else None
    if case is not None and not case_visible(user, case):
        raise HTTPException(404, JOB_NOT_FOUND)
    if job.case_pk is None and user.role == Role.external_counsel:
        raise HTTPException(404, JOB_NOT_FOUND)
    outputs = []
    if case is not None:
        rows = s.exec(select(Output).where(Output.job_id == job.id).order_by(Output.name)).all()
        newest = _newest_ids(s, case.id, {o.name for o in rows})
        outputs = [_output_out(o, case.case_id, o.id in newest) for o in rows]
    return _job_out(job, case.case_id if case else None, user, outputs)


@router.get("/api/cases/{case_id}/jobs", name="list_jobs", response_model=list[JobOut])
def list_jobs(case: VisibleCase, s: SessionDep, user: CurrentUser,
              limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[JobOut]:
    """The case's jobs, newest first (without their outputs: see the job, or the case's outputs)."""
    rows = s.exec(select(Job).where(Job.case_pk == case.id).order_by(Job.created_at.desc(), Job.id)
                  .offset(offset).limit(limit)).all()
    return [_job_out(j, case.case_id, user) for j in rows]


def _newest_ids(s, case_pk: int, names: set[str]) -> set[int]:
    """Ids of the newest output of each of ``names`` in the case."""
    if not names:
        return set()
    newest: dict[str, tuple] = {}
    for oid, name, created in s.exec(select(Output.id, Output.name, Output.created_at).where(
            Output.case_pk == case_pk, Output.name.in_(names))).all():
        if name not in newest or (created, oid) > newest[name]:
            newest[name] = (created, oid)
    return {oid for _created, oid in newest.values()}


@router.get("/api/cases/{case_id}/outputs", name="list_outputs", response_model=list[OutputOut])
def list_outputs(case: VisibleCase, s: SessionDep, user: CurrentUser, latest: bool = False,
                 job: Annotated[str | None, Query(max_length=32, description="只列此任务的输出")] = None,
                 limit: Annotated[int, Query(ge=1, le=2000)] = 500,
                 offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[OutputOut]:
    """The files the case's jobs produced: first the newest of each name (``latest``: true; by
    name), then earlier ones, newest first. Each with its SHA-256, size, job, time and
    ``download`` address. ``latest=true``: only the newest of each name; ``job``: only that job's."""
    rows = s.exec(select(Output).where(Output.case_pk == case.id)).all()
    newest: dict[str, Output] = {}
    for o in rows:
        if o.name not in newest or (o.created_at, o.id) > (newest[o.name].created_at, newest[o.name].id):
            newest[o.name] = o
    ids = {o.id for o in newest.values()}
    if job is not None:
        rows = [o for o in rows if o.job_id == job]
    head = sorted((o for o in rows if o.id in ids), key=lambda o: o.name)
    tail = [] if latest else sorted((o for o in rows if o.id not in ids), key=lambda o: (o.created_at, o.id), reverse=True)
    return [_output_out(o, case.case_id, o.id in ids) for o in [*head, *tail][offset:offset + limit]]
