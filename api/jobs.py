"""Background jobs (后台任务): packets, single documents and clock recomputation, run by workers
that take them from a kept task queue (huey), with status and progress that survive a restart.

The queue is huey's (the only module of ours that imports it, so another queue is a one-module
change): ``settings.queue_url`` ``sqlite`` keeps it in ``<data_dir>/queue.db`` (no server),
``redis://host:6379/0`` in Redis, shared by workers on several hosts (``legaldocs worker`` on
each), and ``memory`` runs each job inline when it is submitted (the tests). Messages on the
queue are JSON naming the one task and a job id, never pickle: whoever can write to the queue can
at most ask for a job that is already recorded as queued to be run.

**The Job table is the source of truth**, the queue only a means of delivery. huey removes a task
from the queue when a worker takes it (there is no acknowledgement), so a worker killed
mid-task would lose it; here, instead:

* a worker **claims** a job before running it, with one ``UPDATE job SET status='running' ...
  WHERE id = :id AND status = 'queued'``: of two workers given the same job (on two hosts, or a
  message delivered twice), one claims it, the other does nothing;
* while it runs, the worker writes ``heartbeat_at`` (with each progress report and from a timer,
  every quarter of ``settings.stale_job_s``); every write of a running job is *fenced* by the
  claim (``WHERE status = 'running' AND started_at = <this claim's time>``), so a worker that
  lost its job (taken to be dead and the job given to another) finds its writes refused and
  stops instead of overwriting the other's;
* **recovery** (:meth:`JobQueue.recover`), when workers start and then every ``stale_job_s``/2
  (at most 30 s) in every worker process: a ``running`` job whose heartbeat is older than
  ``stale_job_s`` is queued again, or ends ``failed`` after :data:`MAX_ATTEMPTS` attempts; a
  ``queued`` job last queued longer ago than that and not on the queue (lost with a Redis
  restart or a power cut) is put on it again. Each step is one conditional UPDATE, so recovery
  running in several processes at once requeues a job once.

Delivery is therefore at least once, and every job is idempotent: it works in a fresh folder
(``<work_dir>/job-<id>-<claim>``), the core builds the same bytes from the same inputs, and
outputs are stored by content (SHA-256); the ``Output`` rows, the audit entries and the ``done``
status are written in one transaction only by the worker holding the claim.

Job kinds (:data:`KINDS`), their parameters checked by :func:`check_params` before anything is
recorded:

* ``packet``: the filing packet of a stage (:func:`evidence.packet.build_packet`); each file of
  the packet folder is an output named by its path in it (``证据材料.pdf``,
  ``online-filing/01-起诉状.pdf``);
* ``draft``: one document (:func:`legaldocs.filings.draft.draft`), its .docx and .pdf;
* ``recompute``: the clocks of one case, or of every case (the portfolio), as of the bank's today.

Audit entries (:mod:`api.audit`): ``job.start`` (when submitted, by its user), ``job.output``
for each output with its name and SHA-256, ``job.done``, ``job.failed``, ``job.requeue``.
Messages users read (``message``, ``error``) are Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.registry import Message
from huey.serializer import Serializer
from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.audit import record
from api.cases import CaseInputError, loaded, materialize, recompute_clocks
from api.models import Blob, CaseRecord, Job, JobStatus, Output, User, utcnow
from api.settings import Settings, bank_today
from api.store import EvidenceStore
from legaldocs.errors import CaseValidationError, LegalDocsError
from legaldocs.i18n import CHINESE, get_language, set_language

log = logging.getLogger("api.jobs")

KINDS = ("packet", "draft", "recompute")
#: Attempts (claims by a worker) after which an interrupted job is given up as failed.
MAX_ATTEMPTS = 3
STAGES = ("suit", "preservation", "enforcement", "notices")
FORMS = ("element", "narrative")
QUEUE_NAME = "legaldocs"
#: Characters of an error kept on the job (the full listing of a case's problems fits).
MAX_ERROR = 20000
_WORK_NAME = re.compile(r"^job-([0-9a-f]{32})-(\d+)$")


class JobParamsError(ValueError):
    """Parameters of a job that cannot be taken: ``problems`` as (field path, message) pairs,
    e.g. ``("params.stage", "须为 suit、preservation、enforcement 或 notices")``."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


