"""Administration: users, law firms and API tokens (admin; managers may list firms to assign)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from api.audit import record
from api.auth import issue_token
from api.deps import MAX_ID, CurrentUser, PlainText, RowId, SessionDep, client_address
from api.models import ApiToken, LawFirm, Role, TokenKind, User, utcnow
from api.security import hash_password

router = APIRouter(prefix="/api", tags=["管理"])


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: PlainText = Field(min_length=1, max_length=120)
    role: Role
    password: str | None = Field(default=None, min_length=10, max_length=256)
    law_firm_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class UserPatch(BaseModel):
    display_name: PlainText | None = Field(default=None, min_length=1, max_length=120)
    password: str | None = Field(default=None, min_length=10, max_length=256)
    active: bool | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    law_firm_id: int | None
    active: bool


class FirmIn(BaseModel):
    name: PlainText = Field(min_length=1, max_length=200)


class FirmOut(BaseModel):
    id: int
    name: str


class TokenIn(BaseModel):
    user_id: int = Field(ge=1, le=MAX_ID)
    name: PlainText = Field(default="", max_length=120)
    days: int = Field(default=90, ge=1, le=366, description="有效天数")


class TokenOut(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="令牌本身，只显示这一次")


def _insert_unique(s, row, taken: str):  # noqa: ANN001
    """Insert ``row``; 409 with ``taken`` when its unique name is already used (also by a
    concurrent request)."""
    s.add(row)
    try:
        s.commit()
    except IntegrityError as exc:
        s.rollback()
        raise HTTPException(409, taken) from exc
    s.refresh(row)
    return row


def _user_out(u: User) -> UserOut:
    return UserOut(id=u.id, username=u.username, display_name=u.display_name, role=u.role,
                   law_firm_id=u.law_firm_id, active=u.active)


@router.get("/users", name="list_users", response_model=list[UserOut])
def list_users(s: SessionDep) -> list[UserOut]:
    """Every user."""
    return [_user_out(u) for u in s.exec(select(User).order_by(User.id)).all()]


@router.post("/users", name="create_user", response_model=UserOut, status_code=201)
def create_user(body: UserIn, request: Request, s: SessionDep, admin: CurrentUser) -> UserOut:
    """A new user. An external counsel's user must name its law firm; other roles must not."""
    if (body.role == Role.external_counsel) != (body.law_firm_id is not None):
        raise HTTPException(422, "外聘律师用户必须指定律师事务所，其他角色不得指定")
    if body.law_firm_id is not None and s.get(LawFirm, body.law_firm_id) is None:
        raise HTTPException(422, "律师事务所不存在")
    user = _insert_unique(s, User(username=body.username, display_name=body.display_name, role=body.role,
                                  password_hash=hash_password(body.password) if body.password else None,
                                  law_firm_id=body.law_firm_id), "用户名已存在")
    record(s, admin, "user.create", detail=f"{user.username} {user.role.value}", address=client_address(request))
    return _user_out(user)


@router.patch("/users/{user_id}", name="update_user", response_model=UserOut)
def update_user(user_id: RowId, body: UserPatch, request: Request, s: SessionDep, admin: CurrentUser) -> UserOut:
    """Change a user's name, password or whether it is active (deactivating ends its tokens' use).
    A new password ends the user's dashboard and API sessions signed in with the old one."""
    user = s.get(User, user_id)
    if user is None:
        raise HTTPException(404, "用户不存在")
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.password is not None:
        user.password_hash = hash_password(body.password)
        s.exec(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.kind == TokenKind.session,
                                      ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    if body.active is not None:
        user.active = body.active
    s.add(user)
    s.commit()
    record(s, admin, "user.update", detail=f"{user.username}: {sorted(body.model_dump(exclude_none=True, exclude={'password'}))}"
           + (" 密码已更改" if body.password else ""), address=client_address(request))
    return _user_out(user)


@router.get("/firms", name="list_firms", response_model=list[FirmOut])
def list_firms(s: SessionDep) -> list[FirmOut]:
    """Every law firm."""
    return [FirmOut(id=f.id, name=f.name) for f in s.exec(select(LawFirm).order_by(LawFirm.id)).all()]


@router.post("/firms", name="create_firm", response_model=FirmOut, status_code=201)
def create_firm(body: FirmIn, request: Request, s: SessionDep, admin: CurrentUser) -> FirmOut:
    """A new law firm."""
    firm = _insert_unique(s, LawFirm(name=body.name), "律师事务所已存在")
    record(s, admin, "firm.create", detail=firm.name, address=client_address(request))
    return FirmOut(id=firm.id, name=firm.name)


def _token_out(t: ApiToken) -> dict:
    return dict(id=t.id, user_id=t.user_id, name=t.name, prefix=t.prefix, created_at=t.created_at,
                expires_at=t.expires_at, revoked_at=t.revoked_at, last_used_at=t.last_used_at)


@router.post("/tokens", name="create_token", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, request: Request, s: SessionDep, admin: CurrentUser) -> NewTokenOut:
    """An API token for a user (a law firm's program, say), valid ``days``; the token itself is
    in this answer only: the service keeps its SHA-256."""
    user = s.get(User, body.user_id)
    if user is None or not user.active:
        raise HTTPException(422, "用户不存在或已停用")
    secret, row = issue_token(s, user, TokenKind.api, name=body.name,
                              expires_at=utcnow() + dt.timedelta(days=body.days))
    record(s, admin, "token.create", detail=f"{user.username} {row.prefix} {body.days}天", address=client_address(request))
    return NewTokenOut(token=secret, **_token_out(row))


@router.get("/tokens", name="list_tokens", response_model=list[TokenOut])
def list_tokens(s: SessionDep) -> list[TokenOut]:
    """Every API token (never the secret)."""
    rows = s.exec(select(ApiToken).where(ApiToken.kind == TokenKind.api).order_by(ApiToken.id)).all()
    return [TokenOut(**_token_out(t)) for t in rows]


@router.delete("/tokens/{token_id}", name="revoke_token", status_code=204)
def revoke_token(token_id: RowId, request: Request, s: SessionDep, admin: CurrentUser) -> None:
    """Revoke a token at once."""
    row = s.get(ApiToken, token_id)
    if row is None or row.kind != TokenKind.api:
        raise HTTPException(404, "令牌不存在")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        s.add(row)
        s.commit()
        record(s, admin, "token.revoke", detail=row.prefix, address=client_address(request))
