"""Packet runs side by side, and after a run killed with SIGKILL: real ``legaldocs packet``
processes, the real LibreOffice, a private temporary folder (TMPDIR) each test.

* A run that fails removes only what it made: another run's packet in the same new ``--out``
  stays whole, whichever ends first, and nothing of the failed run is left.
* A live run's folders are never touched by another run.
* A run killed with SIGKILL leaves its staging folder, its work folder and possibly its
  LibreOffice; the next run clears them all before it starts, and builds a whole packet.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from PIL import Image
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
LEGALDOCS = Path(sys.executable).parent / "legaldocs"
CASE_ID = "DEMO-2025-001"
SLOW_EXHIBITS = 6  # large scans, each taking most of a second to take in
WAIT = 180  # seconds a run may take to reach a point the test waits for (the machine may be busy)


# -- inputs -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exhibits(tmp_path_factory) -> dict[str, Path]:
    """A large scan (slow to take in) and a PDF cut after 400 bytes (no page tree, no trailer:
    cannot be repaired), made here so that the tests need nothing outside the repository."""
    folder = tmp_path_factory.mktemp("exhibits")
    scan = folder / "large-scan.png"
    Image.frombytes("RGB", (2480, 3508), os.urandom(2480 * 3508 * 3)).save(scan, compress_level=1)  # A4 at 300 dpi
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(72, 720, "Loan receipt")
    page.setFont("Helvetica", 11)
    page.drawString(72, 700, "Amount: 500000.00")
    page.showPage()
    page.save()
    broken = folder / "broken.pdf"
    broken.write_bytes(buffer.getvalue()[:400])
    return {"scan": scan, "broken": broken}


def _case(folder: Path, *extra: tuple[str, Path]) -> Path:
    """A copy of the demo case in ``folder`` (exhibit files by absolute path), with the exhibits
    ``extra`` ((title, file), ...) after the demo's."""
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / name).resolve()) for name in item["files"]]
    for number, (title, path) in enumerate(extra, start=1):
        data["evidence"].append({"id": f"X{number}", "title": title, "files": [str(path)],
                                 "purpose": "原告已依约发放借款", "group": "借款事实"})
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _slow(exhibits: dict[str, Path]) -> list[tuple[str, Path]]:
    return [(f"借款借据扫描件（第{n}份）", exhibits["scan"]) for n in range(1, SLOW_EXHIBITS + 1)]


# -- runs and what they leave ---------------------------------------------------------------------