class Superseded(Exception):
    """This worker no longer holds the job's claim (it was taken to be dead and the job given to
    another, or handed back when the worker stopped): it stops without writing anything."""


# --- parameters ------------------------------------------------------------------------------

def _date(value, name: str, problems: list) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    problems.append((f"params.{name}", "日期须写作 YYYY-MM-DD"))
    return None


def _choice(value, name: str, allowed: tuple[str, ...], problems: list) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value in allowed:
        return value
    problems.append((f"params.{name}", f"须为 {'、'.join(allowed)} 之一"))
    return None


def check_params(kind, params, *, case: CaseRecord | None) -> tuple[str, dict]:
    """``(kind, params)`` checked and normalised (only known keys, dates as YYYY-MM-DD), for a
    job on ``case`` (None: the portfolio, recompute only). Raises :class:`JobParamsError`
    naming each field (``kind``, ``params.<name>``) and what is wrong, in Chinese.

    ``packet``: ``stage`` (suit 默认 | preservation | enforcement | notices), ``form`` (element |
    narrative), ``as_of``, ``filing_date`` (YYYY-MM-DD, not before ``as_of``), ``volume_size``
    (e.g. ``"20MB"``), ``fit_a4`` (bool), ``downsample`` (dpi). ``draft``: ``doc`` (a kind of
    :func:`legaldocs.filings.draft.document_kinds`), ``form``, ``as_of``, ``filing_date``.
    ``recompute``: none."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise JobParamsError([("kind", f"任务类型须为 {'、'.join(KINDS)} 之一")])
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise JobParamsError([("params", "须为参数名到值的映射")])
    known = {"packet": ("stage", "form", "as_of", "filing_date", "volume_size", "fit_a4", "downsample"),
             "draft": ("doc", "form", "as_of", "filing_date"), "recompute": ()}[kind]
    problems: list[tuple[str, str]] = [(f"params.{k}"[:200], "不认识的参数") for k in params if k not in known]
    if case is None and kind != "recompute":
        problems.append(("kind", "此任务须针对一个案件"))
    out: dict = {}
    if kind in ("packet", "draft"):
        out["as_of"] = _date(params.get("as_of"), "as_of", problems)
        out["filing_date"] = _date(params.get("filing_date"), "filing_date", problems)
        if out["as_of"] and out["filing_date"] and out["filing_date"] < out["as_of"]:
            problems.append(("params.filing_date", "起诉日期不得早于暂计日（as_of）"))
        out["form"] = _choice(params.get("form"), "form", FORMS, problems)
    if kind == "packet":
        out["stage"] = _choice(params.get("stage", "suit"), "stage", STAGES, problems) or "suit"
        fit = params.get("fit_a4", False)
        if not isinstance(fit, bool):
            problems.append(("params.fit_a4", "须为 true 或 false"))
        out["fit_a4"] = fit is True
        out["volume_size"] = None
        if params.get("volume_size") is not None:
            from evidence.errors import EvidenceError
            from evidence.volumes import parse_size

            size = params["volume_size"]
            try:
                if not isinstance(size, (str, int)) or isinstance(size, bool) or len(str(size)) > 40:
                    raise EvidenceError("须写作 20MB、50MB 或 1GB")
                parse_size(str(size))
                out["volume_size"] = str(size)
            except EvidenceError as exc:
                problems.append(("params.volume_size", str(exc)))
        out["downsample"] = None
        if params.get("downsample") is not None:
            from evidence.downsample import check_dpi
            from evidence.errors import EvidenceError

            try:
                out["downsample"] = check_dpi(params["downsample"])
            except EvidenceError as exc:
                problems.append(("params.downsample", str(exc)))
    if kind == "draft":
        from legaldocs.filings.draft import document_kinds

        kinds = document_kinds()
        doc = params.get("doc")
        if doc is None:
            problems.append(("params.doc", "须给出文书种类"))
        elif not isinstance(doc, str) or doc not in kinds:
            problems.append(("params.doc", "不认识的文书种类；可选：" + "，".join(f"{k}（{t}）" for k, t in kinds.items())))
        else:
            out["doc"] = doc
    if problems:
        raise JobParamsError(problems)
    return kind, {k: v for k, v in out.items() if v is not None and v is not False}


def create_job(s: Session, *, kind: str, params: dict, case: CaseRecord | None, user: User,
               address: str = "") -> Job:
    """Record a new job (``queued``) and its ``job.start`` audit entry; the caller then submits it
    (:meth:`JobQueue.submit`). ``kind`` and ``params`` must have passed :func:`check_params`."""
    job = Job(id=uuid.uuid4().hex, kind=kind, case_pk=case.id if case else None, params=params,
              status=JobStatus.queued, message="排队等待执行", created_by=user.id, created_at=utcnow())
    s.add(job)
    record(s, user, "job.start", case_id=case.case_id if case else None,
           detail=f"{kind} {json.dumps(params, ensure_ascii=False, sort_keys=True)} 任务 {job.id}",
           address=address, commit=False)
    s.commit()
    return job


# --- the queue -------------------------------------------------------------------------------

class _JsonSerializer(Serializer):
    """huey messages as JSON instead of pickle: a message names a task and its arguments (here
    one job id), and reading one can never execute code. Schedules, expiry and pipelines (which
    carry dates and nested messages) are not used, and refused."""

    def _serialize(self, message: Message) -> bytes:
        data = message._asdict()
        for key in ("eta", "on_complete", "on_error", "expires", "expires_resolved"):
            if data[key] is not None:
                raise ValueError(f"huey message field {key} is not supported by the JSON serializer")
        return json.dumps(data).encode("utf-8")

    def _deserialize(self, raw: bytes) -> Message:
        data = json.loads(raw)
        if not isinstance(data, dict) or set(data) != set(Message._fields) or not isinstance(data["args"], list) \
                or not isinstance(data["kwargs"], dict):
            raise ValueError("not a legaldocs job message")
        data["args"] = tuple(data["args"])
        return Message(**data)


class _EmbeddedConsumer(Consumer):
    """huey's consumer inside the serving process: its threads only. ``Consumer.start`` also sets
    handlers of SIGTERM, SIGINT and SIGHUP, which belong to the web server there (and can be set
    only from the main thread); here it sets none."""

    def _set_signal_handlers(self) -> None:
        pass


@dataclass
class _Running:
    """A job this process runs: the claim's time (the fence) and whether the claim was lost."""

    job_id: str
    claim: dt.datetime
    lost: bool = False


