"""The real thing: ``legaldocs serve`` on the embedded SQLite database and queue, a packet job
under way, the process killed (SIGKILL, as a crash or a machine stopped would) or stopped
(SIGTERM, as a service manager does); the service started again on the same data folder finishes
the job. With SIGKILL the job waits until its heartbeat is older than ``stale_job_s`` (the default
120 s, and 5 s through ``LEGALDOCS_STALE_JOB_S``); with SIGTERM it is handed back at once."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from api.db import make_engine, migrate, session
from api.demo import load_demo
from api.models import AuditEntry, Job, Role, User
from api.security import hash_password
from api.settings import Settings
from api.store import EvidenceStore

PASSWORD = "restart-test-password"
CASE = "DEMO-2025-001"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(data: Path) -> None:
    """The data folder of a fresh service: the demo cases with their exhibits and one legal-staff user."""
    settings = Settings(data_dir=data)
    engine = make_engine(settings.database_url)
    migrate(engine)
    with session(engine) as s:
        load_demo(s, EvidenceStore(settings.store_dir))
        s.add(User(username="clerk", display_name="重启测试", role=Role.legal_staff, password_hash=hash_password(PASSWORD)))
        s.commit()
    engine.dispose()


class Served:
    """One ``legaldocs serve`` process on ``data`` (its own process group, its output in a log)."""

    def __init__(self, data: Path, port: int, log: Path, stale: int | None, grace: int | None = None):
        env = {k: v for k, v in os.environ.items() if k not in (
            "LEGALDOCS_DATABASE_URL", "LEGALDOCS_QUEUE_URL", "LEGALDOCS_DATA", "LEGALDOCS_STALE_JOB_S",
            "LEGALDOCS_STOP_GRACE_S")}
        if grace is not None:  # a packet may take less than the default grace on a fast machine
            env["LEGALDOCS_STOP_GRACE_S"] = str(grace)
        if stale is not None:
            env["LEGALDOCS_STALE_JOB_S"] = str(stale)
        program = Path(sys.executable).with_name("legaldocs")
        command = [str(program)] if program.is_file() else [sys.executable, "-m", "api.cli"]
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        self._out = open(log, "ab")
        self.process = subprocess.Popen([*command, "serve", "--data", str(data), "--port", str(port), "--workers", "1"],
                                        env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        self.pgid = self.process.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve ended: {self.output()}"
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"serve did not answer within 60 s: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def clean_up(self) -> None:
        """Whatever of this process group is left (a LibreOffice the killed run started)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._out.close()


def _sign_in(url: str) -> dict:
    r = httpx.post(url + "/api/login", json={"username": "clerk", "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _poll(url: str, headers: dict, job_id: str, until, timeout_s: float, served: Served) -> dict:
    deadline = time.monotonic() + timeout_s
    job = None
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/api/jobs/{job_id}", headers=headers, timeout=10).json()
        if until(job):
            return job
        assert job["status"] != "failed", job
        time.sleep(0.1)
    raise AssertionError(f"job not as expected within {timeout_s} s: {job}\n{served.output()}")


def _assert_outputs(job: dict, data: Path) -> None:
    names = {o["name"]: o for o in job["outputs"]}
    assert "证据材料.pdf" in names and "民事起诉状.pdf" in names, sorted(names)
    store = EvidenceStore(Settings(data_dir=data).store_dir)
    for o in job["outputs"]:
        assert hashlib.sha256(store.path(o["sha256"]).read_bytes()).hexdigest() == o["sha256"], o["name"]


def _job_row(data: Path, job_id: str) -> Job:
    engine = make_engine(Settings(data_dir=data).database_url)
    try:
        with session(engine) as s:
            return s.get(Job, job_id)
    finally:
        engine.dispose()


def _audit(data: Path, action: str) -> list[AuditEntry]:
    engine = make_engine(Settings(data_dir=data).database_url)
    try:
        with session(engine) as s:
            return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)).all())
    finally:
        engine.dispose()


@pytest.mark.parametrize("stale", [5, None], ids=["stale-5s", "stale-default"])
def test_job_killed_with_the_service_completes_after_a_restart(tmp_path, stale):
    data = tmp_path / "data"
    _prepare(data)
    port = _free_port()
    first = Served(data, port, tmp_path / "serve-1.log", stale)
    second = None
    try:
        headers = _sign_in(first.url)
        r = httpx.post(f"{first.url}/api/cases/{CASE}/jobs", json={"kind": "packet", "params": {"stage": "suit"}},
                       headers=headers, timeout=30)
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        running = _poll(first.url, headers, job_id, lambda j: j["status"] == "running" and j["progress"] >= 2, 60, first)
        assert running["attempts"] == 1
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        killed_at = time.monotonic()

        second = Served(data, port, tmp_path / "serve-2.log", stale)
        headers = _sign_in(second.url)
        assert httpx.get(f"{second.url}/api/jobs/{job_id}", headers=headers).json()["status"] in ("running", "queued")
        limit = (stale or 120) * 1.5 + 30 + 120  # stale, a recovery round, the packet itself
        done = _poll(second.url, headers, job_id, lambda j: j["status"] == "done", limit, second)
        waited = time.monotonic() - killed_at
        assert done["attempts"] == 2, done
        assert done["progress"] == 100
        _assert_outputs(done, data)
        requeued = [a for a in _audit(data, "job.requeue") if job_id in a.detail]
        assert len(requeued) == 1, requeued
        outputs = [a for a in _audit(data, "job.output") if job_id in a.detail]
        assert {a.file_name for a in outputs} == {o["name"] for o in done["outputs"]}
        print(f"\nstale_job_s={stale or 120}: the killed job was done {waited:.0f} s after the kill")
        assert not list((data / "work").glob(f"job-{job_id}-*")), "work folders of both attempts removed"
    finally:
        for served in (first, second):
            if served is not None:
                served.clean_up()


def test_service_stopped_with_sigterm_hands_its_job_back(tmp_path):
    data = tmp_path / "data"
    _prepare(data)
    port = _free_port()
    first = Served(data, port, tmp_path / "serve-1.log", None, grace=0)
    second = None
    try:
        headers = _sign_in(first.url)
        r = httpx.post(f"{first.url}/api/cases/{CASE}/jobs", json={"kind": "packet"}, headers=headers, timeout=30)
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        _poll(first.url, headers, job_id, lambda j: j["status"] == "running" and j["progress"] >= 2, 60, first)
        stopped_at = time.monotonic()
        first.process.send_signal(signal.SIGTERM)
        code = first.process.wait(60)
        stop_s = time.monotonic() - stopped_at
        assert code == 128 + signal.SIGTERM, first.output()

        # handed back: the packet had not finished within the 3 s of grace (it takes 8 s or more)
        job = _job_row(data, job_id)
        assert (job.status.value, job.attempts, job.message) == ("queued", 0, "服务停止，任务已重新排队"), job

        second = Served(data, port, tmp_path / "serve-2.log", None)
        headers = _sign_in(second.url)
        started = time.monotonic()
        # well within the default stale_job_s of 120 s: handed back, not recovered as dead
        done = _poll(second.url, headers, job_id, lambda j: j["status"] == "done", 100, second)
        assert done["attempts"] == 1, done
        _assert_outputs(done, data)
        assert not [a for a in _audit(data, "job.requeue") if job_id in a.detail]
        print(f"\nSIGTERM: the service stopped in {stop_s:.1f} s, its job handed back and done "
              f"{time.monotonic() - started:.0f} s after the restart")
    finally:
        for served in (first, second):
            if served is not None:
                served.clean_up()
