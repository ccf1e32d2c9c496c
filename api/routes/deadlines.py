"""Deadlines (期限): one case's stored clocks with their chains, the portfolio's as JSON or
iCalendar, and each user's calendar feed, a secret address calendar programs subscribe to.

The lists come from :mod:`api.portfolio` (severity and what is left out are the core's alerts
rules). The feed's address carries its credential (calendar programs send no headers): a
``calendar`` token, stored hashed like every token, shown once when made; a revoked or expired
one, or one of a deactivated user, answers 404. Each read of a feed is in the audit log (it
holds borrowers' names)."""

from __future__ import annotations

import dataclasses

import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import select

from api.access import SEES_IDENTIFIERS
from api.audit import record
from api.auth import issue_token
from api.deps import MAX_ID, CurrentUser, SessionDep, VisibleCase, client_address, user_for_token
from api.models import ApiToken, TokenKind, User, utcnow
from api.portfolio import MAX_DAYS, MAX_LIMIT, MAX_OFFSET, ClockFilter, ClockRow, query_clocks
from api.security import mask_case_data
from api.settings import bank_today
from legaldocs.deadlines.chain import KIND_NAMES
from legaldocs.deadlines.ics import ics_bytes

router = APIRouter(tags=["期限"])

ICS_TYPE = "text/calendar; charset=utf-8"
#: Days ahead a calendar feed reaches, and the most events it holds (running ones first).
FEED_DAYS = 365
FEED_MAX = 2000
FEED_GONE = "日历订阅地址无效或已停用"


class LinkOut(BaseModel):
    date: str
    event: str
    evidence: list[str]
    rule: str
    rule_id: str | None = None
    governed_on: str | None = None


class ClockOut(BaseModel):
    """A stored clock on today's date: ``last_day`` (None: a person must decide),
    ``days_left`` (negative once passed), ``severity`` critical/high/review/medium/low on today,
    ``status`` as computed on ``computed_on``, the chain of events with their articles."""

    id: int
    case_id: str
    kind: str
    kind_name: str
    obligor: str | None
    obligor_names: str
    last_day: dt.date | None
    alternative_date: dt.date | None
    days_left: int | None
    severity: Literal["critical", "high", "review", "medium", "low"]
    severity_name: str
    status: str
    status_name: str
    provisional: bool
    computed_on: dt.date
    branch: str
    officer_id: int | None
    law_firm_id: int | None
    written_off: bool
    chain: list[LinkOut] = Field(description="期限的事件链（每一环引用所适用的规定）；chains=false 时为空")
    notes: list[str]


class CalendarOut(BaseModel):
    """The user's feed. ``url`` (and ``webcal_url``) only in the answer that made the address:
    it is stored hashed and cannot be shown again; ``POST /api/me/calendar`` makes a new one."""

    url: str | None = None
    webcal_url: str | None = None
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    message: str


def _shown(user, rows: list[ClockRow]) -> list[ClockRow]:  # noqa: ANN001
    """The rows as ``user`` may see them: for a role that does not need them, identity and phone
    numbers in the chains' events and the notes (a note legal staff typed) masked."""
    if user.role in SEES_IDENTIFIERS:
        return rows

    def masked(stored: str) -> str:  # the stored JSON escapes Chinese (\uXXXX): mask the text itself
        return json.dumps(mask_case_data(json.loads(stored)), ensure_ascii=False)

    return [dataclasses.replace(r, chain_json=masked(r.chain_json), notes_json=masked(r.notes_json)) for r in rows]


def _json(rows: list[ClockRow]) -> Response:
    """The rows as a JSON array, each chain copied in as stored (no decoding and re-encoding)."""
    return Response("[" + ",".join(r.as_json() for r in rows) + "]", media_type="application/json")


def _ics(rows: list[ClockRow], headers: dict | None = None) -> Response:
    data = ics_bytes([(r.case_id, r.as_clock()) for r in rows], stamp=utcnow().replace(microsecond=0))
    return Response(data, media_type=ICS_TYPE, headers={"Cache-Control": "private, no-cache", **(headers or {})})


def _kinds(kind: list[str] | None) -> list[str] | None:
    """``kind=a&kind=b`` or ``kind=a,b``; 422 naming the field for an unknown kind."""
    if not kind:
        return None
    kinds = [k.strip() for item in kind for k in item.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KIND_NAMES]
    if unknown:
        raise HTTPException(422, {"message": "期限种类有误", "problems": [
            {"field": "kind", "message": f"未知的期限种类：{unknown[0][:40]}；可选：{'、'.join(KIND_NAMES)}"}]})
    return kinds or None


@router.get("/api/cases/{case_id}/deadlines", name="case_deadlines", response_model=list[ClockOut])
def case_deadlines(case: VisibleCase, s: SessionDep, user: CurrentUser) -> Response:
    """Every stored clock of the case (satisfied ones and passed appeal periods too), most urgent
    first, each with its chain of events and articles. 404 for a case the user may not see."""
    f = ClockFilter(case_id=case.case_id, within_days=None, include_satisfied=True, limit=MAX_LIMIT)
    return _json(_shown(user, query_clocks(s, user, f, bank_today())))


@router.get("/api/deadlines", name="portfolio_deadlines", response_model=list[ClockOut],
            responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
                             "description": "期限列表（JSON），或 iCalendar（Accept: text/calendar 或 format=ics）"},
                       422: {"description": "参数有误，指明字段"}})
