"""The service's tables (SQLModel). Schema changes go through Alembic (``api/migrations``):
change a class here, then ``python scripts/make_migration.py "why"`` writes the revision.

Per entity, the full-stack-fastapi-template way: a table class and, where the API shows it, a
``...Public`` class without secrets. Times are UTC; money is never stored here (the case data
keeps its amounts as text, read back into Decimal by the case loader)."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import sqlalchemy as sa
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def _choice(enum: type[Enum]) -> sa.Enum:
    """A column of one of ``enum``'s values, stored as text with a CHECK constraint (not a
    PostgreSQL enum type: adding a value later is then a plain migration on both databases)."""
    return sa.Enum(enum, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                   create_constraint=True, name=f"ck_{enum.__name__.lower()}")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Role(str, Enum):
    """``legal_staff`` 法律事务/资产保全人员: imports and edits cases, uploads evidence, generates
    documents; ``manager`` 管理人员: reads the whole portfolio, assigns cases to law firms, reads the
    audit log; ``external_counsel`` 外聘律师事务所: reads and downloads only the cases assigned to its
    firm; ``admin`` 系统管理员: users, firms and tokens."""

    legal_staff = "legal_staff"
    manager = "manager"
    external_counsel = "external_counsel"
    admin = "admin"


class LawFirm(SQLModel, table=True):
    """外聘律师事务所."""

    __tablename__ = "law_firm"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person or a law firm's account; ``law_firm_id`` is set for ``external_counsel`` only."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(max_length=120)
    role: Role = Field(sa_type=_choice(Role))
    password_hash: str | None = Field(default=None, max_length=200)
    law_firm_id: int | None = Field(default=None, foreign_key="law_firm.id", index=True)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)


class TokenKind(str, Enum):
    api = "api"            # a law firm's or a program's bearer token
    session = "session"    # a dashboard login (cookie)
    calendar = "calendar"  # the secret address of a user's iCalendar feed


class ApiToken(SQLModel, table=True):
    """A token, stored as its SHA-256 only (tokens are 256-bit random, so a fast hash suffices;
    passwords get argon2). ``prefix``: its first characters, to tell tokens apart in lists."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: TokenKind = Field(sa_type=_choice(TokenKind))
    name: str = Field(default="", max_length=120)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed login, for rate limiting by user name and by address."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_username_at", "username", "at"),
                      Index("ix_login_failure_address_at", "address", "at"))
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)
    address: str = Field(max_length=64)
    at: dt.datetime = Field(default_factory=utcnow)


class CaseRecord(SQLModel, table=True):
    """One case (案件): its case file as data (``data``, the case-file fields as JSON, amounts as
    text), and what the bank manages around it: the branch (经办机构, default the creditor's name),
    the officer (经办人), the law firm it is assigned to, whether it is written off (已核销).
    ``version`` rises with every change; it is the ETag that optimistic locking checks."""

    __tablename__ = "case_record"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(max_length=80, unique=True, index=True)
    title: str = Field(default="", max_length=500)
    branch: str = Field(default="", max_length=200, index=True)
    officer_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    law_firm_id: int | None = Field(default=None, foreign_key="law_firm.id", index=True)
    written_off: bool = False
    version: int = 1
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Blob(SQLModel, table=True):
    """A file in the evidence store, named by its SHA-256 (hex); never overwritten."""

    __tablename__ = "blob"
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    kind: str = Field(max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)


class CaseFile(SQLModel, table=True):
    """An evidence file of a case: the name the case file gives it (``evidence[].files``) and the
    stored content it stands for."""

    __tablename__ = "case_file"
    __table_args__ = (UniqueConstraint("case_pk", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    case_pk: int = Field(foreign_key="case_record.id", index=True)
    name: str = Field(max_length=255)
    sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    uploaded_by: int | None = Field(default=None, foreign_key="app_user.id")
    uploaded_at: dt.datetime = Field(default_factory=utcnow)


class StoredClock(SQLModel, table=True):
    """A clock of a case as last computed (期限): kind, the party it runs against, its last day
    (``last_day``, None when a person must decide), status on ``computed_on``, the chain of
    events. Branch, officer, firm and write-off are copied from the case so that the portfolio
    query reads one table through one index."""

    __tablename__ = "clock"
    __table_args__ = (
        Index("ix_clock_last_day", "last_day"),
        Index("ix_clock_branch_last_day", "branch", "last_day"),
        Index("ix_clock_kind_last_day", "kind", "last_day"),
        Index("ix_clock_officer_last_day", "officer_id", "last_day"),
        Index("ix_clock_firm_last_day", "law_firm_id", "last_day"),
        Index("ix_clock_written_off_last_day", "written_off", "last_day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_pk: int = Field(foreign_key="case_record.id", index=True)
    case_id: str = Field(max_length=80)
    kind: str = Field(max_length=40)
    obligor: str | None = Field(default=None, max_length=80)
    obligor_names: str = Field(default="", max_length=500)
    last_day: dt.date | None = None
    alternative_date: dt.date | None = None
    status: str = Field(max_length=20)
    provisional: bool = False
    chain: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    computed_on: dt.date
    branch: str = Field(default="", max_length=200)
    officer_id: int | None = None
    law_firm_id: int | None = None
    written_off: bool = False


class JobStatus(str, Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(SQLModel, table=True):
    """A piece of background work (a packet, one document, recomputing clocks): its status and
    progress (0-100) as the worker reports them, the error that ended it, and ``heartbeat_at``,
    which tells a running job from one whose worker died."""

    __tablename__ = "job"
    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=20)
    case_pk: int | None = Field(default=None, foreign_key="case_record.id", index=True)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: JobStatus = Field(default=JobStatus.queued, sa_type=_choice(JobStatus))
    progress: int = 0
    message: str = Field(default="", max_length=500)
    error: str | None = None
    attempts: int = 0
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    heartbeat_at: dt.datetime | None = None


class Output(SQLModel, table=True):
    """A file a job produced (a packet's document, its bundle, the packet's zip), stored in the
    evidence store by SHA-256; ``name`` is its path inside the packet, shown and used as the
    download's file name."""

    __tablename__ = "output"
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(foreign_key="job.id", index=True)
    case_pk: int = Field(foreign_key="case_record.id", index=True)
    kind: str = Field(max_length=20)
    name: str = Field(max_length=255)
    sha256: str = Field(foreign_key="blob.sha256", max_length=64)
    size: int
    created_at: dt.datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """审计日志: who did what, when, to which case and file (with its SHA-256). Append-only: the
    database refuses UPDATE and DELETE on this table (triggers, migration 0002)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_case_at", "case_id", "at"), Index("ix_audit_user_at", "user_id", "at"))
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow)
    user_id: int | None = None
    username: str = Field(default="", max_length=80)
    role: str = Field(default="", max_length=20)
    action: str = Field(max_length=40)
    case_id: str | None = Field(default=None, max_length=80)
    file_name: str | None = Field(default=None, max_length=255)
    sha256: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="", max_length=2000)
    address: str = Field(default="", max_length=64)
