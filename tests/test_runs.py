"""legaldocs.runs: folders locked by the run that made them, and the clearing of dead runs' folders.

Owners are real processes: a live one holds its locks, a killed one (SIGKILL) has its locks
released by the kernel; the processes a dead run leaves running are real processes too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from legaldocs import runs

ROOT = Path(__file__).resolve().parents[1]


def _owner(parent: Path, prefix: str, *, extra: str = "") -> tuple[subprocess.Popen, Path]:
    """A process that makes a folder ``parent/<prefix>XXXXXXXX`` and keeps it; returns it and the folder."""
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from legaldocs import runs
        folder = runs.make(Path({str(parent)!r}), {prefix!r})
        {extra}
        print(folder, flush=True)
        time.sleep(600)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = process.stdout.readline().strip()
    assert line, "the owner did not start"
    return process, Path(line)


def _kill(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _sleeper(*args: str) -> subprocess.Popen:
    """A process in a session (and process group) of its own, arguments ``args`` for show."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", *args], start_new_session=True)


def test_a_live_runs_folder_is_kept_and_a_dead_runs_is_cleared(tmp_path):
    live, live_folder = _owner(tmp_path, "work-")
    dead, dead_folder = _owner(tmp_path, "work-")
    try:
        (dead_folder / "half.pdf").write_bytes(b"%PDF-1.7 half")
        (live_folder / "being-written.pdf").write_bytes(b"%PDF-1.7")
        said = json.loads(Path(f"{live_folder}{runs.LOCK}").read_text())
        assert said["pid"] == live.pid and said["folder"] == str(live_folder) and said["started"]
        _kill(dead)
        assert dead_folder.is_dir(), "a killed run's folder stays until a later run clears it"
        assert runs.clear_dead(tmp_path, f"work-{runs.TOKEN}") == [dead_folder]
        assert sorted(p.name for p in tmp_path.iterdir()) == [live_folder.name, f"{live_folder.name}{runs.LOCK}"]
        assert (live_folder / "being-written.pdf").is_file()
    finally:
        _kill(live)
    assert runs.clear_dead(tmp_path, f"work-{runs.TOKEN}") == [live_folder]
    assert list(tmp_path.iterdir()) == []


def test_a_folder_of_this_process_and_folders_of_other_kinds_are_not_cleared(tmp_path):
    mine = runs.make(tmp_path, "work-")
    other = tmp_path / "photos-abcdefgh"
    other.mkdir()
    unlocked_file = tmp_path / "work-12345678"
    unlocked_file.write_text("a file, not a folder of a run")
    try:
        assert runs.clear_dead(tmp_path, f"work-{runs.TOKEN}") == []
        assert mine.is_dir() and other.is_dir() and unlocked_file.is_file()
    finally:
        runs.release(mine)
    assert not mine.exists() and not Path(f"{mine}{runs.LOCK}").exists()


def test_a_folder_without_a_lock_is_a_dead_runs_once_left_unchanged(tmp_path):
    # made by an earlier version (tempfile), or left by a run killed after it unlocked it; while
    # it is being written it may be a live run of an earlier version, which made no locks
    legacy = tmp_path / "legaldocs-work-k3j_x9qa"
    (legacy / "exhibit-001").mkdir(parents=True)
    assert runs.clear_dead(tmp_path, f"legaldocs-work-{runs.TOKEN}") == []
    assert legacy.is_dir()
    old = time.time() - runs.UNLOCKED_GRACE - 5
    for path in (legacy / "exhibit-001", legacy):
        os.utime(path, (old, old))
    assert runs.clear_dead(tmp_path, f"legaldocs-work-{runs.TOKEN}") == [legacy]
    assert not legacy.exists()


def test_making_a_folder_clears_the_dead_ones_of_its_kind(tmp_path):
    dead, dead_folder = _owner(tmp_path, ".soffice-")
    _kill(dead)
    made = runs.make(tmp_path, ".soffice-")
    try:
        assert not dead_folder.exists() and not Path(f"{dead_folder}{runs.LOCK}").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == [made.name, f"{made.name}{runs.LOCK}"]
    finally:
        runs.release(made)


