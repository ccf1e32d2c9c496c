"""Signing in and out (JSON), who am I, and the health check."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from api.audit import record
from api.auth import LoginRefused, authenticate, issue_token, revoke_session
from api.deps import SESSION_COOKIE, CurrentUser, PlainText, SessionDep, SettingsDep, client_address
from api.models import TokenKind, utcnow

router = APIRouter(tags=["登录"])


class LoginIn(BaseModel):
    username: PlainText = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=256)


class LoginOut(BaseModel):
    token: str
    expires_at: dt.datetime
    role: str


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    law_firm_id: int | None


@router.get("/health", name="health")
def health(s: SessionDep) -> dict:
    """The service and its database answer."""
    s.exec(text("SELECT 1"))
    return {"status": "ok"}


@router.post("/api/login", name="login", response_model=LoginOut,
             responses={401: {"description": "用户名或密码错误"}, 429: {"description": "失败次数过多"}})
def login(body: LoginIn, request: Request, response: Response, s: SessionDep, settings: SettingsDep) -> LoginOut:
    """Password sign-in: a session token (also set as an HttpOnly cookie for the dashboard),
    valid ``session_hours``. Failed attempts are limited per user name and per address (429)."""
    address = client_address(request)
    try:
        user = authenticate(s, settings, body.username, body.password, address)
    except LoginRefused as exc:
        if exc.reason == "throttled":
            raise HTTPException(429, "登录失败次数过多，请稍后再试", headers={"Retry-After": str(exc.retry_after)}) from exc
        record(s, None, "login.failed", detail=f"用户名 {body.username[:80]}", address=address)
        raise HTTPException(401, "用户名或密码错误") from exc
    expires = utcnow() + dt.timedelta(hours=settings.session_hours)
    secret, _row = issue_token(s, user, TokenKind.session, name="login", expires_at=expires)
    record(s, user, "login", address=address)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict", secure=settings.secure_cookies,
                        max_age=settings.session_hours * 3600, path="/")
    return LoginOut(token=secret, expires_at=expires, role=user.role.value)


@router.post("/api/logout", name="logout", status_code=204)
def logout(request: Request, response: Response, s: SessionDep) -> Response:
    """End the session of the cookie or bearer token (API tokens are revoked by an admin instead)."""
    auth = request.headers.get("authorization", "")
    secret = auth[7:].strip() if auth.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE, "")
    if secret:
        revoke_session(s, secret)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/api/me", name="me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    """The signed-in user."""
    return UserOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role.value,
                   law_firm_id=user.law_firm_id)
