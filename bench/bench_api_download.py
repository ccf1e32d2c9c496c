"""Memory of the service while it streams a large download: ``GET /api/cases/{id}/outputs/{n}``
of a 1 GiB stored file, served by ``legaldocs serve`` (uvicorn) on loopback.

    .venv/bin/python bench/bench_api_download.py [--mb 1024] [--slow-mb 256] [--slow-rate 64] [--keep]

A temporary data folder gets a SQLite database, a case, a finished job and an output of
``--mb`` MiB of random bytes stored in the evidence store (named ``证据材料（第一册）.pdf``), and a
manager's bearer token. The service runs as on a server (``legaldocs serve --workers 0``), and:

1. a fast client downloads the whole file with httpx, streaming (1 MiB reads), hashing as it goes;
2. a slow client reads the first ``--slow-mb`` MiB at ``--slow-rate`` MiB/s and hangs up, so
   the server must hold back what the client does not take yet (flow control) instead of
   buffering the file;
3. a range request (``bytes=<middle>-``) downloads the second half.

Printed: the server process's resident memory (``VmRSS``) and peak (``VmHWM``) from
``/proc/<pid>/status`` before the downloads (after start-up and one small request), the peak of
each phase (``VmHWM`` reset through ``/proc/<pid>/clear_refs`` before it, and ``VmRSS`` sampled
every 10 ms), the throughput in MB/s (10^6 bytes a second) and whether the bytes' SHA-256 matched
the stored file's. The aim: memory flat (the peak during a download within a few MiB of the
memory before it), under 100 MB of growth whatever the file's size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from api.auth import issue_token  # noqa: E402
from api.db import make_engine, migrate, session  # noqa: E402
from api.models import Blob, CaseRecord, Job, JobStatus, Output, Role, TokenKind, User  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.store import EvidenceStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
NAME = "证据材料（第一册）.pdf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` memory field (``VmRSS``, ``VmHWM``) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> bool:
    """Reset the process's ``VmHWM`` to its current RSS (Linux 4.0+); whether it worked."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Sampler:
    """``VmRSS`` of ``pid`` every ``interval`` seconds, in a thread; ``peak`` in KiB."""

    def __init__(self, pid: int, interval: float = 0.01):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, status_kib(self.pid, "VmRSS"))
            time.sleep(self.interval)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def make_file(path: Path, mib: int) -> str:
    """``mib`` MiB of random bytes at ``path``; their SHA-256."""
    h = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(mib):
            block = os.urandom(MIB)
            h.update(block)
            out.write(block)
    return h.hexdigest()


def prepare(data_dir: Path, mib: int) -> tuple[str, str, str, int]:
    """The data folder with the output stored: (token, case id, sha256, output id)."""
    settings = Settings(data_dir=data_dir)
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = EvidenceStore(settings.store_dir)
    source = data_dir / "source.bin"
    expected = make_file(source, mib)
    digest, size, _new = store.put_file(source)
    source.unlink()
    assert digest == expected
    with session(engine) as s:
        user = User(username="bench-manager", display_name="基准测试经理", role=Role.manager)
        case = CaseRecord(case_id="BENCH-DL-1", title="下载基准", data={})
        s.add_all([user, case])
        s.commit()
        token, _row = issue_token(s, user, TokenKind.api, name="bench")
        job = Job(id=uuid.uuid4().hex, kind="packet", case_pk=case.id, status=JobStatus.done, progress=100)
        s.add_all([Blob(sha256=digest, size=size, kind="pdf"), job])
        s.flush()
        out = Output(job_id=job.id, case_pk=case.id, kind="pdf", name=NAME, sha256=digest, size=size)
        s.add(out)
        s.commit()
        output_id = out.id
    engine.dispose()
    return token, "BENCH-DL-1", digest, output_id


def start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "LEGALDOCS_QUEUE_URL": "memory", "LANG": "C.UTF-8"}
    env.pop("LEGALDOCS_DATABASE_URL", None)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "legaldocs"), "serve", "--data", str(data_dir),
                             "--port", str(port), "--workers", "0"], cwd=ROOT, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the service stopped at start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the service did not answer within 120 s")


def download(url: str, headers: dict, limit: int | None = None,
             rate_mib: float | None = None) -> tuple[int, str, float, int]:
    """Stream ``url``: (bytes read, their SHA-256, seconds, status). ``limit``: stop after so many
    bytes (hanging up); ``rate_mib``: read no faster than that many MiB a second."""
    h, got = hashlib.sha256(), 0
    started = time.perf_counter()
    with httpx.Client(timeout=httpx.Timeout(60.0)) as client, client.stream("GET", url, headers=headers) as r:
        for chunk in r.iter_raw(MIB):
            h.update(chunk)
            got += len(chunk)
            if rate_mib:
                ahead = got / (rate_mib * MIB) - (time.perf_counter() - started)
                if ahead > 0:
                    time.sleep(ahead)
            if limit is not None and got >= limit:
                break
        status = r.status_code
    return got, h.hexdigest(), time.perf_counter() - started, status