def test_libreoffice_left_by_a_dead_run_is_killed_and_unrelated_processes_are_not(tmp_path):
    # stand-ins for LibreOffice: processes in groups of their own whose arguments name the folder,
    # and the socket file of a pipe, left as a killed LibreOffice leaves it (bound, then not closed
    # cleanly); a file that is not a socket is never removed, whatever a lock says
    pipe = tmp_path / "OSL_PIPE_test"
    other_file = tmp_path / "notes.txt"
    other_file.write_text("mine")
    script = textwrap.dedent(f"""
        import socket, subprocess, sys
        profile = str(folder / "profile-0")
        named = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", profile], start_new_session=True)
        listener = socket.socket(socket.AF_UNIX)
        listener.bind({str(pipe)!r})
        runs.record(folder, libreoffice=[named.pid], sockets=[{str(pipe)!r}, {str(other_file)!r}])
    """)
    dead, folder = _owner(tmp_path, "legaldocs-office-", extra=script.replace("\n", "\n        "))
    # a process group named in the lock whose processes do not name the folder: its id was reused
    stranger = _sleeper("/somewhere/else")
    # a process naming the folder that is not LibreOffice and not recorded (someone looking at it)
    onlooker = _sleeper(str(folder / "profile-0"))
    lock = Path(f"{folder}{runs.LOCK}")
    facts = json.loads(lock.read_text())
    recorded = facts["libreoffice"][0]
    assert facts["pid"] == dead.pid and _alive(recorded)
    try:
        _kill(dead)
        assert _alive(recorded), "the dead run's process outlives it until cleared"
        assert pipe.is_socket()
        # the group id the lock names is now another's: record it as if the run had started it
        lock.write_text(json.dumps({**facts, "libreoffice": [recorded, stranger.pid]}))
        assert runs.clear_dead(tmp_path, f"legaldocs-office-{runs.TOKEN}") == [folder]
        deadline = time.monotonic() + 10
        while _alive(recorded) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(recorded), "the process the dead run started for its folder was left running"
        assert _alive(stranger.pid) and _alive(onlooker.pid)
        assert not folder.exists() and not lock.exists()
        assert not pipe.exists() and other_file.read_text() == "mine"
    finally:
        for process in (stranger, onlooker):
            _kill(process)
        try:
            os.killpg(recorded, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_an_output_moved_aside_goes_back_when_its_run_died_before_replacing_it(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # killed between moving the earlier packet aside and moving the new one into place
    dead, aside = _owner(out, f".CASE-1{runs.ASIDE}")
    aside.rmdir()
    (out / "CASE-1").mkdir()
    (out / "CASE-1" / "manifest.json").write_text("{}")
    os.replace(out / "CASE-1", aside)
    # killed after the new one was in place: the earlier one is only debris
    dead2, aside2 = _owner(out, f".CASE-2{runs.ASIDE}")
    (out / "CASE-2").mkdir()
    (aside2 / "old.pdf").write_bytes(b"%PDF-1.7 old")
    _kill(dead)
    _kill(dead2)
    assert sorted(runs.clear_dead_outputs(out)) == sorted([aside, aside2])
    assert sorted(p.name for p in out.iterdir()) == ["CASE-1", "CASE-2"]
    assert (out / "CASE-1" / "manifest.json").read_text() == "{}"
    assert list((out / "CASE-2").iterdir()) == []


def test_a_run_removes_the_output_folder_it_made_only_when_empty(tmp_path):
    out = tmp_path / "new" / "out"
    staging, made = runs.make_in(out, f".CASE{runs.STAGING}")
    assert made == [out, out.parent]
    other = runs.make(out, f".OTHER{runs.STAGING}")  # another run writing there
    runs.release(staging)
    runs.remove_empty(made)
    assert out.is_dir() and other.is_dir()
    runs.release(other)
    runs.remove_empty(made)
    assert not out.parent.exists() and tmp_path.is_dir()
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(OSError):
        runs.make_in(tmp_path / "a-file" / "out", "x-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
