"""Concurrent writers on one case, over real HTTP (uvicorn on a free port, one client per writer),
on SQLite and on PostgreSQL: two writers holding the same ETag, exactly one wins and the other
gets 412, the case holds the winner's change and not the loser's (no lost update), twenty times
over; and ten events added at once without If-Match all land."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from api.models import Role


@pytest.fixture
def server(service):
    """The service's app served by uvicorn in a thread on a free port; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(service.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(20)
    sock.close()


def _together(calls):
    """Run the callables at the same moment (a barrier), each in its own thread; their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_writers_with_one_etag_one_wins_and_nothing_is_lost(service, server):
    h = service.auth(Role.legal_staff)
    url = f"{server}/api/cases/{service.own}"
    clients = [httpx.Client(timeout=60) for _ in range(2)]
    try:
        for round_ in range(20):
            first = clients[0].get(url, headers=h)
            tag, version = first.headers["etag"], first.json()["version"]
            officer = first.json()["officer_id"]
            changes = [{"branch": f"第{round_}轮支行"},
                       {"officer_id": None if officer else service.users[Role.legal_staff].id}]

            def writer(i):
                return lambda: clients[i].patch(url, json=changes[i], headers={**h, "If-Match": tag})

            answers = _together([writer(0), writer(1)])
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200, 412], (round_, [(a.status_code, a.text[:200]) for a in answers])
            winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
            loser = 1 - winner
            assert answers[loser].json() == {"detail": "案件已被他人修改，请重新读取后再提交"}
            now = clients[0].get(url, headers=h).json()
            assert now["version"] == version + 1
            field, value = next(iter(changes[winner].items()))
            assert now[field] == value, (round_, winner, now)
            lost_field, lost_value = next(iter(changes[loser].items()))
            assert now[lost_field] != lost_value, (round_, "the refused change was written", now)
            assert answers[winner].headers["etag"] == f'"v{version + 1}"'
    finally:
        for c in clients:
            c.close()


def test_ten_events_added_at_once_all_land(service, server):
    h = service.auth(Role.legal_staff)
    url = f"{server}/api/cases/{service.own}"
    with httpx.Client(timeout=60) as c:
        before = c.get(url, headers=h).json()
    events_before = len(before["data"]["events"])
    template = dict(before["data"]["events"][0])
    clients = [httpx.Client(timeout=120) for _ in range(10)]
    try:
        def adder(i):
            body = {**template, "note": f"并发事件{i}"}
            return lambda: clients[i].post(f"{url}/events", json=body, headers=h)

        answers = _together([adder(i) for i in range(10)])
    finally:
        for c in clients:
            c.close()
    assert [a.status_code for a in answers] == [201] * 10, [(a.status_code, a.text[:200]) for a in answers]
    with httpx.Client(timeout=60) as c:
        after = c.get(url, headers=h).json()
    assert len(after["data"]["events"]) == events_before + 10
    notes = [e.get("note") for e in after["data"]["events"]]
    assert sorted(n for n in notes if n and n.startswith("并发事件")) == sorted(f"并发事件{i}" for i in range(10))
    assert after["version"] == before["version"] + 10
    # each addition is in the audit log once
    with httpx.Client(timeout=60) as c:
        log = c.get(f"{server}/api/cases/{service.own}/audit", params={"action": "case.event"},
                    headers=service.auth(Role.manager)).json()
    assert log["total"] == 10