@dataclass
class _Context:
    """What a job's handler gets: the job, its work folder and ``report(percent, message)``,
    which writes the progress (fenced; raises :class:`Superseded` when the claim is lost)."""

    job: Job
    work: Path
    report: Callable[[int, str], None]
    case: CaseRecord | None = None
    files: list[tuple[Path, str]] = field(default_factory=list)  # (file, name as shown)
    message: str = "已完成"


class JobQueue:
    """The job queue of the service and of ``legaldocs worker``: :meth:`submit` puts a recorded
    job on the queue; :meth:`start_workers` runs workers as threads of this process (``legaldocs
    serve``), :meth:`run_workers` runs them until a signal (``legaldocs worker``); :meth:`recover`
    requeues interrupted jobs (the workers call it themselves)."""

    def __init__(self, settings: Settings, engine: Engine, store: EvidenceStore, huey):
        self.settings = settings
        self.engine = engine
        self.store = store
        self.huey = huey
        self._task = huey.task(name="run_job")(self.run)
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._consumer: Consumer | None = None
        self._keeper: threading.Thread | None = None
        self._stop = threading.Event()

    # submitting -------------------------------------------------------------------------------

    def submit(self, job_id: str) -> None:
        """Put the job ``job_id`` (recorded, ``queued``) on the queue. With the ``memory`` queue it
        runs now, in this thread. A queue that cannot be reached is logged, not raised: the job
        stays ``queued`` and recovery puts it on the queue once it can."""
        try:
            self._task(job_id)
        except Exception:  # noqa: BLE001 - the queue server down; the Job row stays queued
            log.exception("job %s: could not be put on the queue; it will be put again by recovery", job_id)

    # workers ----------------------------------------------------------------------------------

    @property
    def heartbeat_s(self) -> float:
        return max(0.5, self.settings.stale_job_s / 4)

    @property
    def recovery_s(self) -> float:
        return max(1.0, min(30.0, self.settings.stale_job_s / 2))

    def start_workers(self, n: int) -> None:
        """Start ``n`` worker threads in this process (and the thread that writes heartbeats and
        recovers interrupted jobs); no signal handler is set. With the ``memory`` queue jobs run
        when submitted, so none is started."""
        if self.huey.immediate or n <= 0 or self._consumer is not None:
            return
        self._consumer = _EmbeddedConsumer(self.huey, workers=n, periodic=False, max_delay=1.0,
                                           worker_type="thread", check_worker_health=True)
        # the workers first: the keeper's health check would take threads not yet started for dead
        self._consumer.start()
        self._start_keeper()

    def stop_workers(self, grace_s: float = 3.0) -> None:
        """Stop the workers of :meth:`start_workers`: they take no new job; those still running
        after ``grace_s`` seconds are handed back (``queued`` again, on the queue, the attempt not
        counted) for the next worker, here after a restart or on another host. The grace is
        short: a job's work is done again from the start anyway, and a restart should be quick."""
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        consumer.stop_flag.set()
        deadline = time.monotonic() + grace_s
        for _worker, thread in consumer.worker_threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._hand_back()
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(5)

    def run_workers(self, n: int) -> None:
        """Run ``n`` worker threads until SIGTERM or SIGINT (``legaldocs worker``): huey's consumer,
        with its signal handling (SIGINT waits for running jobs, SIGTERM stops at once; jobs
        then still running are handed back)."""
        if self.huey.immediate:
            raise ValueError("LEGALDOCS_QUEUE_URL=memory runs jobs inline; a worker needs sqlite or redis://")
        consumer = Consumer(self.huey, workers=n, periodic=False, max_delay=1.0, worker_type="thread")
        self._start_keeper()
        try:
            consumer.run()
        finally:
            self._hand_back()
            self._stop.set()

    def _start_keeper(self) -> None:
        self._stop.clear()
        self._clear_work()
        self._keeper = threading.Thread(target=self._keep, name="legaldocs-jobs-keeper", daemon=True)
        self._keeper.start()

    def _keep(self) -> None:
        """Heartbeats of this process's running jobs, recovery of others' interrupted ones, and
        the embedded consumer's health check (a dead worker thread replaced)."""
        next_beat = next_recovery = 0.0
        next_health = time.monotonic() + 10
        while True:
            now = time.monotonic()
            try:
                if now >= next_beat:
                    next_beat = now + self.heartbeat_s
                    self._beat()
                if now >= next_recovery:
                    next_recovery = now + self.recovery_s
                    self.recover()
                consumer = self._consumer
                if consumer is not None and now >= next_health:
                    next_health = now + 10
                    consumer.check_worker_health()
            except Exception:  # noqa: BLE001 - the database or queue away for a moment; try again
                log.exception("job keeper: heartbeat or recovery failed")
            if self._stop.wait(min(self.heartbeat_s, 1.0)):
                return

    def _beat(self) -> None:
        with self._lock:
            running = list(self._running.values())
        for entry in running:
            with Session(self.engine) as s:
                result = s.exec(update(Job).where(*self._fence(entry)).values(heartbeat_at=utcnow()))
                s.commit()
            if result.rowcount != 1:
                entry.lost = True

    @staticmethod
    def _fence(entry: _Running):
        return (Job.id == entry.job_id, Job.status == JobStatus.running, Job.started_at == entry.claim)

    def _hand_back(self) -> None:
        """This process's running jobs back on the queue (it is stopping)."""
        with self._lock:
            running = list(self._running.values())
        for entry in running:
            entry.lost = True
            try:
                with Session(self.engine) as s:
                    result = s.exec(update(Job).where(*self._fence(entry)).values(
                        status=JobStatus.queued, attempts=Job.attempts - 1, heartbeat_at=utcnow(),
                        message="服务停止，任务已重新排队"))
                    s.commit()
                if result.rowcount == 1:
                    self.submit(entry.job_id)
            except Exception:  # noqa: BLE001 - recovery takes it once its heartbeat is stale
                log.exception("job %s: could not be handed back", entry.job_id)

    # recovery ---------------------------------------------------------------------------------

    def _on_queue(self) -> set[str]:
        """Job ids of the messages waiting on the queue."""
        ids = set()
        for raw in self.huey.storage.enqueued_items():
            try:
                task = self.huey.deserialize_task(raw)
                ids.add(str(task.args[0]))
            except Exception:  # noqa: BLE001 - a message that is not ours: no job of it
                continue
        return ids

    def recover(self, now: dt.datetime | None = None) -> int:
        """Requeue interrupted jobs; returns how many jobs were requeued or given up.

        A ``running`` job whose heartbeat is older than ``stale_job_s``: ``failed`` when it has
        had :data:`MAX_ATTEMPTS` attempts, otherwise ``queued`` and put on the queue. A ``queued``
        job last queued (``heartbeat_at``, else ``created_at``) longer ago than that and not on the
        queue: put on it again. Each change is one UPDATE conditioned on what was read, so
        several processes recovering at once requeue a job once."""
        now = now or utcnow()
        cutoff = now - dt.timedelta(seconds=self.settings.stale_job_s)
        stale_running = and_(Job.status == JobStatus.running,
                             or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff))
        changed = 0
        with Session(self.engine, expire_on_commit=False) as s:
            rows = s.exec(select(Job.id, Job.attempts, Job.case_pk, Job.created_by).where(stale_running)).all()
        for job_id, attempts, case_pk, created_by in rows:
            with Session(self.engine, expire_on_commit=False) as s:
                case_id = self._case_id(s, case_pk)
                if attempts >= MAX_ATTEMPTS:
                    message = f"任务已执行{attempts}次，每次均被中断（进程终止或主机停机），不再重试"
                    result = s.exec(update(Job).where(Job.id == job_id, stale_running).values(
                        status=JobStatus.failed, finished_at=now, heartbeat_at=now, message=message, error=message))
                    if result.rowcount == 1:
                        record(s, self._user(s, created_by), "job.failed", case_id=case_id, detail=f"任务 {job_id}：{message}",
                               commit=False)
                else:
                    result = s.exec(update(Job).where(Job.id == job_id, stale_running).values(
                        status=JobStatus.queued, heartbeat_at=now,
                        message=f"第{attempts}次执行被中断，已重新排队"))
                    if result.rowcount == 1:
                        record(s, None, "job.requeue", case_id=case_id,
                               detail=f"任务 {job_id}：第{attempts}次执行未报告进度超过{self.settings.stale_job_s}秒，重新排队",
                               commit=False)
                s.commit()
            if result.rowcount == 1:
                changed += 1
                if attempts < MAX_ATTEMPTS:
                    self.submit(job_id)
        lost_queued = and_(Job.status == JobStatus.queued,
                           or_(Job.heartbeat_at < cutoff, and_(Job.heartbeat_at.is_(None), Job.created_at < cutoff)))
        with Session(self.engine) as s:
            waiting = s.exec(select(Job.id).where(lost_queued)).all()
        if waiting:
            on_queue = self._on_queue()
            for job_id in waiting:
                if job_id in on_queue:
                    continue
                with Session(self.engine) as s:
                    result = s.exec(update(Job).where(Job.id == job_id, lost_queued).values(heartbeat_at=now))
                    s.commit()
                if result.rowcount == 1:
                    changed += 1
                    log.warning("job %s: queued but not on the queue; put on it again", job_id)
                    self.submit(job_id)
        self._clear_work()
        return changed

    def _clear_work(self) -> None:
        """Remove work folders of attempts that are over (ended, or interrupted by a crash); the
        folder of an attempt still running, here or on another host sharing the folder, stays.
        A folder is named by the job and its claim (``job-<id>-<claim time in µs>``), so two
        attempts never share one, even when a handed-back attempt has the same number."""
        root = self.settings.work_dir
        if not root.is_dir():
            return
        folders = {}
        for path in root.iterdir():
            match = _WORK_NAME.match(path.name)
            if match:
                folders[path] = (match.group(1), int(match.group(2)))
        if not folders:
            return
        with Session(self.engine) as s:
            live = {(i, _micros(started)) for i, started in s.exec(select(Job.id, Job.started_at).where(
                Job.status == JobStatus.running, Job.id.in_({i for i, _a in folders.values()}))).all()
                    if started is not None}
        for path, key in folders.items():
            if key not in live:
                shutil.rmtree(path, ignore_errors=True)

    # running a job ----------------------------------------------------------------------------

    def _claim(self, job_id: str) -> tuple[_Running, int] | None:
        """Take the job if it is ``queued``: (the claim, its attempt number), or None when another
        worker has it, it is over, or it does not exist."""
        claim = utcnow()
        with Session(self.engine) as s:
            result = s.exec(update(Job).where(Job.id == job_id, Job.status == JobStatus.queued).values(
                status=JobStatus.running, attempts=Job.attempts + 1, started_at=claim, heartbeat_at=claim,
                progress=0, message="开始执行", error=None, finished_at=None))
            s.commit()
            if result.rowcount != 1:
                return None
            attempts = s.exec(select(Job.attempts).where(Job.id == job_id)).one()
        return _Running(job_id, claim), attempts

    def run(self, job_id: str) -> None:
        """The task the workers run: claim the job, run it, record its outputs and end it ``done``
        or ``failed``. Never raises (a failure is the job's status); a job another worker holds,
        or that is over, is left alone."""
        if not isinstance(job_id, str) or not re.fullmatch(r"[0-9a-f]{32}", job_id):
            log.warning("queue message with a job id that is not one: %r", job_id)
            return
        if get_language() != CHINESE:  # what users read of the core's messages is Chinese
            set_language(CHINESE)
        claimed = self._claim(job_id)
        if claimed is None:
            log.info("job %s: not queued (taken by another worker, or over); skipped", job_id)
            return
        entry, _attempt = claimed
        with self._lock:
            self._running[job_id] = entry
        work = self.settings.work_dir / f"job-{job_id}-{_micros(entry.claim)}"
        try:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            with Session(self.engine, expire_on_commit=False) as s:
                job = s.get(Job, job_id)
                case = s.get(CaseRecord, job.case_pk) if job.case_pk is not None else None
            if job.case_pk is not None and case is None:
                raise _Failure("案件已不存在", "案件已被删除，任务无法执行")
            ctx = _Context(job=job, work=work, report=self._reporter(entry), case=case)
            HANDLERS[job.kind](self, ctx)
            self._finish(entry, ctx)
        except Superseded:
            log.warning("job %s: the claim was lost (taken to be interrupted); this run stops", job_id)
        except _Failure as exc:
            self._fail(entry, exc.message, exc.error)
        except (CaseValidationError, CaseInputError) as exc:
            lines = [f"{path}: {message}" for path, message in exc.problems]
            lines = [_unwork(line, work) for line in lines]
            message = f"案件数据或证据有误（{len(lines)}项）：" + "；".join(lines)
            self._fail(entry, message, "\n".join(lines))
        except LegalDocsError as exc:
            text = _unwork(str(exc), work)
            self._fail(entry, "生成失败：" + text, text)
        except Exception as exc:  # noqa: BLE001 - a bug or the machine: the job says so, the log has the trace
            log.exception("job %s failed", job_id)
            self._fail(entry, "内部错误，任务未完成，请联系系统管理员", f"{type(exc).__name__}: {_unwork(str(exc), work)}")
        finally:
            with self._lock:
                self._running.pop(job_id, None)
            shutil.rmtree(work, ignore_errors=True)

    def _reporter(self, entry: _Running) -> Callable[[int, str], None]:
        """``report(percent, message)``: progress and heartbeat written (at most every 0.3 s, a
        change of message or percentage; the last is written by the end of the job anyway)."""
        state = {"at": 0.0, "last": None}
        lock = threading.Lock()

        def report(percent: int, message: str) -> None:
            if entry.lost:
                raise Superseded()
            percent = max(0, min(99, int(percent)))
            with lock:
                now = time.monotonic()
                if state["last"] == (percent, message) or now - state["at"] < 0.3:
                    return
                state["at"], state["last"] = now, (percent, message)
                with Session(self.engine) as s:
                    result = s.exec(update(Job).where(*self._fence(entry)).values(
                        progress=percent, message=message[:500], heartbeat_at=utcnow()))
                    s.commit()
            if result.rowcount != 1:
                entry.lost = True
                raise Superseded()

        return report

    def _finish(self, entry: _Running, ctx: _Context) -> None:
        """Store the outputs (by content) and, in one transaction fenced by the claim: the Output
        rows, their audit entries and the ``done`` status."""
        stored = []
        for i, (path, name) in enumerate(ctx.files):
            ctx.report(99, f"正在保存输出文件（{i + 1}/{len(ctx.files)}）")
            digest, size, _new = self.store.put_file(path)
            stored.append((name, digest, size, path.suffix.lower().lstrip(".")[:20] or "other"))
        job = ctx.job
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as s:
            result = s.exec(update(Job).where(*self._fence(entry)).values(
                status=JobStatus.done, progress=100, message=ctx.message[:500], finished_at=now, heartbeat_at=now))
            if result.rowcount != 1:
                s.rollback()
                raise Superseded()
            user = self._user(s, job.created_by)
            case_id = ctx.case.case_id if ctx.case else None
            for name, digest, size, suffix in stored:
                _add_blob(s, digest, size, suffix)
                s.add(Output(job_id=job.id, case_pk=ctx.case.id, kind=output_kind(name), name=name[:255],
                             sha256=digest, size=size, created_at=now))
                record(s, user, "job.output", case_id=case_id, file_name=name, sha256=digest,
                       detail=f"任务 {job.id}（{job.kind}）生成，{size}字节", commit=False)
            record(s, user, "job.done", case_id=case_id, detail=f"任务 {job.id}（{job.kind}）：{ctx.message}"[:2000],
                   commit=False)
            s.commit()

    def _fail(self, entry: _Running, message: str, error: str) -> None:
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as s:
            result = s.exec(update(Job).where(*self._fence(entry)).values(
                status=JobStatus.failed, message=message[:500], error=error[:MAX_ERROR], finished_at=now,
                heartbeat_at=now))
            if result.rowcount != 1:
                s.rollback()
                log.warning("job %s: the claim was lost before it could be marked failed", entry.job_id)
                return
            job = s.get(Job, entry.job_id)
            record(s, self._user(s, job.created_by), "job.failed", case_id=self._case_id(s, job.case_pk),
                   detail=f"任务 {job.id}（{job.kind}）：{message}"[:2000], commit=False)
            s.commit()

    @staticmethod
    def _user(s: Session, user_id: int | None) -> User | None:
        return s.get(User, user_id) if user_id is not None else None

    @staticmethod
    def _case_id(s: Session, case_pk: int | None) -> str | None:
        if case_pk is None:
            return None
        case = s.get(CaseRecord, case_pk)
        return case.case_id if case else None


