"""The database: engine, sessions and migrations (Alembic, ``api/migrations``).

SQLite (the embedded default) runs in WAL mode with a busy timeout, so the service and its
workers read while one writes; PostgreSQL through psycopg 3. ``migrate`` brings any database
to the newest revision, so a first start creates it and a new version upgrades it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Connections one process may hold (pool and overflow). A request holds one from its first query
#: to its end, across the hops between the threads that run its dependencies and its route; if
#: more requests were let in than connections exist, the threads could all end up waiting for a
#: connection held by requests waiting for a thread. So the app lets at most
#: ``REQUESTS_IN_FLIGHT`` requests in at once (:class:`api.app.RequestSlots`; the others wait
#: their turn before they touch the database), leaving connections for the job workers of the
#: same process.
POOL_SIZE, POOL_OVERFLOW = 20, 44
REQUESTS_IN_FLIGHT = 56


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the folder is made and WAL, foreign keys and a 30 s
    busy timeout are set on every connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW} if path and path != ":memory:" else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # noqa: ANN001
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest revision (creating every table on an empty one)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
