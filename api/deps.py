"""Dependencies of the routes: the database session, the current user, the access check and the
case a user may see (``Annotated`` aliases, as routes use them: ``SessionDep``, ``CurrentUser``,
``VisibleCase``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Path, Request
from pydantic import AfterValidator
from sqlmodel import Session, select

from api.access import ACCESS, PUBLIC
from api.models import ApiToken, CaseRecord, Role, TokenKind, User, utcnow
from api.security import token_hash
from api.settings import Settings

SESSION_COOKIE = "legaldocs_session"

#: The largest row id the tables hold (PostgreSQL's ``integer``). A larger id, in a path or a
#: body, names no row; it is refused by validation (422) before it reaches the database, where it
#: would fail (``integer out of range``; SQLite: ``Python int too large``).
MAX_ID = 2**31 - 1
#: The largest ``offset`` a list takes (the databases fail past 2**63 - 1; no list is that long).
MAX_OFFSET = 10_000_000
#: A row id in a path (``/api/users/{user_id}``).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def control_character(text: str) -> str | None:
    """The first control character (U+0000-U+001F, U+007F) in ``text``, or None. No name, id or
    filter of the service holds one, and PostgreSQL refuses NUL in text outright."""
    return next((c for c in text if ord(c) < 32 or ord(c) == 127), None)


def _plain(value: str) -> str:
    if (c := control_character(value)) is not None:
        raise ValueError(f"含有控制字符（U+{ord(c):04X}）")
    return value


#: A one-line text field of a request body (a name, a branch): control characters refused (422).
PlainText = Annotated[str, AfterValidator(_plain)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request):
    with Session(request.app.state.engine, expire_on_commit=False) as s:
        yield s


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def user_for_token(s: Session, token: str, kinds: tuple[TokenKind, ...], now: dt.datetime | None = None) -> User | None:
    """The active user a token of one of ``kinds`` belongs to, if it is neither revoked nor expired."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    row = s.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.kind not in kinds or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = s.get(User, row.user_id)
    if user is None or not user.active:
        return None
    # last use, at most once a minute per token, so reads do not all become writes
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        row.last_used_at = now
        s.add(row)
        s.commit()
    return user


def optional_user(request: Request, s: SessionDep) -> User | None:
    """The user of the request's bearer token (``Authorization: Bearer ld_...``) or dashboard
    session cookie, or None."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = user_for_token(s, auth[7:].strip(), (TokenKind.api, TokenKind.session))
        request.state.via_cookie = False
    elif request.cookies.get(SESSION_COOKIE):
        user = user_for_token(s, request.cookies[SESSION_COOKIE], (TokenKind.session,))
        request.state.via_cookie = True
    request.state.user = user
    return user


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


def refuse_control_characters(request: Request) -> None:
    """422 naming the parameter when a path or query parameter (name or value) holds a control
    character: every route, before it reads anything, so none reaches the database with one."""
    for key, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        c = control_character(key) or (control_character(value) if isinstance(value, str) else None)
        if c is not None:
            field = key if control_character(key) is None else ascii(key)[:40]
            message = f"含有控制字符（U+{ord(c):04X}）"
            raise HTTPException(422, {"message": f"请求参数 {field} {message}",
                                      "problems": [{"field": field, "message": message}]})


def authorize(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> None:
    """The access check every route passes: public routes pass; others need a user (401) whose
    role the table allows (403). A state-changing request signed in by cookie must come from the
    service's own pages (Origin or Referer of the same host), against cross-site forgery. Then a
    path or query parameter with a control character is refused (422), for every route."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    if name in PUBLIC:
        refuse_control_characters(request)
        return
    if name not in ACCESS:  # never reached: the app refuses to start with such a route
        raise HTTPException(403, "此功能未配置访问权限")
    if user is None:
        raise HTTPException(401, "需要登录或有效的访问令牌", headers={"WWW-Authenticate": "Bearer"})
    if user.role not in ACCESS[name]:
        raise HTTPException(403, "当前角色无权执行此操作")
    if request.method not in ("GET", "HEAD", "OPTIONS") and getattr(request.state, "via_cookie", False) \
            and not _same_origin(request):
        raise HTTPException(403, "跨站请求被拒绝")
    refuse_control_characters(request)


def current_user(request: Request, user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise HTTPException(401, "需要登录或有效的访问令牌", headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(current_user)]

NOT_FOUND = "案件不存在"


def case_visible(user: User, case: CaseRecord | None) -> bool:
    """Whether ``user`` may see ``case``: every role but external counsel sees every case; an
    external counsel only those assigned to its firm."""
    if case is None:
        return False
    if user.role == Role.external_counsel:
        return user.law_firm_id is not None and case.law_firm_id == user.law_firm_id
    return True


def visible_case(case_id: str, s: SessionDep, user: CurrentUser) -> CaseRecord:
    """The case ``case_id`` if the user may see it; 404 otherwise, the same answer as for a case
    that does not exist."""
    case = s.exec(select(CaseRecord).where(CaseRecord.case_id == case_id)).first()
    if not case_visible(user, case):
        raise HTTPException(404, NOT_FOUND)
    return case


VisibleCase = Annotated[CaseRecord, Depends(visible_case)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""
