"""The folders a run makes in shared places, and what a run that died leaves behind.

A run (``legaldocs packet``, ``draft`` or ``validate``, a LibreOffice kept running) makes folders
in places other runs use too: a hidden staging folder in the output folder, a work folder and
LibreOffice's profiles in the system's temporary folder. Each such folder ``NAME`` is made by
:func:`make` with a lock file ``NAME.lock`` beside it, created first and held with
``fcntl.flock`` for as long as the folder is the run's. The file says, for people and for the
clean-up, who holds it: process id, when that process started, its command, and the process
groups of the LibreOffice started for the folder (:func:`record`). The kernel releases the lock
when its process ends, however it ends (SIGKILL and the out-of-memory killer included), so a lock
that can be taken means a dead owner, whatever process now has its id.

:func:`clear_dead` removes the folders whose owner is dead: it takes the lock (so that no other
run clears the same folder at once), kills the LibreOffice processes left running for anything
inside the folder (their whole process group), removes the folder, then the lock. A folder whose
lock is held is never touched; a folder of the kind without any lock file is the debris of a
run that died after it had unlocked it, or of an earlier version that made no locks, and is
removed once nothing in it changed for :data:`UNLOCKED_GRACE` seconds.
:func:`make` clears the dead folders of its kind beside the one it makes.

A run removes only what it made: its own folders (:func:`release`) and, through
:func:`new_folders` and :func:`remove_empty`, an output folder it created only when nothing else
is in it (another run may be writing there).

Uses the standard library only; locks need ``fcntl`` and the processes are found in ``/proc``
(Linux). Without ``fcntl`` folders are made without locks and nothing is ever cleared.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import secrets
import shutil
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not a POSIX system: no locks, nothing cleared
    fcntl = None

__all__ = ["ASIDE", "LOCK", "STAGING", "TOKEN", "claim", "clear_dead", "clear_dead_outputs", "folder", "make", "make_in",
           "new_folders", "record", "release", "remove_empty"]

#: Suffix of the lock file beside each folder: ``NAME.lock``.
LOCK = ".lock"
#: Shell pattern of the 8 random characters ending the name of each folder made here (the
#: length of :mod:`tempfile`'s too, so that folders of earlier versions match).
TOKEN = "????????"
#: A run's staging folder beside the output it becomes: ``.<name>.partial-XXXXXXXX``.
STAGING = ".partial-"
#: An earlier output moved aside while it is replaced: ``.<name>.old-XXXXXXXX``.
ASIDE = ".old-"

_held: dict[str, int] = {}  # lock path -> the open descriptor holding its flock
_held_lock = threading.Lock()
# programs of LibreOffice (and the worker driving it) that clear_dead may kill
_LIBREOFFICE = (b"soffice", b"soffice.bin", b"oosplash", b"uno_worker.py")
#: Seconds an unlocked folder of a cleared kind must have been left unchanged before it is taken
#: for a dead run's (a run of an earlier version makes its folders without locks).
UNLOCKED_GRACE = 600
_KILL_WAIT = 5  # seconds to wait for killed processes to end before removing their folder


def claim(parent: Path, prefix: str) -> Path:
    """A new name ``parent/<prefix><8 random characters>`` for this process: its lock file
    ``<name>.lock`` is created and held; nothing of that name exists. The caller makes the folder
    (or moves one there) and ends with :func:`release`.

    Raises OSError when ``parent`` cannot be written (FileNotFoundError when it is missing).
    """
    parent = Path(parent).absolute()
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        lock = _lock_of(path)
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                same = os.fstat(fd).st_ino == os.stat(lock).st_ino
            except OSError:  # another run took it for a dead one's in the moment before locking
                same = False
            if not same:
                os.close(fd)
                continue
        if os.path.lexists(path):  # debris of a dead run with the same name, unlocked
            _unlink(lock)
            os.close(fd)
            continue
        with _held_lock:
            _held[str(lock)] = fd
        _write(fd, _owner(path, {}))
        return path


def make(parent: Path, prefix: str, *, clear: bool = True) -> Path:
    """Make the folder ``parent/<prefix><8 random characters>`` (mode 700) with its lock held
    (:func:`claim`); with ``clear`` the dead folders ``parent/<prefix>????????`` are removed
    first (:func:`clear_dead`). End with :func:`release`.

    Raises OSError when ``parent`` cannot be written (FileNotFoundError when it is missing).
    """
    if clear:
        clear_dead(parent, f"{prefix}{TOKEN}")
    path = claim(parent, prefix)
    try:
        path.mkdir(mode=0o700)
    except BaseException:
        release(path)
        raise
    return path


@contextmanager
def folder(parent: Path, prefix: str) -> Iterator[Path]:
    """:func:`make` a folder for the block, :func:`release` it (removed with its contents) after."""
    path = make(parent, prefix)
    try:
        yield path
    finally:
        release(path)


def record(path: Path, **facts: object) -> None:
    """Add ``facts`` (JSON values) to what the lock of ``path``, a folder of this process, says;
    ``libreoffice=[process group ids]`` names the LibreOffice started for the folder, which
    :func:`clear_dead` kills if this process dies first, and ``sockets=[paths]`` the socket files
    of its pipes, which it then removes. A folder not held does nothing."""
    lock = str(_lock_of(Path(path).absolute()))
    with _held_lock:
        fd = _held.get(lock)
        if fd is not None:
            _write(fd, _owner(Path(path).absolute(), facts))


def release(path: Path, *, remove: bool = True) -> None:
    """End this process's hold of ``path``: remove the folder (with ``remove``; whatever is left
    of it), then its lock file, then unlock. Idempotent; errors in removing are ignored."""
    path = Path(path).absolute()
    lock = _lock_of(path)
    with _held_lock:
        fd = _held.pop(str(lock), None)
    if remove:
        shutil.rmtree(path, ignore_errors=True)
    if fd is not None:
        _unlink(lock)
        os.close(fd)


def clear_dead(parent: Path, pattern: str, *, salvage: Callable[[Path], bool] | None = None) -> list[Path]:
    """Remove the folders ``parent/NAME`` (``NAME`` matching the shell pattern ``pattern``)
    whose owner is dead: the lock ``NAME.lock`` is free, or missing. The LibreOffice processes
    still running for anything inside such a folder are killed first (their whole process
    group). ``salvage(path)`` is asked first for each dead folder and returns True when it has
    moved the folder away itself. Folders and locks of other users are left alone.

    Returns the folders removed (or salvaged). Never raises for what it cannot remove.
    """
    if fcntl is None:
        return []
    parent = Path(parent).absolute()
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return []
    uid = os.geteuid()
    names: dict[str, bool] = {}  # name -> has a lock file
    for entry in entries:
        name = entry.name
        base = name[: -len(LOCK)] if name.endswith(LOCK) else name
        if not fnmatch.fnmatchcase(base, pattern):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != uid:
                continue
        except OSError:
            continue
        names[base] = names.get(base, False) or name.endswith(LOCK)
    cleared = []
    for base, locked in sorted(names.items()):
        path = parent / base
        if locked:
            if _clear_locked(path, salvage):
                cleared.append(path)
        elif path.is_dir() and not path.is_symlink() and _idle(path):
            _kill_libreoffice(path, [])
            if not (salvage and salvage(path)):
                shutil.rmtree(path, ignore_errors=True)
            cleared.append(path)
    return cleared


def make_in(out_dir: Path, prefix: str) -> tuple[Path, list[Path]]:
    """:func:`make` a folder of this run (without clearing) inside ``out_dir``, making
    ``out_dir`` and its missing parents first; return the folder and the folders made for
    ``out_dir``, deepest first, for :func:`remove_empty` when the run ends without output.
    Tries again when another run removes ``out_dir`` in between (empty, and made by it).

    Raises OSError when the folders cannot be made (none made is left).
    """
    created: list[Path] = []
    attempts = 5
    while True:
        attempts -= 1
        try:
            created += [f for f in new_folders(out_dir) if f not in created]
            return make(out_dir, prefix, clear=False), _deepest_first(created)
        except FileNotFoundError:
            if attempts:
                continue
            remove_empty(_deepest_first(created))
            raise
        except BaseException:
            remove_empty(_deepest_first(created))
            raise


def clear_dead_outputs(out_dir: Path) -> list[Path]:
    """Clear what runs that died left in the output folder ``out_dir``: their staging folders
    (``.<name>.partial-XXXXXXXX``), and earlier outputs moved aside while being replaced
    (``.<name>.old-XXXXXXXX``), which go back to ``<name>`` when that is missing, else are
    removed (:func:`clear_dead`). Returns the folders removed or put back."""
    out_dir = Path(out_dir)
    return [*clear_dead(out_dir, f".*{STAGING}{TOKEN}"), *clear_dead(out_dir, f".*{ASIDE}{TOKEN}", salvage=_put_back)]


def new_folders(path: Path) -> list[Path]:
    """Make the folder ``path`` and any missing parents; return those made, deepest first (for
    :func:`remove_empty`). Raises OSError as :meth:`Path.mkdir` does."""
    path = Path(path).absolute()
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    path.mkdir(parents=True, exist_ok=True)
    return missing


def remove_empty(folders: list[Path]) -> None:
    """Remove each of ``folders`` (deepest first) that is empty, stopping at the first that is
    not: a folder made by this run is removed only if no other run has put anything in it."""
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            return


# -- inside ------------------------------------------------------------------------------------

def _put_back(aside: Path) -> bool:
    """An output moved aside by a run that died goes back to its name when that is free."""
    final = aside.with_name(aside.name[1:aside.name.rindex(ASIDE)])
    if final.exists():
        return False
    try:
        os.replace(aside, final)
    except OSError:
        return False
    return True


def _idle(path: Path) -> bool:
    """True when nothing in the folder ``path`` (itself and its direct entries) changed for
    :data:`UNLOCKED_GRACE` seconds: an unlocked folder may be a live run of an earlier version,
    which made its folders without locks, and is left alone while it is being written."""
    limit = time.time() - UNLOCKED_GRACE
    try:
        if path.lstat().st_mtime > limit:
            return False
        return all(entry.stat(follow_symlinks=False).st_mtime <= limit for entry in os.scandir(path))
    except OSError:
        return False


def _deepest_first(folders: list[Path]) -> list[Path]:
    return sorted(folders, key=lambda f: len(f.parts), reverse=True)


def _lock_of(path: Path) -> Path:
    return path.with_name(path.name + LOCK)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write(fd: int, facts: dict) -> None:
    data = (json.dumps(facts, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _owner(path: Path, facts: dict) -> dict:
    """What a lock says: the folder, the owner and how to recognise it, and ``facts``."""
    pid = os.getpid()
    ticks, started = _process_start(pid)
    owner = {"folder": str(path), "pid": pid, "process_start_ticks": ticks, "started": started,
             "command": " ".join(sys.argv)[:500]}
    try:
        current = json.loads(os.pread(_held[str(_lock_of(path))], 1 << 16, 0))
        owner.update({k: v for k, v in current.items() if k not in owner})
    except (KeyError, OSError, ValueError):
        pass
    owner.update(facts)
    return owner


def _process_start(pid: int) -> tuple[int | None, str | None]:
    """When process ``pid`` started: clock ticks after boot (with the pid, what identifies the
    process), and as UTC date and time; ``(None, None)`` without ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
        ticks = int(stat[stat.rindex(b")") + 2:].split()[19])
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None, None
    seconds = boot + ticks // os.sysconf("SC_CLK_TCK")
    return ticks, dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat()


