"""Load benchmark of ``GET /api/deadlines`` (the portfolio's deadlines, a page of 200 with their
chains) served by ``legaldocs serve`` (uvicorn) on loopback over 1,000,000 stored clocks, on
SQLite and on PostgreSQL. Prints requests per second and latency (p50, p90, p99, max) with 50
concurrent clients, each sending its next request when the last is answered, for 20 s.

    .venv/bin/python bench/bench_api_load.py [--clocks 1000000] [--clients 50] [--seconds 20]
        [--only sqlite|postgresql] [--query "days=30"] [--rate 0] [--client raw|httpx]

The data are those of ``bench_api_deadlines.py`` (same generator), in a temporary SQLite
database and a temporary PostgreSQL database (127.0.0.1:5432, created and dropped here). The
service runs as it would on a server (``legaldocs serve --workers 0``, its access log on, to a
file) and is called with a manager's bearer token, so every request passes the token check.

Clients: 50 keep-alive HTTP/1.1 connections from one asyncio process (``raw``: a request
written as bytes and the answer read by its Content-Length, so that the load generator, on the
same machine, takes as little CPU from the server as it can; ``httpx``: httpx.AsyncClient, which
costs the generator several times more CPU). Each answer is checked (status 200, a JSON array of
the page's size). ``--rate N`` paces the clients to N requests per second in all (an open load:
latency at that rate rather than at saturation); 0 (default) sends as fast as answers come.

With closed-loop clients the latency at saturation is the clients divided by the throughput
(Little's law): 50 clients under 50 ms p99 needs well over 1,000 answers a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import datetime as dt  # noqa: E402

from bench_api_deadlines import fill, temporary_database  # noqa: E402

from api.auth import issue_token  # noqa: E402
from api.db import session  # noqa: E402
from api.models import Role, TokenKind, User  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manager_token(engine) -> str:
    with session(engine) as s:
        user = User(username="load-manager", display_name="负载测试经理", role=Role.manager)
        s.add(user)
        s.commit()
        s.refresh(user)
        secret, _row = issue_token(s, user, TokenKind.api, name="load")
        return secret


def start_server(data_dir: Path, url: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "LEGALDOCS_DATABASE_URL": url, "LEGALDOCS_QUEUE_URL": "memory", "LANG": "C.UTF-8"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "legaldocs"), "serve", "--data", str(data_dir),
                             "--port", str(port), "--workers", "0"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the service stopped at start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the service did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []


async def _paced(stop_at: float, interval: float, start_offset: float):
    """The start time of each request of one client until ``stop_at``: as soon as the last is
    answered, or every ``interval`` seconds (from ``start_offset``) when paced."""
    next_at = time.perf_counter() + start_offset
    while True:
        if interval:
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at += interval
        t0 = time.perf_counter()
        if t0 >= stop_at:
            return
        yield t0


async def raw_client(port: int, request: bytes, expect_rows: int, stop_at: float, stats: Stats,
                     interval: float, start_offset: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    checked = False
    try:
        async for t0 in _paced(stop_at, interval, start_offset):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            stats.latencies.append(time.perf_counter() - t0)
            if status != b"200":
                stats.errors.append(status.decode() + " " + body[:200].decode(errors="replace"))
            elif not checked and expect_rows is not None:  # the first answer of each client read whole
                rows = json.loads(body)
                if not isinstance(rows, list) or len(rows) != expect_rows:
                    stats.errors.append(f"unexpected answer: {len(rows)} rows")
                checked = True
    finally:
        writer.close()


async def httpx_client(port: int, path: str, token: str, expect_rows: int, stop_at: float, stats: Stats,
                       interval: float, start_offset: float) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                                 timeout=60) as client:
        async for t0 in _paced(stop_at, interval, start_offset):
            r = await client.get(path)
            stats.latencies.append(time.perf_counter() - t0)
            if r.status_code != 200 or len(r.json()) != expect_rows:
                stats.errors.append(f"{r.status_code} {r.text[:200]}")


async def drive(port: int, path: str, token: str, clients: int, seconds: float, rate: float, kind: str,
                expect_rows: int) -> Stats:
    stats = Stats()
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
               f"Accept: application/json\r\n\r\n").encode()
    interval = clients / rate if rate else 0.0
    stop_at = time.perf_counter() + seconds
    tasks = []
    for i in range(clients):
        offset = interval * i / clients if interval else 0.0
        if kind == "raw":
            tasks.append(raw_client(port, request, expect_rows, stop_at, stats, interval, offset))
        else:
            tasks.append(httpx_client(port, path, token, expect_rows, stop_at, stats, interval, offset))
    await asyncio.gather(*tasks)
    return stats


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] * 1000


def warm(port: int, path: str, token: str, n: int = 20) -> int:
    """A few requests before timing; returns the page's size."""
    import httpx

    rows = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as c:
        for _ in range(n):
            r = c.get(path)
            if r.status_code != 200:
                raise SystemExit(f"warm-up: {r.status_code} {r.text[:300]}")
            rows = len(r.json())
    return rows


def run(kind: str, args) -> None:
    today = dt.date.today()
    with temporary_database(kind) as (url, engine):
        info = fill(engine, args.clocks, today)
        token = manager_token(engine)
        engine.dispose()
        with tempfile.TemporaryDirectory(prefix="ld-load-") as tmp:
            data_dir = Path(url.split("///", 1)[1]).parent if kind == "sqlite" else Path(tmp)
            port = free_port()
            log = Path(tmp) / "serve.log"
            proc = start_server(data_dir, url, port, log)
            try:
                path = "/api/deadlines" + (f"?{args.query}" if args.query else "")
                rows = warm(port, path, token)
                load = os.getloadavg()[0]
                cpu0 = _proc_cpu(proc.pid)
                t0 = time.perf_counter()
                stats = asyncio.run(drive(port, path, token, args.clients, args.seconds, args.rate, args.client, rows))
                wall = time.perf_counter() - t0
                server_cpu = _proc_cpu(proc.pid) - cpu0
            finally:
                stop_server(proc)
        lat = stats.latencies
        print(f"\n== {kind}: {args.clocks:,} clocks ({info['cases']:,} cases); GET {path} -> {rows} rows; "
              f"{args.clients} clients ({args.client}){f', paced to {args.rate:g}/s' if args.rate else ''}, "
              f"{args.seconds:g} s; load average before: {load:.2f} on {os.cpu_count()} CPUs")
        if not lat:
            print("no answer")
            return
        print(f"requests: {len(lat):,}  errors: {len(stats.errors)}  requests/s: {len(lat) / wall:,.0f}  "
              f"server CPU: {server_cpu / wall * 100:.0f} % of one core, "
              f"{server_cpu / len(lat) * 1000:.2f} ms a request")
        print(f"latency ms: p50 {pct(lat, 0.50):.1f}  p90 {pct(lat, 0.90):.1f}  p99 {pct(lat, 0.99):.1f}  "
              f"max {max(lat) * 1000:.1f}  mean {statistics.fmean(lat) * 1000:.1f}")
        for e in stats.errors[:5]:
            print("  error:", e)


def _proc_cpu(pid: int) -> float:
    """User and system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clocks", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rate", type=float, default=0, help="requests per second in all (0: as fast as answered)")
    ap.add_argument("--query", default="", help="query string of the request, e.g. 'days=7&branch=第03支行'")
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw")
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    args = ap.parse_args()
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args)


if __name__ == "__main__":
    main()
