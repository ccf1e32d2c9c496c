"""Where the service keeps its state, read once from the environment.

The embedded default needs nothing but a folder (``--data``, default ``./legaldocs-data``): a
SQLite database ``legaldocs.db``, the evidence store ``store/`` (files by SHA-256), the job
queue ``queue.db`` (huey's SQLite storage) and generated outputs inside the store.
At bank scale the same code runs on PostgreSQL (``LEGALDOCS_DATABASE_URL``,
``postgresql+psycopg://user@host/db``) and a Redis queue (``LEGALDOCS_QUEUE_URL``,
``redis://host:6379/0``) with workers on several hosts (``legaldocs worker``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: Largest evidence file accepted by one upload, in bytes (courts' own limits are far lower).
DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """``data_dir``: the folder of the embedded database, store and queue; ``database_url``:
    SQLAlchemy URL (default ``sqlite:///<data_dir>/legaldocs.db``); ``queue_url``: ``sqlite``
    (default, ``<data_dir>/queue.db``), ``redis://...`` or ``memory`` (tests that run jobs
    inline); ``max_upload_bytes``: the upload limit; ``session_hours``: how long a dashboard login
    lasts; ``login_attempts``/``login_window_s``: failed logins allowed per user name and per
    address within the window before further attempts are refused with 429;
    ``stop_grace_s``: how long a stopping service lets running jobs finish before it hands them
    back to the queue (``LEGALDOCS_STOP_GRACE_S``); ``templates_dir``: a bank's own template folder (``LEGALDOCS_TEMPLATES``, as for the
    commands), used by the jobs that write documents; ``stale_job_s``: a running job whose worker has not reported for this long is taken to be
    interrupted and is queued again."""

    data_dir: Path
    database_url: str = ""
    queue_url: str = "sqlite"
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    session_hours: int = 12
    login_attempts: int = 5
    login_window_s: int = 900
    stale_job_s: int = 120
    secure_cookies: bool = False
    templates_dir: Path | None = None
    stop_grace_s: float = 3.0
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'legaldocs.db'}")

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, data_dir: Path | str | None = None, **overrides) -> "Settings":
        """Settings from ``LEGALDOCS_DATA``, ``LEGALDOCS_DATABASE_URL``, ``LEGALDOCS_QUEUE_URL``,
        ``LEGALDOCS_MAX_UPLOAD_MB``, ``LEGALDOCS_SECURE_COOKIES`` and ``LEGALDOCS_STALE_JOB_S``; ``data_dir`` and keyword
        ``overrides`` win. Raises ValueError naming a variable that does not read."""
        env = os.environ
        values: dict = {
            "data_dir": Path(data_dir or env.get("LEGALDOCS_DATA") or "legaldocs-data"),
            "database_url": env.get("LEGALDOCS_DATABASE_URL", ""),
            "queue_url": env.get("LEGALDOCS_QUEUE_URL", "sqlite"),
            "secure_cookies": env.get("LEGALDOCS_SECURE_COOKIES", "") in ("1", "true", "yes"),
            "templates_dir": Path(env["LEGALDOCS_TEMPLATES"]) if env.get("LEGALDOCS_TEMPLATES") else None,
        }
        if env.get("LEGALDOCS_MAX_UPLOAD_MB"):
            try:
                values["max_upload_bytes"] = int(env["LEGALDOCS_MAX_UPLOAD_MB"]) * 1024 * 1024
            except ValueError as exc:
                raise ValueError(f"LEGALDOCS_MAX_UPLOAD_MB: not a whole number: {env['LEGALDOCS_MAX_UPLOAD_MB']!r}") from exc
        if env.get("LEGALDOCS_STOP_GRACE_S"):
            try:
                values["stop_grace_s"] = max(0.0, int(env["LEGALDOCS_STOP_GRACE_S"]))
            except ValueError as exc:
                raise ValueError(f"LEGALDOCS_STOP_GRACE_S: not a whole number: {env['LEGALDOCS_STOP_GRACE_S']!r}") from exc
        if env.get("LEGALDOCS_STALE_JOB_S"):
            try:
                values["stale_job_s"] = int(env["LEGALDOCS_STALE_JOB_S"])
            except ValueError as exc:
                raise ValueError(f"LEGALDOCS_STALE_JOB_S: not a whole number: {env['LEGALDOCS_STALE_JOB_S']!r}") from exc
            if values["stale_job_s"] < 2:
                raise ValueError("LEGALDOCS_STALE_JOB_S: at least 2 (seconds)")
        url = values["database_url"]
        if url.startswith("postgresql://"):  # the psycopg 3 driver, whatever the URL's spelling
            values["database_url"] = "postgresql+psycopg://" + url[len("postgresql://"):]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def bank_today() -> "dt.date":
    """Today in China Standard Time, the day the bank's deadlines are counted on (the service, not
    the core, reads the clock)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