def _clear_locked(path: Path, salvage: Callable[[Path], bool] | None) -> bool:
    """Clear ``path`` if its lock can be taken; False when its owner lives (or it is gone)."""
    lock = _lock_of(path)
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: a live run's
        try:
            if os.fstat(fd).st_ino != os.stat(lock).st_ino:
                return False  # released and removed meanwhile
        except OSError:
            return False
        try:
            facts = json.loads(os.pread(fd, 1 << 16, 0) or b"{}")
            groups = [int(g) for g in facts.get("libreoffice", [])]
            sockets = [str(s) for s in facts.get("sockets", [])]
        except (OSError, ValueError, TypeError, AttributeError):
            groups, sockets = [], []
        _kill_libreoffice(path, groups)
        for socket in sockets:  # its pipes, which a killed LibreOffice leaves behind
            try:
                if stat.S_ISSOCK(os.lstat(socket).st_mode):
                    os.unlink(socket)
            except OSError:
                pass
        if path.exists() and not (salvage and salvage(path)):
            shutil.rmtree(path, ignore_errors=True)
        _unlink(lock)
        return True
    finally:
        os.close(fd)


def _processes() -> Iterator[tuple[int, int, bytes, list[bytes]]]:
    """(pid, process group, state, arguments) of every process still running (``/proc``)."""
    try:
        entries = [e.name for e in os.scandir("/proc") if e.name.isdigit()]
    except OSError:
        return
    for name in entries:
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes()
            args = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if fields[0] != b"Z":  # a zombie has ended
            yield int(name), int(fields[2]), fields[0], args


def _kill_libreoffice(path: Path, groups: list[int]) -> None:
    """Kill the process groups of LibreOffice (or its worker) whose arguments name ``path`` or
    anything inside it, as a path or a file URL: the groups recorded for the folder and any other
    such LibreOffice. A group none of whose processes names the folder is left alone (its id may
    have been reused). Waits a few seconds for them to end."""
    markers = set()
    for form in (path, path.resolve()):
        markers |= {os.fsencode(str(form)) + b"/", form.as_uri().encode("ascii") + b"/"}
    own = os.getpgid(0)
    doomed = set()
    for pid, group, _state, args in _processes():
        if group in (own, 0, 1) or pid == os.getpid():
            continue
        names = any(m in arg + b"/" for arg in args for m in markers)
        programs = {arg.rsplit(b"/", 1)[-1] for arg in args[:3]}  # the program, or the script it runs
        if names and (group in groups or programs & set(_LIBREOFFICE)):
            doomed.add(group)
    for group in doomed:
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + _KILL_WAIT
    while doomed and time.monotonic() < deadline:
        if not any(group in doomed for _pid, group, _state, _args in _processes()):
            break
        time.sleep(0.05)
