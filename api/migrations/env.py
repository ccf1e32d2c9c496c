"""Alembic environment: the service's tables (api.models) on the connection ``api.db.migrate``
passes, or on ``sqlalchemy.url`` when run by the alembic command."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import api.models  # noqa: F401 - registers the tables

target_metadata = SQLModel.metadata
config = context.config


def _run(connection) -> None:  # noqa: ANN001
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
        _run(conn)
        conn.commit()