def portfolio_deadlines(
    request: Request, s: SessionDep, user: CurrentUser,
    kind: Annotated[list[str] | None, Query(max_length=20, description="期限种类，可重复或以逗号分隔")] = None,
    branch: Annotated[str | None, Query(max_length=200, description="经办机构")] = None,
    officer: Annotated[int | None, Query(ge=1, le=MAX_ID, description="经办人（用户 id）")] = None,
    days: Annotated[int, Query(ge=-MAX_DAYS, le=MAX_DAYS,
                               description="届满日不晚于今天加 days 天（已届满、待核定的总在列，running=true 除外）")] = 30,
    written_off: Annotated[bool | None, Query(description="true 仅已核销；false 仅未核销；不填两者皆有")] = None,
    running: Annotated[bool, Query(description="仅列今天仍在进行、届满日在范围内的期限")] = False,
    include_satisfied: Annotated[bool, Query(description="也列已主张的期限和已过的上诉、再审期间")] = False,
    chains: Annotated[bool, Query(description="是否附事件链")] = True,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    format: Annotated[Literal["json", "ics"] | None,
                      Query(description="ics：iCalendar；也可用 Accept: text/calendar")] = None,
) -> Response:
    """The deadlines the user may see across the portfolio (an external counsel: its firm's cases),
    most urgent first: ended ones (most recently ended first), those within 7 days, undetermined
    ones, then the later ones; satisfied clocks and passed appeal and retrial periods left out."""
    as_ics = format == "ics" or (format is None and "text/calendar" in request.headers.get("accept", ""))
    f = ClockFilter(kinds=_kinds(kind), branch=branch, officer_id=officer, within_days=days, written_off=written_off,
                    include_satisfied=include_satisfied, only_running=running, chains=chains or as_ics,
                    limit=limit, offset=offset)
    rows = query_clocks(s, user, f, bank_today())
    rows = _shown(user, rows)
    return _ics(rows) if as_ics else _json(rows)


def _feed_urls(request: Request, secret: str) -> tuple[str, str]:
    url = str(request.url_for("calendar_feed", token=secret))
    return url, "webcal://" + url.split("://", 1)[1]


def _active_calendar_tokens(s: SessionDep, user: User) -> list[ApiToken]:
    now = utcnow()
    rows = s.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.kind == TokenKind.calendar,
                                         ApiToken.revoked_at.is_(None)).order_by(ApiToken.id.desc())).all()
    return [r for r in rows if r.expires_at is None or _aware(r.expires_at) > now]


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _new_calendar(request: Request, s: SessionDep, user: User, action: str) -> CalendarOut:
    secret, row = issue_token(s, user, TokenKind.calendar, name="calendar")
    record(s, user, action, detail=f"日历订阅地址 {row.prefix}…", address=client_address(request))
    url, webcal = _feed_urls(request, secret)
    return CalendarOut(url=url, webcal_url=webcal, prefix=row.prefix, created_at=row.created_at,
                       last_used_at=None, message="请立即复制订阅地址：地址只显示这一次，持有地址即可读取期限（含借款人姓名），请勿外传")


@router.get("/api/me/calendar", name="my_calendar", response_model=CalendarOut)
def my_calendar(request: Request, s: SessionDep, user: CurrentUser) -> CalendarOut:
    """The user's calendar feed. The first call makes the secret address and answers it (once);
    later calls say which address is active and when it was last read, without it."""
    active = _active_calendar_tokens(s, user)
    if not active:
        return _new_calendar(request, s, user, "calendar.create")
    row = active[0]
    return CalendarOut(prefix=row.prefix, created_at=row.created_at, last_used_at=row.last_used_at,
                       message="订阅地址已生成，出于安全只在生成时显示一次；如已遗失，请重新生成（旧地址随即失效）")


@router.post("/api/me/calendar", name="rotate_calendar", response_model=CalendarOut, status_code=201)
def rotate_calendar(request: Request, s: SessionDep, user: CurrentUser) -> CalendarOut:
    """A new secret address for the user's feed; every earlier one stops working (404)."""
    now = utcnow()
    for row in _active_calendar_tokens(s, user):
        row.revoked_at = now
        s.add(row)
    return _new_calendar(request, s, user, "calendar.rotate")


@router.get("/calendar/{token}.ics", name="calendar_feed",
            responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
                             "description": "iCalendar（RFC 5545）"},
                       404: {"description": "地址无效、已停用或已过期"}})
def calendar_feed(token: str, request: Request, s: SessionDep) -> Response:
    """The feed of the address's user: every clock the user may see running until 365 days from
    today, soonest first, then the ended ones, most recent first, at most 2,000 events; all-day
    events with stable UIDs (a subscription updates them) and reminders 30, 7 and 1 days before."""
    user = user_for_token(s, token, (TokenKind.calendar,))
    if user is None:
        raise HTTPException(404, FEED_GONE)
    today = bank_today()
    rows: list[ClockRow] = []
    for f in (ClockFilter(within_days=FEED_DAYS, only_running=True), ClockFilter(within_days=-1)):
        while len(rows) < FEED_MAX:
            f.limit = min(MAX_LIMIT, FEED_MAX - len(rows))
            page = query_clocks(s, user, f, today)
            dated = [r for r in page if r.last_day is not None]
            rows += dated
            if len(page) < f.limit or len(dated) < len(page):  # undetermined ones come after the ended ones
                break
            f.offset += len(page)
    record(s, user, "calendar.feed", detail=f"日历订阅 {token[:10]}…：{len(rows)}项期限", address=client_address(request))
    return _ics(_shown(user, rows))