def _start(case: Path, out: Path, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen([str(LEGALDOCS), "packet", str(case), "--out", str(out), "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=case.parent)


def _finish(run: subprocess.Popen) -> tuple[int, str]:
    _out, err = run.communicate(timeout=600)
    return run.returncode, err


def _staging(out: Path) -> list[Path]:
    return sorted(p for p in out.glob(f".{CASE_ID}.partial-*") if p.is_dir()) if out.is_dir() else []


def _wait_for(condition, run: subprocess.Popen, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if run.poll() is not None:
            pytest.fail(f"the run ended (exit {run.returncode}) before {what}: {run.stderr.read()}")
        time.sleep(0.05)
    pytest.fail(f"no {what} within {WAIT} s")


def _processes() -> list[tuple[int, int, list[str]]]:
    """(pid, parent pid, arguments) of every running process (zombies left out)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            args = (stat.parent / "cmdline").read_bytes().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if fields[0] != "Z":
            found.append((int(stat.parent.name), int(fields[1]), args))
    return found


def _libreoffice(tmp: Path, programs=("soffice", "soffice.bin", "oosplash", "uno_worker.py")) -> list[int]:
    """LibreOffice processes (and their workers) of runs whose temporary folder is ``tmp``."""
    return [pid for pid, _parent, args in _processes()
            if any(str(tmp) in a for a in args) and set(programs) & {a.rsplit("/", 1)[-1] for a in args[:3]}]


def _soffice(tmp: Path) -> list[int]:
    """LibreOffice itself (not only its worker, which starts it) of runs whose temporary folder is ``tmp``."""
    return _libreoffice(tmp, ("soffice.bin",))


def _gone(pids_of, seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := pids_of()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _assert_whole_packet(out: Path) -> None:
    """``out`` holds the one packet folder, nothing hidden beside it, every file the manifest
    lists there as built, and a bundle with its exhibits."""
    assert sorted(p.name for p in out.iterdir()) == [CASE_ID]
    folder = out / CASE_ID
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["case_id"] == CASE_ID and len(manifest["outputs"]) >= 10
    for entry in manifest["outputs"]:
        data = (folder / entry["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"]), entry["path"]
    zip_sum = (folder / "packet.zip.sha256").read_text().split()[0]
    assert hashlib.sha256((folder / "packet.zip").read_bytes()).hexdigest() == zip_sum
    text = subprocess.run(["pdftotext", str(folder / "证据材料.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "证据目录" in text and "借款借据" in text
    names = {entry["path"] for entry in manifest["outputs"]}
    assert {"民事起诉状.pdf", "证据目录.pdf", "证据材料.pdf"} <= names


def _assert_nothing_left(tmp: Path) -> None:
    assert sorted(p.name for p in tmp.iterdir()) == [], "work or LibreOffice folders left in the temporary folder"
    assert not _gone(lambda: _libreoffice(tmp)), "LibreOffice left running"


@pytest.fixture
def places(tmp_path) -> tuple[Path, Path]:
    """(a new --out shared by the runs, a private temporary folder for them); LibreOffice that a
    failed test left running is killed at the end."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    yield tmp_path / "out", tmp
    for pid in _libreoffice(tmp):
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture
def started():
    """Runs started by a test, killed at its end if still running."""
    runs: list[subprocess.Popen] = []
    yield runs
    for run in runs:
        if run.poll() is None:
            run.send_signal(signal.SIGCONT)
            run.kill()
            run.communicate()


# -- a failing run beside another ----------------------------------------------------------------

def test_a_failing_run_leaves_the_packet_of_a_run_ending_first(tmp_path, exhibits, places, started):
    out, tmp = places
    failing = _case(tmp_path / "a", *_slow(exhibits), ("借款借据（电子版）", exhibits["broken"]))
    a = _start(failing, out, tmp)
    started.append(a)
    _wait_for(lambda: _staging(out), a, "staging folder of the failing run")  # it made --out
    _wait_for(lambda: _soffice(tmp), a, "LibreOffice of the failing run")
    held = [*_staging(out), *tmp.iterdir()]  # its staging, work and LibreOffice folders, and their locks
    a.send_signal(signal.SIGSTOP)  # alive, its work under way, while the other runs start to end
    try:
        b = _start(_case(tmp_path / "b"), out, tmp)
        started.append(b)
        code, err = _finish(b)
        assert code == 0, err
        # the live run's folders, locks and LibreOffice were left alone by the other's clearing
        assert all(p.exists() for p in held) and all(Path(f"{p}.lock").exists() for p in held if p.is_dir())
        assert _soffice(tmp)
    finally:
        a.send_signal(signal.SIGCONT)
    code, err = _finish(a)
    assert code == 2 and "broken.pdf" in err, err
    _assert_whole_packet(out)
    _assert_nothing_left(tmp)


def test_a_run_failing_first_leaves_the_output_folder_to_a_run_still_writing(tmp_path, exhibits, places, started):
    out, tmp = places
    failing = _case(tmp_path / "a", *_slow(exhibits)[:2], ("借款借据（电子版）", exhibits["broken"]))
    a = _start(failing, out, tmp)
    started.append(a)
    mine = _wait_for(lambda: _staging(out), a, "staging folder of the failing run")
    b = _start(_case(tmp_path / "b"), out, tmp)
    started.append(b)
    theirs = _wait_for(lambda: [p for p in _staging(out) if p not in mine], b, "staging folder of the second run")
    b.send_signal(signal.SIGSTOP)  # the second run paused with its packet half built in --out
    try:
        code, err = _finish(a)
        assert code == 2 and "broken.pdf" in err, err
        assert out.is_dir() and len(_staging(out)) == 1 and _staging(out)[0] in theirs
    finally:
        b.send_signal(signal.SIGCONT)
    code, err = _finish(b)
    assert code == 0, err
    _assert_whole_packet(out)
    _assert_nothing_left(tmp)


# -- a run killed with SIGKILL, then a clean run ----------------------------------------------------

@pytest.mark.parametrize("with_worker", [False, True], ids=["packet-killed", "packet-and-libreoffice-worker-killed"])
def test_the_debris_of_a_killed_run_is_cleared_by_the_next_run(tmp_path, exhibits, places, started, with_worker):
    out, tmp = places
    a = _start(_case(tmp_path / "a", *_slow(exhibits)), out, tmp)
    started.append(a)
    staging = _wait_for(lambda: _staging(out), a, "staging folder")
    _wait_for(lambda: _soffice(tmp), a, "LibreOffice")
    # the socket files of LibreOffice's pipes (in /tmp, whatever TMPDIR), named in its folder's lock
    sockets = [Path(p) for lock in tmp.glob("legaldocs-office-*.lock")
               for p in json.loads(lock.read_text(encoding="utf-8"))["sockets"]]
    assert sockets
    if with_worker:  # killed with it (as the out-of-memory killer or a kill -9 of both would)
        a.send_signal(signal.SIGSTOP)  # neither may see the other go and end LibreOffice first
        workers = [pid for pid, parent, args in _processes() if parent == a.pid and any("uno_worker" in x for x in args)]
        assert workers, "the run's LibreOffice worker was not found"
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
    a.kill()  # SIGKILL: no clean-up of its own
    a.communicate()
    # the debris: staging folder and its lock in --out, the work folder in the temporary folder
    assert staging[0].is_dir() and Path(f"{staging[0]}.lock").is_file()
    work = [p for p in tmp.glob("legaldocs-work-*") if p.is_dir()]
    assert work and Path(f"{work[0]}.lock").is_file()
    if with_worker:  # ... and LibreOffice, still running with its profile
        time.sleep(1)
        assert _soffice(tmp), "LibreOffice should outlive a worker killed with its run"
        assert [p for p in tmp.glob("legaldocs-office-*") if p.is_dir()]
    else:  # the worker saw its caller go and ended LibreOffice itself
        assert not _gone(lambda: _libreoffice(tmp))

    b = _start(_case(tmp_path / "b"), out, tmp)
    started.append(b)
    code, err = _finish(b)
    assert code == 0, err
    assert not staging[0].exists() and not work[0].exists()
    assert not [p for p in sockets if p.exists()], "LibreOffice's pipes left behind"
    _assert_whole_packet(out)
    _assert_nothing_left(tmp)