class _Failure(Exception):
    """A job that cannot be done, with the message users read and the error kept."""

    def __init__(self, message: str, error: str):
        self.message, self.error = message, error
        super().__init__(message)


def _micros(moment: dt.datetime) -> int:
    """A claim's time as whole microseconds since 1970 (UTC), for its work folder's name."""
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)


def _unwork(text: str, work: Path) -> str:
    """A message without the job's work folder: file names as the case file gives them."""
    for folder in (work / "case", work / "out", work):
        text = text.replace(f"{folder}/", "").replace(str(folder), "")
    return text


def _add_blob(s: Session, digest: str, size: int, kind: str) -> None:
    """The Blob row of a stored file, unless it exists (also when another transaction adds the
    same content at the same time: INSERT ... ON CONFLICT DO NOTHING)."""
    values = {"sha256": digest, "size": size, "kind": kind, "created_at": utcnow()}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.exec(insert(Blob).values(**values).on_conflict_do_nothing(index_elements=["sha256"]))


def output_kind(name: str) -> str:
    """The kind of a packet's file by its name: ``bundle`` (证据材料, in one file or volumes),
    ``zip`` (packet.zip and its .sha256), ``manifest``, ``review`` (审查意见), ``document``
    (Word, PDF and Excel documents, the online-filing uploads), ``other`` (deadlines.json …)."""
    base = name.rsplit("/", 1)[-1]
    if base.startswith(("证据材料", "补充证据材料")) and base.endswith(".pdf"):
        return "bundle"
    if base.startswith("packet.zip"):
        return "zip"
    if base == "manifest.json":
        return "manifest"
    if base.startswith("审查意见"):
        return "review"
    if base.endswith((".pdf", ".docx", ".xlsx")):
        return "document"
    return "other"


