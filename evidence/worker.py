"""Worker processes that decode exhibit data within a budget, and that can be stopped at once.

Everything that decodes the data of an exhibit file runs in a worker process, never in the
caller's: a PDF's streams checked and copied (pikepdf/qpdf), its pages analysed and rendered for
the stamps, images decoded (Pillow). A hostile file (a decompression bomb, data that makes a
library loop or allocate without end) then costs at most the budget, and the caller stays
responsive: a signal (SIGTERM, Ctrl-C) reaches it at once, and it kills the workers.

The budget (:class:`DecodeBudget`) has three parts:

* **bytes decoded**: a PDF given as an exhibit has its streams decoded piece by piece and
  counted before anything else reads them (:mod:`evidence.decoding`); past the budget for the
  file it is refused at once, the message giving the budget in MiB;
* **time**: a task (one exhibit) taking longer than its wall-clock allowance is killed
  (SIGKILL, with whatever it started) and its file refused; the allowance grows with the
  size of its files. The worker's CPU time is limited too (RLIMIT_CPU), should the caller die;
* **memory and files**: the address space of a worker (RLIMIT_AS) and the size of any file it
  writes (RLIMIT_FSIZE) are limited; a task that passes either is stopped and its file refused.

A worker is a ``python -c`` process started with the caller's interpreter and ``sys.path``
(so the same code is imported), in a session of its own (the terminal's Ctrl-C goes to the
caller, which then kills it); it reads tasks from a pipe and answers each, and ends when the
pipe closes (its caller ended). Workers are kept between tasks (:class:`Workers`), since
starting one and importing the PDF and image libraries takes a fifth of a second.

A task is a module-level function and its arguments, pickled; it returns a picklable value or
raises :class:`~evidence.errors.EvidenceError`. Linux and other POSIX systems only.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from evidence.errors import EvidenceError, ExhibitError
from legaldocs.i18n import _, get_language, set_language

__all__ = ["DEFAULT_BUDGET", "DecodeBudget", "Task", "Workers", "shared_workers", "working_on"]

MIB = 1 << 20
_STDERR_TAIL = 2000  # characters of a worker's error output quoted when it dies


@dataclass(frozen=True)
class DecodeBudget:
    """What decoding one exhibit may cost; every value a positive whole number.

    Attributes:
        decoded_mib: data (MiB) the streams of one PDF file may decode to. 1000 lets a file
            of ten 600 dpi A4 colour pages stored losslessly (about 100 MB each) through; a
            decompression bomb is refused after decoding that much, in about three seconds.
        seconds: wall-clock seconds one exhibit may take to be converted ...
        seconds_per_mib: ... plus this many for each MiB of its files (a 1 GB scan: 35 minutes
            at most; it takes a few minutes).
        memory_mib: address space (MiB) of a worker process; Pillow's largest accepted image
            (200 million pixels, 800 MB decoded) and a copy of it fit.
        output_mib: largest file (MiB) a worker may write.
    """

    decoded_mib: int = 1000
    seconds: int = 60
    seconds_per_mib: int = 2
    memory_mib: int = 4096
    output_mib: int = 4096

    def __post_init__(self) -> None:
        for name in ("decoded_mib", "seconds", "seconds_per_mib", "memory_mib", "output_mib"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise EvidenceError(_("decoding budget: {name} must be a whole number of at least 1, not {value}").format(
                    name=name, value=repr(value)))

    @property
    def decoded_bytes(self) -> int:
        return self.decoded_mib * MIB

    def seconds_for(self, input_bytes: int) -> int:
        """Wall-clock seconds allowed for a task whose files have ``input_bytes`` in all."""
        return self.seconds + -(-max(0, input_bytes) * self.seconds_per_mib // MIB)


DEFAULT_BUDGET = DecodeBudget()


@dataclass(frozen=True)
class Task:
    """One call to run in a worker.

    Attributes:
        function: a module-level function (it is pickled by name).
        args: its arguments (picklable).
        label: the file or files named when the task passes its budget, until the task says
            which file it is on (:func:`working_on`).
        input_bytes: size of the task's files; the time allowed grows with it.
    """

    function: Callable[..., Any]
    args: tuple = ()
    label: str = ""
    input_bytes: int = 0


# -- in the worker -------------------------------------------------------------------------------

_reply: Connection | None = None  # in a worker: the pipe to the caller


def working_on(label: object) -> None:
    """Tell the caller which file the task is decoding now (it is named if the budget stops
    the task). Does nothing outside a worker."""
    if _reply is not None:
        _reply.send(("file", str(label)))


#: Seconds between two looks of a worker's watchdog at whether its caller still lives.
_WATCH_SECONDS = 0.5


def _watch_caller() -> None:
    """Fork a watchdog that ends this worker's whole process group (itself included) once the
    caller that started the worker is gone, e.g. killed with SIGKILL: a busy worker would
    otherwise run on, orphaned, until its CPU limit. The watchdog is a process of its own, so it
    acts even while the worker is inside library code that holds Python's lock; it sleeps
    between looks and does nothing else."""
    worker, caller = os.getpid(), os.getppid()
    if os.fork() != 0:
        return
    try:
        os.closerange(3, 4096)  # the task and reply pipes stay the worker's alone: their ends close with it
        while True:
            time.sleep(_WATCH_SECONDS)
            try:
                with open(f"/proc/{worker}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                os._exit(0)  # the worker has ended: nothing to watch
            if parent != caller:
                os.killpg(0, signal.SIGKILL)
    finally:
        os._exit(0)


def _serve(argv: Sequence[str]) -> None:
    """The worker's loop: set the limits, then answer tasks until the caller closes the pipe."""
    global _reply
    read_fd, write_fd, memory_mib, output_mib = (int(value) for value in argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller handles Ctrl-C and kills us
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # (Python ignores it) a file over the limit ends us, then named
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file when a limit kills us
    _watch_caller()
    _set_limit(resource.RLIMIT_AS, memory_mib * MIB)
    _set_limit(resource.RLIMIT_FSIZE, output_mib * MIB)
    incoming = Connection(read_fd, writable=False)
    _reply = Connection(write_fd, readable=False)
    while True:
        try:
            task, seconds, language = incoming.recv()
        except (EOFError, OSError):
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _set_limit(resource.RLIMIT_CPU, int(usage.ru_utime + usage.ru_stime) + seconds + 1, soft_only=True)
        set_language(language)
        try:
            reply: tuple = ("done", task.function(*task.args))
        except ExhibitError as exc:
            reply = ("exhibit", str(exc.path), exc.reason)
        except EvidenceError as exc:
            reply = ("evidence", str(exc))
        except MemoryError:
            reply = ("memory",)
        except Exception as exc:  # a library failing in a way not foreseen: the file is named all the same
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        _reply.send(reply)


def _set_limit(which: int, value: int, *, soft_only: bool = False) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard if soft_only else value))


