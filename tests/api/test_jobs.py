"""Jobs: a packet built by a job with every output stored by SHA-256 and audited; a failing job
ends failed with the problem in Chinese; bad parameters are refused with 422 naming the field;
who may read which job; claims are atomic, interrupted jobs are recovered, and the SQLite queue's
own worker threads run jobs (on SQLite and on PostgreSQL, through the ``service`` fixture)."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import threading
import time

import pytest
from sqlmodel import select

from api.jobs import MAX_ATTEMPTS, open_queue
from api.models import AuditEntry, CaseFile, CaseRecord, Job, JobStatus, Output, Role, StoredClock, utcnow
from api.settings import Settings, bank_today


def _start(service, kind, params=None, role=Role.legal_staff, case=None):
    return service.client.post(f"/api/cases/{case or service.own}/jobs", json={"kind": kind, "params": params or {}},
                               headers=service.auth(role))


def _case_pk(service, case_id):
    with service.session() as s:
        return s.exec(select(CaseRecord.id).where(CaseRecord.case_id == case_id)).one()


def test_packet_job_stores_every_output_with_its_sha256_and_audits_it(service):
    r = _start(service, "packet", {"stage": "suit", "fit_a4": True})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/jobs/{job['id']}"
    assert job["status"] == "done", job  # the memory queue ran it inline
    assert job["progress"] == 100 and job["attempts"] == 1
    assert job["params"] == {"stage": "suit", "fit_a4": True}
    assert job["message"].startswith("已生成")

    read = service.client.get(r.headers["location"], headers=service.auth(Role.legal_staff)).json()
    names = {o["name"]: o for o in read["outputs"]}
    for name in ("证据材料.pdf", "民事起诉状.pdf", "民事起诉状.docx", "证据目录.pdf", "manifest.json", "packet.zip",
                 "审查意见.md"):
        assert name in names, sorted(names)
    assert any(n.startswith("online-filing/") and n.endswith(".pdf") for n in names), sorted(names)
    assert names["证据材料.pdf"]["kind"] == "bundle"
    assert names["民事起诉状.pdf"]["kind"] == "document"
    assert names["packet.zip"]["kind"] == "zip"
    assert names["manifest.json"]["kind"] == "manifest"
    store = service.app.state.store
    for o in read["outputs"]:
        data = store.path(o["sha256"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == o["sha256"] and len(data) == o["size"], o["name"]
        assert o["download"] == f"/api/cases/{service.own}/outputs/{o['id']}"
        assert o["latest"] is True
    assert store.path(names["证据材料.pdf"]["sha256"]).read_bytes().startswith(b"%PDF-")
    # the manifest the packet wrote names the same SHA-256 for its files as the store holds
    import json

    manifest = json.loads(store.path(names["manifest.json"]["sha256"]).read_text(encoding="utf-8"))
    listed = {e["path"]: e["sha256"] for e in manifest["outputs"]}
    assert listed["证据材料.pdf"] == names["证据材料.pdf"]["sha256"]
    assert listed["民事起诉状.pdf"] == names["民事起诉状.pdf"]["sha256"]
    # the manifest a law firm downloads names the case, not the server's work folder
    assert manifest["inputs_relative_to"] == f"案件 {service.own}"
    assert str(service.settings.data_dir) not in store.path(names["manifest.json"]["sha256"]).read_text(encoding="utf-8")

    with service.session() as s:
        audit = s.exec(select(AuditEntry).where(AuditEntry.case_id == service.own)).all()
    user = f"t_{Role.legal_staff.value}"
    starts = [a for a in audit if a.action == "job.start"]
    assert len(starts) == 1 and starts[0].username == user and job["id"] in starts[0].detail
    outputs = {a.file_name: a for a in audit if a.action == "job.output"}
    assert set(outputs) == set(names)
    for name, o in names.items():
        assert outputs[name].sha256 == o["sha256"] and outputs[name].username == user
    assert [a.username for a in audit if a.action == "job.done"] == [user]

    # the case's outputs: newest of each name first, the earlier build after them
    again = _start(service, "packet", {"stage": "suit", "fit_a4": True}).json()
    assert again["status"] == "done", again
    listing = service.client.get(f"/api/cases/{service.own}/outputs", headers=service.auth(Role.manager)).json()
    latest = [o for o in listing if o["latest"]]
    assert {o["job_id"] for o in latest} == {again["id"]}
    assert listing[:len(latest)] == latest and len(listing) == 2 * len(latest)
    assert [o["name"] for o in latest] == sorted(o["name"] for o in latest)
    # the same inputs give the same bytes: the second build's documents and bundle have the first's
    # SHA-256 (the manifest, and so the zip, also record the options, which differ here)
    sealed = {"manifest.json", "packet.zip", "packet.zip.sha256"}
    assert {o["name"]: o["sha256"] for o in latest if o["name"] not in sealed} == {
        n: o["sha256"] for n, o in names.items() if n not in sealed}
    only_latest = service.client.get(f"/api/cases/{service.own}/outputs?latest=true",
                                     headers=service.auth(Role.external_counsel)).json()
    assert only_latest == latest
    jobs = service.client.get(f"/api/cases/{service.own}/jobs", headers=service.auth(Role.manager)).json()
    assert [j["id"] for j in jobs] == [again["id"], job["id"]]


def test_job_with_a_missing_evidence_file_fails_naming_it(service):
    with service.session() as s:
        pk = _case_pk(service, service.own)
        row = s.exec(select(CaseFile).where(CaseFile.case_pk == pk, CaseFile.name == "exhibits/05-guarantee.pdf")).one()
        s.delete(row)
        s.commit()
    r = _start(service, "packet")
    assert r.status_code == 202, r.text
    job = service.client.get(r.headers["location"], headers=service.auth(Role.legal_staff)).json()
    assert job["status"] == "failed", job
    assert job["message"].startswith("案件数据或证据有误")
    assert "evidence[6].files[0]" in job["message"] and "exhibits/05-guarantee.pdf" in job["message"]
    assert "不存在" in job["error"]
    assert "/work/" not in job["error"] and str(service.settings.data_dir) not in job["error"]
    assert job["outputs"] == []
    with service.session() as s:
        failed = s.exec(select(AuditEntry).where(AuditEntry.action == "job.failed")).all()
        assert len(failed) == 1 and "exhibits/05-guarantee.pdf" in failed[0].detail
        assert not s.exec(select(Output)).all()
    assert not list(service.settings.work_dir.glob("job-*")), "the work folder is removed"


@pytest.mark.parametrize("kind,params,field", [
    ("bake", {}, "kind"),
    ("packet", {"stage": "appeal"}, "params.stage"),
    ("packet", {"as_of": "2025-6-30"}, "params.as_of"),
    ("packet", {"as_of": "2025-06-30", "filing_date": "2025-06-01"}, "params.filing_date"),
    ("packet", {"volume_size": "twenty"}, "params.volume_size"),
    ("packet", {"volume_size": "50KB"}, "params.volume_size"),
    ("packet", {"downsample": 5}, "params.downsample"),
    ("packet", {"fit_a4": "yes"}, "params.fit_a4"),
    ("packet", {"form": "poem"}, "params.form"),
    ("packet", {"templates": "/etc"}, "params.templates"),
    ("draft", {}, "params.doc"),
    ("draft", {"doc": "{{ 7*7 }}"}, "params.doc"),
    ("recompute", {"case": "x"}, "params.case"),
])
def test_bad_params_are_refused_with_422_naming_the_field(service, kind, params, field):
    r = _start(service, kind, params)
    assert r.status_code == 422, r.text
    problems = r.json()["detail"]["problems"]
    assert field in [p["field"] for p in problems], problems
    assert all(any("\u4e00" <= c <= "\u9fff" for c in p["message"]) for p in problems), problems
    with service.session() as s:
        assert not s.exec(select(Job)).all(), "nothing recorded"


def test_draft_job_gives_the_document_in_word_and_pdf(service):
    r = _start(service, "draft", {"doc": "representative_certificate", "filing_date": "2025-07-20"})
    assert r.status_code == 202, r.text
    job = service.client.get(r.headers["location"], headers=service.auth(Role.legal_staff)).json()
    assert job["status"] == "done", job
    names = sorted(o["name"] for o in job["outputs"])
    assert len(names) == 2 and names[0].endswith(".docx") and names[1].endswith(".pdf"), names
    store = service.app.state.store
    assert store.path(next(o["sha256"] for o in job["outputs"] if o["name"].endswith(".pdf"))).read_bytes()[:5] == b"%PDF-"


def test_who_may_start_and_read_which_job(service):
    own = _start(service, "recompute")
    assert own.status_code == 202 and own.json()["status"] == "done", own.text
    foreign = _start(service, "recompute", case=service.foreign)
    assert foreign.status_code == 202, foreign.text
    for role in (Role.manager, Role.external_counsel, Role.admin):
        assert _start(service, "recompute", role=role).status_code == 403
    c = service.client
    counsel = service.auth(Role.external_counsel)
    assert c.get(own.headers["location"], headers=counsel).status_code == 200
    assert c.get(foreign.headers["location"], headers=counsel).status_code == 404
    assert c.get(f"/api/cases/{service.foreign}/outputs", headers=counsel).status_code == 404
    assert c.get(f"/api/cases/{service.own}/jobs", headers=counsel).status_code == 403
    assert c.get("/api/jobs/" + "0" * 32, headers=service.auth(Role.manager)).status_code == 404
    assert c.get("/api/jobs/" + "x" * 300, headers=service.auth(Role.manager)).status_code == 404
    assert c.get(own.headers["location"]).status_code == 401

    # the whole portfolio: legal staff and managers; a law firm never sees such a job
    for role in (Role.external_counsel, Role.admin):
        assert c.post("/api/deadlines/recompute", headers=service.auth(role)).status_code == 403
    r = c.post("/api/deadlines/recompute", headers=service.auth(Role.manager))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["case_id"] is None and job["kind"] == "recompute" and job["status"] == "done", job
    assert "已重算2件" in job["message"]
    assert c.get(r.headers["location"], headers=counsel).status_code == 404
    assert c.get(r.headers["location"], headers=service.auth(Role.legal_staff)).json()["status"] == "done"
    with service.session() as s:
        days = set(s.exec(select(StoredClock.computed_on)).all())
    assert days == {bank_today()}


def _job(service, *, status, heartbeat_age_s=None, attempts=0, created_age_s=0, case=True) -> str:
    """A recompute job recorded directly, as a worker that died would have left it."""
    import uuid

    now = utcnow()
    with service.session() as s:
        job = Job(id=uuid.uuid4().hex, kind="recompute", case_pk=_case_pk(service, service.own) if case else None,
                  params={}, status=status, attempts=attempts, created_by=service.users[Role.legal_staff].id,
                  created_at=now - dt.timedelta(seconds=created_age_s),
                  heartbeat_at=None if heartbeat_age_s is None else now - dt.timedelta(seconds=heartbeat_age_s),
                  started_at=None if status == JobStatus.queued else now - dt.timedelta(seconds=500))
        s.add(job)
        s.commit()
        return job.id


def _read(service, job_id) -> Job:
    with service.session() as s:
        return s.get(Job, job_id)


def test_recovery_requeues_interrupted_jobs_and_gives_up_after_three_attempts(service):
    stale = service.settings.stale_job_s + 30
    dead = _job(service, status=JobStatus.running, heartbeat_age_s=stale, attempts=1)
    hopeless = _job(service, status=JobStatus.running, heartbeat_age_s=stale, attempts=MAX_ATTEMPTS)
    lost = _job(service, status=JobStatus.queued, created_age_s=stale)
    alive = _job(service, status=JobStatus.running, heartbeat_age_s=5, attempts=1)
    fresh = _job(service, status=JobStatus.queued, created_age_s=5)
    queue = service.app.state.queue
    assert queue.recover() == 3
    done = _read(service, dead)
    assert done.status == JobStatus.done and done.attempts == 2, done
    failed = _read(service, hopeless)
    assert failed.status == JobStatus.failed and "不再重试" in failed.message and failed.attempts == MAX_ATTEMPTS
    assert _read(service, lost).status == JobStatus.done
    assert _read(service, alive).status == JobStatus.running  # its worker is alive: left alone
    assert _read(service, fresh).status == JobStatus.queued  # just queued: waits for a worker
    assert queue.recover() == 0
    with service.session() as s:
        actions = [a.action for a in s.exec(select(AuditEntry).where(AuditEntry.action.like("job.%"))).all()]
    assert actions.count("job.requeue") == 1 and actions.count("job.failed") == 1


def test_a_job_is_claimed_by_one_worker_only(service):
    job_id = _job(service, status=JobStatus.queued)
    queues = [open_queue(service.settings, service.app.state.engine, service.app.state.store) for _ in range(8)]
    barrier = threading.Barrier(len(queues))
    claims = []

    def claim(q):
        barrier.wait()
        claims.append(q._claim(job_id))

    threads = [threading.Thread(target=claim, args=(q,)) for q in queues]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [c for c in claims if c is not None]
    assert len(won) == 1, claims
    entry, attempt = won[0]
    assert attempt == 1
    # another worker takes the job over (the first taken to be dead): the first one's writes are refused
    from api.jobs import Superseded

    with service.session() as s:
        job = s.get(Job, job_id)
        job.started_at = utcnow()
        s.add(job)
        s.commit()
    with pytest.raises(Superseded):
        queues[0]._reporter(entry)(50, "x")
    assert _read(service, job_id).progress == 0


def test_queue_messages_are_json_and_a_pickle_is_never_loaded(service, tmp_path):
    settings = Settings(data_dir=tmp_path / "q", database_url=service.settings.database_url, queue_url="sqlite")
    queue = open_queue(settings, service.app.state.engine, service.app.state.store)
    queue.submit("a" * 32)
    (raw,) = queue.huey.storage.enqueued_items()
    assert b'"args": ["' + b"a" * 32 + b'"]' in raw
    assert queue.huey.deserialize_task(raw).args == ("a" * 32,)

    class Boom:
        def __reduce__(self):
            return (exec, ("import pathlib; pathlib.Path(%r).write_text('owned')" % str(tmp_path / "owned"),))

    with pytest.raises(ValueError):
        queue.huey.deserialize_task(pickle.dumps(Boom()))
    assert not (tmp_path / "owned").exists()


def test_sqlite_queue_workers_run_jobs_and_put_lost_ones_back(service, tmp_path):
    """The embedded queue with worker threads, as ``legaldocs serve`` runs it: a submitted job is
    done; a job recorded as queued but never put on the queue is found by recovery and done."""
    lost = _job(service, status=JobStatus.queued, created_age_s=10)
    settings = Settings(data_dir=tmp_path / "q", database_url=service.settings.database_url, queue_url="sqlite",
                        stale_job_s=2)
    queue = open_queue(settings, service.app.state.engine, service.app.state.store)
    submitted = _job(service, status=JobStatus.queued)
    queue.submit(submitted)
    queue.start_workers(2)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if {_read(service, j).status for j in (lost, submitted)} == {JobStatus.done}:
                break
            time.sleep(0.2)
    finally:
        queue.stop_workers()
    assert _read(service, submitted).status == JobStatus.done
    assert _read(service, lost).status == JobStatus.done
    assert queue.huey.storage.queue_size() == 0


def _redis_server(tmp_path):
    import shutil
    import socket
    import subprocess

    import redis

    program = shutil.which("redis-server")
    if program is None:
        pytest.skip("redis-server not installed (Debian package redis-server); the SQLite queue is tested without it")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return process, f"redis://127.0.0.1:{port}/0"


def test_worker_processes_share_a_redis_queue_and_run_each_job_once(service, tmp_path):
    """Several hosts, as ``legaldocs worker`` runs on each: two worker processes of two threads
    on one Redis queue and the shared database; every job is done, and done once."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from api.jobs import create_job

    redis_process, url = _redis_server(tmp_path)
    workers = []
    try:
        settings = Settings(data_dir=service.settings.data_dir, database_url=service.settings.database_url,
                            queue_url=url)
        queue = open_queue(settings, service.app.state.engine, service.app.state.store)
        with service.session() as s:
            cases = s.exec(select(CaseRecord)).all()
            user = service.users[Role.legal_staff]
            ids = [create_job(s, kind="recompute", params={}, case=cases[i % len(cases)], user=user).id for i in range(12)]
        for job_id in ids:
            queue.submit(job_id)
        for job_id in ids[:3]:
            queue.submit(job_id)  # delivered twice: claimed once
        env = {**os.environ, "LEGALDOCS_DATABASE_URL": settings.database_url, "LEGALDOCS_QUEUE_URL": url}
        program = Path(sys.executable).with_name("legaldocs")
        for i in range(2):
            workers.append(subprocess.Popen([str(program), "worker", "--data", str(settings.data_dir), "--workers", "2"],
                                            env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"w{i}.log", "wb")))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and {_read(service, j).status for j in ids} != {JobStatus.done}:
            time.sleep(0.2)
        assert {_read(service, j).status for j in ids} == {JobStatus.done}, [
            (tmp_path / f"w{i}.log").read_text(errors="replace")[-2000:] for i in range(2)]
        assert {_read(service, j).attempts for j in ids} == {1}
        assert queue.huey.storage.queue_size() == 0
        with service.session() as s:
            done = [a.detail for a in s.exec(select(AuditEntry).where(AuditEntry.action == "job.done")).all()]
        assert sorted(d.split()[1].split("（")[0] for d in done) == sorted(ids)
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            assert w.wait(30) == 0
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(10)
        redis_process.terminate()
        redis_process.wait(10)
