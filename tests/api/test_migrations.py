"""Schema changes go through Alembic: the migrations build exactly the tables of api/models.py on
SQLite and PostgreSQL, go down to nothing and up again, and a second upgrade changes nothing."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic import command
from sqlmodel import SQLModel

import api.models  # noqa: F401
from api.db import alembic_config, make_engine, migrate


def _differences(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


def test_migrations_build_the_models_tables(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    assert _differences(engine) == []
    migrate(engine)  # a second start upgrades nothing and fails on nothing
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() is not None
    engine.dispose()


def test_migrations_go_down_and_up_again(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    cfg = alembic_config(database_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert _differences(engine) == []
    engine.dispose()
