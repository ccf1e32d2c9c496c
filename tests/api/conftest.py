"""The service under test, on the embedded SQLite and on the PostgreSQL server at 127.0.0.1:5432
(``LEGALDOCS_TEST_POSTGRES`` names another): every test taking ``service`` runs on both.

Each test gets a database of its own, copied from one migrated once per run (a file copy for
SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL), with a law firm, one user and one API
token per role, and two cases: ``own`` (the demo case, assigned to the firm, its exhibits in the
store) and ``foreign`` (the enforcement example, assigned to no firm)."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import select

from api.app import create_app
from api.auth import issue_token
from api.db import make_engine, migrate, session
from api.demo import load_demo
from api.models import CaseRecord, LawFirm, Role, TokenKind, User
from api.security import hash_password
from api.settings import Settings

PG_URL = os.environ.get("LEGALDOCS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct-horse-battery"
ROLES = tuple(Role)


def _pg_admin():
    import psycopg

    url = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def _pg_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_template():
    """A migrated PostgreSQL database to copy, or a skip saying why there is none."""
    try:
        conn = _pg_admin()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL at {PG_URL.split('@')[-1]} not reachable ({exc}); the SQLite runs still test the service")
    name = f"ld_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(_pg_url(name))
    migrate(engine)
    engine.dispose()
    yield conn, name
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-template")
    url = f"sqlite:///{folder / 'legaldocs.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return folder / "legaldocs.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new, migrated, empty database for one test, on each of the two engines."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "data" / "legaldocs.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    conn, template = request.getfixturevalue("pg_template")
    name = f"ld_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Service:
    """The app, its client and who is who: ``tokens[role]`` a bearer token of that role's user,
    ``users[role]`` the user, ``own``/``foreign`` the two cases' ids."""

    app: object
    client: object
    settings: Settings
    tokens: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    own: str = "DEMO-2025-001"
    foreign: str = ""
    firm_id: int = 0

    def auth(self, role: Role | str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[Role(role)]}"}

    def session(self):
        return session(self.app.state.engine)


@pytest.fixture
def service(database_url, tmp_path):
    """The service on a new database (SQLite and PostgreSQL), jobs run by an in-process worker."""
    from fastapi.testclient import TestClient

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, queue_url="memory")
    app = create_app(settings)
    svc = Service(app=app, client=None, settings=settings)
    with session(app.state.engine) as s:
        load_demo(s, app.state.store)
        firm = s.exec(select(LawFirm)).first()
        svc.firm_id = firm.id
        for role in ROLES:
            user = User(username=f"t_{role.value}", display_name=f"测试{role.value}", role=role,
                        password_hash=hash_password(PASSWORD),
                        law_firm_id=firm.id if role == Role.external_counsel else None)
            s.add(user)
            s.commit()
            s.refresh(user)
            svc.tokens[role], _ = issue_token(s, user, TokenKind.api, name="test")
            svc.users[role] = user
        cases = {c.case_id: c for c in s.exec(select(CaseRecord)).all()}
        svc.foreign = next(cid for cid, c in cases.items() if c.law_firm_id is None)
        assert cases[svc.own].law_firm_id == firm.id
    with TestClient(app, base_url="http://testserver") as client:
        svc.client = client
        yield svc
    app.state.engine.dispose()
