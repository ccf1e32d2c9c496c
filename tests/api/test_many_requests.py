"""Many requests at once on a real server (uvicorn on loopback, the service's own database): none
stalls and none fails. Requests that each hold a database connection across the threads that run
their parts once stalled the whole process for the pool's 30-second timeout and then failed with
500, when more of them were in flight than the pool had connections."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn

from api.db import POOL_OVERFLOW, POOL_SIZE, REQUESTS_IN_FLIGHT
from api.models import Role


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_requests_in_flight_never_outnumber_the_connections():
    # the job workers of the serving process (2 by default) and their keeper need theirs too
    assert REQUESTS_IN_FLIGHT + 4 <= POOL_SIZE + POOL_OVERFLOW


def test_two_hundred_requests_at_once_all_answered(service):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(service.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    url = f"http://127.0.0.1:{port}"
    headers = service.auth(Role.manager)
    paths = ["/api/deadlines?days=3650", f"/api/cases/{service.own}", f"/api/cases/{service.own}/deadlines",
             "/api/cases"]

    def call(i: int) -> tuple[int, float]:
        started = time.monotonic()
        r = httpx.get(url + paths[i % len(paths)], headers=headers, timeout=60)
        return r.status_code, time.monotonic() - started

    try:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=200) as pool:
            results = list(pool.map(call, range(200)))
        took = time.monotonic() - started
    finally:
        server.should_exit = True
        thread.join(10)
    assert [code for code, _t in results if code != 200] == []
    # a stall shows as the pool's 30 s timeout; answered in turn they take a few seconds in all
    assert took < 25, f"200 requests took {took:.1f} s"


def test_a_body_too_large_is_refused_before_it_is_read(service):
    big = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'", "password": "x"}'
    r = service.client.post("/api/login", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_yaml_a_case_file_cannot_hold_is_a_problem_not_a_crash(service):
    headers = {**service.auth(Role.legal_staff), "Content-Type": "application/yaml"}
    for body in (b"case_id: !!set {a, b}\n", b"case_id: !!binary aGVsbG8=\n", b"? [a, b]\n: 1\n"):
        r = service.client.post("/api/cases", content=body, headers=headers)
        assert r.status_code == 422, (body, r.text)
