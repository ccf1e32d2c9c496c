"""Signing in and tokens: passwords stored as argon2id; a wrong password is 401, the same answer
as an unknown user; after ``login_attempts`` failures for a user name, or four times that from
one address, every attempt is 429 with Retry-After, the right password too, until the window
passes (the dashboard's form shares the limit); tokens are stored as their SHA-256 only (the
secret is nowhere in the database); revoked, expired and deactivated users' tokens are refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import statistics
import time

from fastapi.testclient import TestClient
from sqlalchemy import select as sa_select, text, update
from sqlmodel import SQLModel, select

from api.models import ApiToken, LoginFailure, Role, User, utcnow

PASSWORD = "correct-horse-battery"  # the test users' password (conftest.py)


def _login(client, username, password=PASSWORD):
    return client.post("/api/login", json={"username": username, "password": password})


def _client(service, address: str) -> TestClient:
    """A client calling from ``address`` (the service limits failures by address too)."""
    return TestClient(service.app, base_url="http://testserver", client=(address, 50000))


def _dump(service) -> str:
    """Every value of every table of the database, as text."""
    parts = []
    with service.app.state.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa_select(table)):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def test_passwords_are_stored_as_argon2id(service):
    r = service.client.post("/api/users", json={"username": "new.staff", "display_name": "新同事", "role": "legal_staff",
                                                "password": "a-long-enough-secret"}, headers=service.auth(Role.admin))
    assert r.status_code == 201, r.text
    with service.session() as s:
        hashes = [u.password_hash for u in s.exec(select(User).where(User.password_hash.is_not(None))).all()]
    assert hashes and all(h.startswith("$argon2id$v=19$") for h in hashes), hashes
    assert _login(service.client, "new.staff", "a-long-enough-secret").status_code == 200
    dump = _dump(service)
    assert "a-long-enough-secret" not in dump and PASSWORD not in dump


def test_wrong_password_and_unknown_user_get_the_same_401(service):
    wrong = _login(service.client, "t_legal_staff", "not-the-password")
    unknown = _login(service.client, "no-such-user", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "用户名或密码错误"}
    ok = _login(service.client, "t_legal_staff")
    assert ok.status_code == 200 and ok.json()["role"] == "legal_staff"
    # failed attempts are in the audit log, with the name tried and the address
    log = service.client.get("/api/audit", params={"action": "login.failed"}, headers=service.auth(Role.admin)).json()
    assert {e["detail"] for e in log["entries"]} == {"用户名 t_legal_staff", "用户名 no-such-user"}
    assert {e["address"] for e in log["entries"]} == {"testclient"}


def test_unknown_user_costs_as_much_time_as_a_wrong_password(service):
    """No user list by timing: an unknown name is checked against a dummy argon2 hash."""
    def timed(name):
        """The median time of five failed logins (five: the limit allows that many for one name)."""
        times = []
        with _client(service, f"10.9.{len(name)}.1") as c:
            for i in range(service.settings.login_attempts):
                start = time.perf_counter()
                assert _login(c, name if name != "unknown" else f"nobody{i}", "wrong-password").status_code == 401
                times.append(time.perf_counter() - start)
        return statistics.median(times)
    known, unknown = timed("t_manager"), timed("unknown")
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_failures_for_a_name_throttle_it_even_with_the_right_password(service):
    settings = service.settings
    n = settings.login_attempts
    with _client(service, "10.0.0.1") as a, _client(service, "10.0.0.2") as b:
        for _ in range(n):
            assert _login(a, "t_manager", "wrong-password").status_code == 401
        throttled = _login(a, "t_manager")
        assert throttled.status_code == 429
        assert throttled.headers["retry-after"] == str(settings.login_window_s)
        assert throttled.json() == {"detail": "登录失败次数过多，请稍后再试"}
        # the name is throttled from any address; other names are not
        assert _login(b, "t_manager").status_code == 429
        assert _login(b, "t_admin").status_code == 200
        # the dashboard's form shares the limit
        page = b.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        form = b.post("/login", data={"username": "t_manager", "password": PASSWORD, "csrf_token": token},
                      follow_redirects=False)
        assert form.status_code == 429 and "retry-after" in form.headers
    # once the window has passed, the right password works again
    with service.session() as s:
        s.exec(update(LoginFailure).values(at=utcnow() - dt.timedelta(seconds=settings.login_window_s + 1)))
        s.commit()
    with _client(service, "10.0.0.1") as a:
        assert _login(a, "t_manager").status_code == 200


def test_failures_from_one_address_throttle_it_for_every_name(service):
    limit = 4 * service.settings.login_attempts
    with _client(service, "192.0.2.7") as sweeper, _client(service, "192.0.2.8") as other:
        for i in range(limit):  # a sweep over names, each tried once
            assert _login(sweeper, f"guess{i}", "password1").status_code == 401
        r = _login(sweeper, "t_legal_staff")
        assert r.status_code == 429 and r.headers["retry-after"] == str(service.settings.login_window_s)
        assert _login(other, "t_legal_staff").status_code == 200  # another address is not affected


def test_tokens_are_stored_as_sha256_only(service):
    r = service.client.post("/api/tokens", json={"user_id": service.users[Role.external_counsel].id, "name": "律所系统",
                                                 "days": 30}, headers=service.auth(Role.admin))
    assert r.status_code == 201, r.text
    secret = r.json()["token"]
    assert secret.startswith("ld_") and len(secret) == 46
    session = _login(service.client, "t_legal_staff").json()["token"]
    dump = _dump(service)
    for token in (secret, session, *service.tokens.values()):
        assert token not in dump and token[3:] not in dump and token[10:] not in dump
        assert hashlib.sha256(token.encode()).hexdigest() in dump
    # the list shows the prefix only, never the secret
    listed = service.client.get("/api/tokens", headers=service.auth(Role.admin))
    assert secret not in listed.text and secret[:10] in listed.text
    # and the token works
    assert service.client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).json()["role"] == "external_counsel"


def test_revoked_expired_and_deactivated_tokens_are_refused(service):
    admin = service.auth(Role.admin)
    made = service.client.post("/api/tokens", json={"user_id": service.users[Role.external_counsel].id, "days": 1},
                               headers=admin).json()
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert service.client.get(f"/api/cases/{service.own}", headers=bearer).status_code == 200
    assert service.client.delete(f"/api/tokens/{made['id']}", headers=admin).status_code == 204
    refused = service.client.get(f"/api/cases/{service.own}", headers=bearer)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert refused.json() == {"detail": "需要登录或有效的访问令牌"}

    # expired: a day's token a second past its expiry
    other = service.client.post("/api/tokens", json={"user_id": service.users[Role.manager].id, "days": 1},
                                headers=admin).json()
    with service.session() as s:
        s.exec(update(ApiToken).where(ApiToken.id == other["id"]).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        s.commit()
    assert service.client.get("/api/me", headers={"Authorization": f"Bearer {other['token']}"}).status_code == 401

    # a deactivated user's tokens (API and session) stop at once, and work again when reactivated
    staff = service.users[Role.legal_staff]
    session = _login(service.client, "t_legal_staff").json()["token"]
    service.client.cookies.clear()
    assert service.client.patch(f"/api/users/{staff.id}", json={"active": False}, headers=admin).status_code == 200
    assert service.client.get("/api/me", headers=service.auth(Role.legal_staff)).status_code == 401
    assert service.client.get("/api/me", headers={"Authorization": f"Bearer {session}"}).status_code == 401
    assert _login(service.client, "t_legal_staff").status_code == 401  # nor can it sign in
    assert service.client.patch(f"/api/users/{staff.id}", json={"active": True}, headers=admin).status_code == 200
    assert service.client.get("/api/me", headers=service.auth(Role.legal_staff)).status_code == 200

    # logging out ends the session token; an API token cannot be ended that way
    assert service.client.post("/api/logout", headers={"Authorization": f"Bearer {session}"}).status_code == 204
    assert service.client.get("/api/me", headers={"Authorization": f"Bearer {session}"}).status_code == 401
    service.client.post("/api/logout", headers=service.auth(Role.manager))
    assert service.client.get("/api/me", headers=service.auth(Role.manager)).status_code == 200

    # a calendar token is no API credential
    with service.session() as s:
        from api.auth import issue_token
        from api.models import TokenKind
        cal, _ = issue_token(s, s.get(User, staff.id), TokenKind.calendar)
    assert service.client.get("/api/me", headers={"Authorization": f"Bearer {cal}"}).status_code == 401
    with service.app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM api_token WHERE revoked_at IS NOT NULL")).scalar() >= 2


def test_a_new_password_ends_the_sessions_of_the_old_one(service):
    from api.models import Role as _Role

    c = service.client
    user = service.users[_Role.external_counsel]
    r = c.post("/api/login", json={"username": user.username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    session = {"Authorization": f"Bearer {r.json()['token']}"}
    assert c.get("/api/me", headers=session).status_code == 200
    changed = c.patch(f"/api/users/{user.id}", json={"password": "another-long-password"},
                      headers=service.auth(_Role.admin))
    assert changed.status_code == 200, changed.text
    assert c.get("/api/me", headers=session).status_code == 401
    # the firm's API token is not a session: an administrator revokes it separately
    assert c.get("/api/me", headers=service.auth(_Role.external_counsel)).status_code == 200


def test_guesses_sent_all_at_once_are_held_to_the_limit(service):
    from concurrent.futures import ThreadPoolExecutor

    from api.models import Role as _Role

    user = service.users[_Role.manager]

    def guess(i: int) -> int:
        return service.client.post("/api/login", json={"username": user.username, "password": f"wrong-{i}"}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(guess, range(20)))
    checked = codes.count(401)
    assert checked <= service.settings.login_attempts, codes
    assert codes.count(429) == 20 - checked
