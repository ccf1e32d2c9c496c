"""Signing in: password check with rate limiting of failures, and session tokens. Used by the
JSON login route and the dashboard's login form alike."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, func, select

from api.models import ApiToken, LoginFailure, TokenKind, User, utcnow
from api.security import new_token, token_hash, verify_password
from api.settings import Settings


class LoginRefused(Exception):
    """``reason``: ``invalid`` (wrong user name or password: one message for both) or
    ``throttled`` (too many failures; ``retry_after`` seconds)."""

    def __init__(self, reason: str, retry_after: int = 0):
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


def _recent_failures(s: Session, settings: Settings, username: str, address: str, now: dt.datetime) -> int:
    since = now - dt.timedelta(seconds=settings.login_window_s)
    by_name = s.exec(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.username == username, LoginFailure.at >= since)).one()
    by_address = s.exec(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.address == address, LoginFailure.at >= since)).one()
    # an address may try a few names (a shared office), but not sweep them
    return max(by_name, by_address // 4)


def authenticate(s: Session, settings: Settings, username: str, password: str, address: str) -> User:
    """The user if the password is right. Failures are recorded; after ``settings.login_attempts``
    failures for one user name (or four times that from one address) within the window, every
    attempt is refused as ``throttled`` until the window passes, right password or not.
    Raises :class:`LoginRefused`."""
    now = utcnow()
    # a name with control characters names no user; kept (U+FFFD in their place) for the limit,
    # since PostgreSQL cannot store NUL in text
    username = "".join("\ufffd" if ord(c) < 32 or ord(c) == 127 else c for c in username.strip()[:80])
    if _recent_failures(s, settings, username, address, now) >= settings.login_attempts:
        raise LoginRefused("throttled", settings.login_window_s)
    # the attempt is counted as a failure before the password is checked (and the count read
    # again), so that attempts sent all at once cannot slip past the limit while argon2 works;
    # a right password takes its row back
    attempt = LoginFailure(username=username, address=address[:64], at=now)
    s.add(attempt)
    s.commit()
    if _recent_failures(s, settings, username, address, now) > settings.login_attempts:
        raise LoginRefused("throttled", settings.login_window_s)
    user = s.exec(select(User).where(User.username == username)).first()
    ok, rehash = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        raise LoginRefused("invalid")
    s.delete(attempt)
    s.commit()
    if rehash:
        user.password_hash = rehash
        s.add(user)
        s.commit()
    return user


def issue_token(s: Session, user: User, kind: TokenKind, *, name: str = "", expires_at: dt.datetime | None = None) -> tuple[str, ApiToken]:
    """A new token for ``user``: (the secret, shown once; its stored row)."""
    secret = new_token()
    row = ApiToken(user_id=user.id, kind=kind, name=name[:120], token_hash=token_hash(secret),
                   prefix=secret[:10], expires_at=expires_at)
    s.add(row)
    s.commit()
    s.refresh(row)
    return secret, row


def revoke_session(s: Session, secret: str) -> None:
    row = s.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).first()
    if row is not None and row.kind == TokenKind.session and row.revoked_at is None:
        row.revoked_at = utcnow()
        s.add(row)
        s.commit()