# -- in the caller -------------------------------------------------------------------------------


class _Process:
    """One worker process and its pipes."""

    def __init__(self, budget: DecodeBudget) -> None:
        self.limits = (budget.memory_mib, budget.output_mib)
        self.used = False  # has answered a task
        task_read, task_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self.errors = tempfile.TemporaryFile()
        code = "import sys, json; sys.path[:] = json.loads(sys.argv[1]); from evidence.worker import _serve; _serve(sys.argv[2:])"
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, json.dumps(sys.path), str(task_read), str(reply_write),
                 str(budget.memory_mib), str(budget.output_mib)],
                pass_fds=(task_read, reply_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=self.errors, start_new_session=True,
            )
        except BaseException:
            for fd in (task_read, task_write, reply_read, reply_write):
                os.close(fd)
            self.errors.close()
            raise
        os.close(task_read)
        os.close(reply_write)
        self.tasks = Connection(task_write, readable=False)
        self.replies = Connection(reply_read, writable=False)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> int:
        """Kill the worker and whatever it started (its process group); return its exit status."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        status = self.process.wait()
        self.tasks.close()
        self.replies.close()
        self.errors.close()
        return status

    def death(self, label: str, budget: DecodeBudget, seconds: int) -> ExhibitError:
        """The error for a task whose worker ended without answering."""
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            status = None
        self.errors.seek(0)
        said = self.errors.read()[-_STDERR_TAIL:].decode("utf-8", "replace").strip()
        self.kill()
        if status == -signal.SIGXCPU:
            return ExhibitError(label, _("converting it used more than {seconds} s of processor time, the time budget; "
                                         "stopped").format(seconds=seconds))
        if status == -signal.SIGXFSZ:
            return ExhibitError(label, _("converting it would write a file larger than {limit} MiB, the budget for "
                                         "written data; stopped").format(limit=budget.output_mib))
        how = (_("killed by signal {signal}").format(signal=signal.Signals(-status).name) if status is not None and status < 0
               else _("exit status {status}").format(status=status))
        return ExhibitError(label, _("the process converting it stopped unexpectedly ({how}){said}").format(
            how=how, said=f": {said}" if said else ""))


@dataclass
class _Running:
    process: _Process
    index: int
    deadline: float
    seconds: int
    label: str = field(default="")


class Workers:
    """Up to ``processes`` worker processes, started when first needed and kept for later tasks.

    Use as a context manager (or call :meth:`close`): at the end every worker is killed. Safe to
    use from several threads; each :meth:`run` takes the workers it needs.
    """

    def __init__(self, processes: int | None = None) -> None:
        self.processes = processes or max(1, min(4, os.cpu_count() or 1))
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.processes)
        self._idle: list[_Process] = []
        self._pid = os.getpid()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the idle workers (a :meth:`run` under way kills its own when it ends)."""
        with self._lock:
            idle, self._idle = self._idle, []
        if os.getpid() == self._pid:
            for process in idle:
                process.kill()

    def run(self, tasks: Sequence[Task], budget: DecodeBudget | None = None, *,
            done: Callable[[int, object], None] | None = None) -> list[object]:
        """Run ``tasks`` on the workers, as many at a time as there are workers.

        Returns one result per task, in order: the function's return value, or the
        :class:`~evidence.errors.EvidenceError` it raised, or an
        :class:`~evidence.errors.ExhibitError` naming the task's file when the task passed its
        budget (time, memory, written data) or its worker died. ``done(index, result)`` is
        called as each task ends. If this is interrupted (a signal, Ctrl-C), the workers of the
        unfinished tasks are killed before the exception goes on.
        """
        budget = budget or DEFAULT_BUDGET
        results: list[object] = [None] * len(tasks)
        pending = deque(range(len(tasks)))
        running: dict[Connection, _Running] = {}

        def finish(entry: _Running, result: object) -> None:
            results[entry.index] = result
            if done is not None:
                done(entry.index, result)

        try:
            while pending or running:
                while pending:
                    process = self._take(budget, block=not running)
                    if process is None:
                        break
                    index = pending.popleft()
                    task = tasks[index]
                    seconds = budget.seconds_for(task.input_bytes)
                    entry = _Running(process, index, time.monotonic() + seconds, seconds, task.label)
                    try:
                        process.tasks.send((task, seconds, get_language()))
                    except (OSError, ValueError):
                        if process.used:  # it died while idle: another one
                            self._discard(process)
                            pending.appendleft(index)
                        else:  # a new one died at once: why, for this task
                            error = process.death(task.label, budget, seconds)
                            self._release()
                            finish(entry, error)
                        continue
                    except BaseException:  # the task cannot be sent (not picklable ...)
                        self._discard(process)
                        raise
                    running[process.replies] = entry
                soonest = min(entry.deadline for entry in running.values())
                for conn in wait(list(running), timeout=max(0, soonest - time.monotonic())):
                    entry = running[conn]
                    try:
                        message = conn.recv()
                    except (EOFError, OSError):
                        del running[conn]
                        error = entry.process.death(entry.label, budget, entry.seconds)
                        self._release()
                        finish(entry, error)
                        continue
                    if message[0] == "file":
                        entry.label = message[1]
                        continue
                    del running[conn]
                    entry.process.used = True
                    if message[0] in ("memory", "failed"):  # its state is not to be trusted after that
                        self._discard(entry.process)
                    else:
                        self._give_back(entry.process)
                    finish(entry, _result(message, entry, budget))
                now = time.monotonic()
                for conn, entry in list(running.items()):
                    if now >= entry.deadline:
                        del running[conn]
                        self._discard(entry.process)
                        finish(entry, ExhibitError(entry.label, _(
                            "converting it took longer than {seconds} s, the time budget; stopped").format(
                                seconds=entry.seconds)))
        finally:
            for entry in running.values():
                self._discard(entry.process)
        return results

    def _take(self, budget: DecodeBudget, *, block: bool) -> _Process | None:
        """A worker with the budget's limits: an idle one, else a new one; None when every
        worker is busy and ``block`` is false."""
        if not self._slots.acquire(blocking=block):
            return None
        try:
            limits = (budget.memory_mib, budget.output_mib)
            with self._lock:
                stale = [p for p in self._idle if p.limits != limits or not p.alive()]
                fit = [p for p in self._idle if p not in stale]
                self._idle = fit[1:]
            for process in stale:  # other limits, or died while idle
                process.kill()
            return fit[0] if fit else _Process(budget)
        except BaseException:
            self._slots.release()
            raise

    def _give_back(self, process: _Process) -> None:
        with self._lock:
            self._idle.append(process)
        self._slots.release()

    def _discard(self, process: _Process) -> None:
        process.kill()
        self._release()

    def _release(self) -> None:
        self._slots.release()


def _result(message: tuple, entry: _Running, budget: DecodeBudget) -> object:
    kind = message[0]
    if kind == "done":
        return message[1]
    if kind == "exhibit":
        return ExhibitError(message[1], message[2])
    if kind == "evidence":
        return EvidenceError(message[1])
    if kind == "memory":
        return ExhibitError(entry.label, _("converting it needs more than {limit} MiB of memory, the budget of a "
                                           "worker; stopped").format(limit=budget.memory_mib))
    return ExhibitError(entry.label, _("cannot convert it: {error}").format(error=message[1]))


_shared: Workers | None = None
_shared_lock = threading.Lock()


def shared_workers() -> Workers:
    """The workers of this process used when no :class:`Workers` is given: started when first
    needed, idle ones killed when the process exits."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._pid != os.getpid():
            _shared = Workers()
            atexit.register(_shared.close)
        return _shared
