"""The service's commands, added to the ``legaldocs`` application: ``serve`` (the HTTP service
with its job worker), ``worker`` (job workers alone, for more hosts) and ``user add`` (the first
administrator). The console script points here; the web libraries are imported only when one
of these commands runs, so the other commands start as fast as before."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

from evidence.cli import app
from legaldocs.cli import Argument, Option, console, err_console, fail
from legaldocs.i18n import N_, _

__all__ = ["app"]

DataOption = Annotated[Optional[Path], Option(
    "--data", envvar="LEGALDOCS_DATA", show_envvar=True, file_okay=False,
    help=N_("folder of the embedded database, evidence store and job queue (default ./legaldocs-data); "
            "LEGALDOCS_DATABASE_URL and LEGALDOCS_QUEUE_URL point elsewhere"))]


def _settings(data: Optional[Path]):
    from api.settings import Settings

    try:
        return Settings.from_env(data)
    except ValueError as exc:
        raise fail(str(exc)) from None


@app.command(help=N_("Run the HTTP service (API, dashboard, job worker) on HOST:PORT."))
def serve(
    data: DataOption = None,
    host: Annotated[str, Option(help=N_("address to listen on"))] = "127.0.0.1",
    port: Annotated[int, Option(help=N_("port to listen on"), min=1, max=65535)] = 8000,
    demo: Annotated[bool, Option("--demo", help=N_("load the examples and demo users, and print the users"))] = False,
    workers: Annotated[int, Option(help=N_("job worker threads in this process (0: none; run `legaldocs worker` elsewhere)"),
                                   min=0, max=64)] = 2,
) -> None:
    import uvicorn

    from api.app import create_app
    from api.db import session
    from api.demo import load_demo

    settings = _settings(data)
    try:
        application = create_app(settings)
    except Exception as exc:  # noqa: BLE001 - a database that cannot be reached or migrated
        raise fail(_("cannot open the database {url}: {error}").format(
            url=settings.database_url.split("@")[-1], error=exc)) from None
    if demo:
        with session(application.state.engine) as s:
            created = load_demo(s, application.state.store)
        for username, role, password in created:
            console.print(_("demo user {username} ({role}), password {password}").format(
                username=username, role=role, password=password), markup=False, highlight=False)
    queue = application.state.queue
    if queue is not None and workers:
        import signal
        import sys

        # uvicorn stops gracefully on SIGTERM and then raises it again with the handler it found:
        # this one unwinds (SystemExit) so that the job workers below are stopped and their
        # unfinished jobs handed back, instead of the process ending at once
        signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
        queue.start_workers(workers)
    console.print(_("legaldocs service on http://{host}:{port}/ (API documentation: /docs); data in {data}").format(
        host=host, port=port, data=settings.data_dir), markup=False, highlight=False)
    try:
        # h11, which refuses oversized headers (httptools, when installed, has no such limit)
        uvicorn.run(application, host=host, port=port, log_level="info", proxy_headers=False, http="h11")
    finally:
        if queue is not None and workers:
            queue.stop_workers(settings.stop_grace_s)


@app.command(help=N_("Run job workers only (packets, documents, deadline recomputation), for more hosts."))
def worker(
    data: DataOption = None,
    workers: Annotated[int, Option(help=N_("worker threads"), min=1, max=64)] = 2,
) -> None:
    from api.db import make_engine, migrate
    from api.jobs import open_queue
    from api.store import EvidenceStore

    settings = _settings(data)
    engine = make_engine(settings.database_url)
    migrate(engine)
    queue = open_queue(settings, engine, EvidenceStore(settings.store_dir))
    queue.run_workers(workers)


@app.command("user-add", help=N_("Create a user of the service (asks for the password)."))
def user_add(
    username: Annotated[str, Argument(help=N_("user name"))],
    role: Annotated[str, Option(help=N_("legal_staff, manager, external_counsel or admin"))] = "admin",
    name: Annotated[Optional[str], Option(help=N_("name shown"))] = None,
    firm: Annotated[Optional[str], Option(help=N_("law firm (external_counsel only; made if new)"))] = None,
    data: DataOption = None,
) -> None:
    import typer
    from sqlmodel import select

    from api.db import make_engine, migrate, session
    from api.models import LawFirm, Role, User
    from api.security import hash_password

    try:
        role_ = Role(role)
    except ValueError:
        raise fail(_("--role: {value} is not one of legal_staff, manager, external_counsel, admin").format(
            value=repr(role))) from None
    if (role_ == Role.external_counsel) != bool(firm):
        raise fail(_("--firm is required for external_counsel and only for it"))
    settings = _settings(data)
    engine = make_engine(settings.database_url)
    migrate(engine)
    password = typer.prompt(_("password (at least 10 characters)"), hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise fail(_("the password must have at least 10 characters"))
    with session(engine) as s:
        if s.exec(select(User).where(User.username == username)).first():
            raise fail(_("user {username} exists").format(username=username))
        firm_id = None
        if firm:
            row = s.exec(select(LawFirm).where(LawFirm.name == firm)).first() or LawFirm(name=firm)
            s.add(row)
            s.flush()
            firm_id = row.id
        s.add(User(username=username, display_name=name or username, role=role_,
                   password_hash=hash_password(password), law_firm_id=firm_id))
        s.commit()
    err_console.print(_("user {username} ({role}) created").format(username=username, role=role_.value),
                      markup=False, highlight=False)


if __name__ == "__main__":
    app()