# --- the kinds of job ------------------------------------------------------------------------

def _packet(queue: JobQueue, ctx: _Context) -> None:
    """The filing packet of the case, built from its case file and uploaded evidence."""
    from evidence.packet import build_packet
    from evidence.volumes import parse_size

    p = ctx.job.params
    ctx.report(1, "正在准备案件文件和证据")
    with Session(queue.engine) as s:
        case_path = materialize(s, ctx.case, queue.store, ctx.work / "case")

    def progress(what: str, done: int, total: int) -> None:
        ctx.report(2 + done * 95 // max(total, 1), f"正在生成：{what}（{done}/{total}）")

    result = build_packet(
        case_path, ctx.work / "out", stage=p.get("stage", "suit"), form=p.get("form"),
        as_of=dt.date.fromisoformat(p["as_of"]) if p.get("as_of") else None,
        filing_date=dt.date.fromisoformat(p["filing_date"]) if p.get("filing_date") else None,
        progress=progress, downsample_dpi=p.get("downsample"), fit_a4=bool(p.get("fit_a4")),
        max_volume_bytes=parse_size(p["volume_size"]) if p.get("volume_size") else None,
        templates=queue.settings.templates_dir, inputs_label=f"案件 {ctx.case.case_id}")
    ctx.files = [(f, f.relative_to(result.folder).as_posix()) for f in sorted(result.folder.rglob("*")) if f.is_file()]
    blocking = sum(r.severity == "blocking" for r in result.review)
    ctx.message = f"已生成{len(ctx.files)}个文件" + (f"；审查意见中{blocking}项必须处理" if blocking else "")


def _draft(queue: JobQueue, ctx: _Context) -> None:
    """One document of the case (its .docx and .pdf)."""
    from legaldocs.filings.draft import draft

    p = ctx.job.params
    ctx.report(5, "正在起草文书")
    out = ctx.work / "out"
    result = draft(loaded(ctx.case).case, p["doc"], out, form=p.get("form"), pdf=True, source=ctx.case.case_id,
                   templates=queue.settings.templates_dir,
                   as_of=dt.date.fromisoformat(p["as_of"]) if p.get("as_of") else None,
                   filing_date=dt.date.fromisoformat(p["filing_date"]) if p.get("filing_date") else None)
    ctx.files = [(f, f.relative_to(out).as_posix()) for f in (*result.docx, *result.pdf)]
    ctx.message = f"已生成{len(ctx.files)}个文件"


def _recompute(queue: JobQueue, ctx: _Context) -> None:
    """The clocks of the case, or of every case, as of the bank's today; a case whose data no
    longer loads is named and the others still computed (each case in its own transaction)."""
    today = bank_today()
    with Session(queue.engine) as s:
        if ctx.case is not None:
            pks = [ctx.case.id]
        else:
            pks = list(s.exec(select(CaseRecord.id).order_by(CaseRecord.id)).all())
    problems = []
    for i, pk in enumerate(pks):
        with Session(queue.engine, expire_on_commit=False) as s:
            case = s.get(CaseRecord, pk)
            if case is None:
                continue
            ctx.report(i * 100 // max(len(pks), 1), f"正在重算期限：{case.case_id}（{i + 1}/{len(pks)}）")
            try:
                recompute_clocks(s, case, today)
            except (LegalDocsError, CaseInputError) as exc:
                s.rollback()
                problems.append(f"{case.case_id}: {exc}")
    if problems:
        raise _Failure(f"已重算{len(pks) - len(problems)}件，{len(problems)}件失败：" + "；".join(problems),
                       "\n".join(problems))
    ctx.message = f"已重算{len(pks)}件案件的期限（截至{today.isoformat()}）"


HANDLERS: dict[str, Callable[[JobQueue, _Context], None]] = {"packet": _packet, "draft": _draft, "recompute": _recompute}


def open_queue(settings: Settings, engine: Engine, store: EvidenceStore) -> JobQueue:
    """The job queue of ``settings.queue_url``: ``sqlite`` (huey's SQLite storage in
    ``<data_dir>/queue.db``, synchronous writes), ``redis://...`` / ``rediss://...`` (Redis, for
    workers on several hosts) or ``memory`` (each job runs inline when submitted). Raises
    ValueError naming ``LEGALDOCS_QUEUE_URL`` for anything else."""
    url = settings.queue_url
    common = {"results": False, "serializer": _JsonSerializer()}
    if url == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(QUEUE_NAME, filename=str(settings.data_dir / "queue.db"), fsync=True, timeout=30, **common)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(QUEUE_NAME, url=url, **common)
    elif url == "memory":
        huey = MemoryHuey(QUEUE_NAME, immediate=True, **common)
    else:
        raise ValueError(f"LEGALDOCS_QUEUE_URL: sqlite, redis://host:port/db or memory, not {url!r}")
    return JobQueue(settings, engine, store, huey)
