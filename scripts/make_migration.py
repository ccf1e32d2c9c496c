"""Write a new Alembic revision from the difference between api/models.py and the migrations.

    python scripts/make_migration.py "why the schema changes"

Runs the existing migrations on an empty SQLite database in a temporary folder, compares with
the models and writes api/migrations/versions/NNNN_<slug>.py; read it before committing (Alembic
does not see everything, e.g. triggers)."""

import re
import sys
import tempfile
from pathlib import Path

from alembic import command

from api.db import alembic_config, make_engine, migrate

message = " ".join(sys.argv[1:]) or "schema change"
versions = Path(__file__).resolve().parents[1] / "api" / "migrations" / "versions"
number = len(list(versions.glob("[0-9][0-9][0-9][0-9]_*.py"))) + 1
with tempfile.TemporaryDirectory() as tmp:
    url = f"sqlite:///{tmp}/m.db"
    engine = make_engine(url)
    migrate(engine)
    cfg = alembic_config(url)
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"
    command.revision(cfg, message=message, autogenerate=True, rev_id=f"{number:04d}",
                     version_path=str(versions))
    for f in versions.glob(f"{number:04d}_*.py"):
        f.rename(versions / f"{number:04d}_{slug}.py")
        print(versions / f"{number:04d}_{slug}.py")