def phase(pid: int, label: str, run) -> tuple:
    """Run ``run()`` with the server's peak reset before and sampled during; print the figures."""
    reset = reset_peak(pid)
    before = status_kib(pid, "VmRSS")
    with Sampler(pid) as sampler:
        result = run()
    hwm = status_kib(pid, "VmHWM")
    peak = max(sampler.peak, hwm if reset else 0)
    print(f"{label}: server RSS before {before / 1024:.1f} MiB, peak during {peak / 1024:.1f} MiB "
          f"(+{(peak - before) / 1024:.1f} MiB; sampled VmRSS peak {sampler.peak / 1024:.1f} MiB"
          f"{'' if reset else ', VmHWM could not be reset'}), after {status_kib(pid, 'VmRSS') / 1024:.1f} MiB")
    return result, peak - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the file in MiB (default 1024: 1 GiB)")
    parser.add_argument("--slow-mb", type=int, default=256, help="MiB the slow client reads before hanging up")
    parser.add_argument("--slow-rate", type=float, default=64, help="the slow client's rate in MiB/s")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="legaldocs-bench-dl-"))
    proc = None
    try:
        t = time.perf_counter()
        token, case_id, digest, output_id = prepare(data_dir, args.mb)
        size = args.mb * MIB
        print(f"stored {args.mb} MiB as output {output_id} ({digest[:16]}…) in {time.perf_counter() - t:.1f} s; "
              f"data in {data_dir}")
        port = free_port()
        proc = start_server(data_dir, port, data_dir / "serve.log")
        pid = proc.pid
        url = f"http://127.0.0.1:{port}/api/cases/{case_id}/outputs/{output_id}"
        headers = {"Authorization": f"Bearer {token}"}
        head = httpx.head(url, headers=headers)
        assert head.status_code == 200 and head.headers["content-length"] == str(size), head
        print(f"server pid {pid}: RSS {status_kib(pid, 'VmRSS') / 1024:.1f} MiB, "
              f"peak since start (VmHWM) {status_kib(pid, 'VmHWM') / 1024:.1f} MiB, before any download")

        (got, sha, seconds, status), grew_full = phase(pid, "whole file", lambda: download(url, headers))
        ok = status == 200 and got == size and sha == digest
        print(f"  {got / MIB:.0f} MiB in {seconds:.2f} s = {got / seconds / 1e6:.0f} MB/s; "
              f"status {status}; SHA-256 {'matches' if sha == digest else 'DIFFERS'}")

        limit = min(args.slow_mb, args.mb) * MIB
        (got_s, _sha, seconds_s, status_s), grew_slow = phase(
            pid, f"slow client ({args.slow_rate:g} MiB/s, hangs up after {limit // MIB} MiB)",
            lambda: download(url, headers, limit=limit, rate_mib=args.slow_rate))
        print(f"  {got_s / MIB:.0f} MiB in {seconds_s:.2f} s = {got_s / seconds_s / 1e6:.0f} MB/s; status {status_s}")

        middle = size // 2
        expected_half = hashlib.sha256()
        with (EvidenceStore(data_dir / "store").path(digest)).open("rb") as f:
            f.seek(middle)
            while block := f.read(MIB):
                expected_half.update(block)
        (got_r, sha_r, seconds_r, status_r), grew_range = phase(
            pid, f"range bytes={middle}-", lambda: download(url, {**headers, "Range": f"bytes={middle}-"}))
        ok_range = status_r == 206 and got_r == size - middle and sha_r == expected_half.hexdigest()
        print(f"  {got_r / MIB:.0f} MiB in {seconds_r:.2f} s = {got_r / seconds_r / 1e6:.0f} MB/s; status {status_r}; "
              f"SHA-256 of the range {'matches' if sha_r == expected_half.hexdigest() else 'DIFFERS'}")

        print(f"server RSS after all downloads {status_kib(pid, 'VmRSS') / 1024:.1f} MiB")
        flat = max(grew_full, grew_slow, grew_range) < 100 * 1024
        print(f"memory flat (growth under 100 MiB in every phase): {'yes' if flat else 'NO'}; "
              f"bytes intact: {'yes' if ok and ok_range else 'NO'}")
        return 0 if flat and ok and ok_range else 1
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
