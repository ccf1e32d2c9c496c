"""Deadlines over HTTP, on SQLite and PostgreSQL: one case's clocks, the portfolio's (each filter,
the order, the pages, the external counsel's scope, counts by branch), the iCalendar answers and
the calendar feed (its address shown once, rotated, revoked)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlmodel import delete, select

from api.models import ApiToken, AuditEntry, CaseRecord, Role, StoredClock, TokenKind, utcnow
from api.security import token_hash
from api.portfolio import ClockFilter, counts_by_branch, query_clocks
from api.settings import bank_today

DAY = dt.timedelta(days=1)


def _chain(when: dt.date, event: str) -> list[dict]:
    return [{"date": when.isoformat(), "event": event, "evidence": ["证据3"], "rule": "民法典第188条",
             "rule_id": "limitation.general", "governed_on": when.isoformat()}]


@pytest.fixture
def clocks(service):
    """The clock table replaced by ten known clocks around today (the bank's day), on the two
    cases: ``own`` (assigned to the firm) and ``foreign``. Returns (today, {name: id})."""
    today = bank_today()
    staff = service.users[Role.legal_staff].id
    spec = {  # name: (case, kind, branch, officer, last_day, status, written_off, computed_on)
        "c1": ("own", "limitation", "甲支行", staff, today + 3 * DAY, "running", False, today),
        "c2": ("own", "guarantee_period", "乙支行", None, today + 20 * DAY, "running", False, today),
        "c3": ("foreign", "limitation", "甲支行", staff, today - 2 * DAY, "expired", False, today),
        "c4": ("foreign", "seizure_renewal", "乙支行", None, today + 100 * DAY, "running", True, today),
        "c5": ("own", "appeal", "甲支行", None, today - 5 * DAY, "expired", False, today),
        "c6": ("own", "limitation", "甲支行", None, today - 1 * DAY, "satisfied", False, today),
        "c7": ("foreign", "collateral", "乙支行", staff, None, "undetermined", False, today),
        # stored as running twenty days ago; its last day has passed since
        "c8": ("foreign", "limitation", "甲支行", None, today - 10 * DAY, "running", False, today - 20 * DAY),
        "c9": ("own", "appeal", "乙支行", staff, today + 10 * DAY, "running", False, today),
        "c10": ("foreign", "enforcement_application", "甲支行", None, today - 400 * DAY, "expired", True, today),
    }
    ids = {}
    with service.session() as s:
        cases = {c.case_id: c for c in s.exec(select(CaseRecord)).all()}
        s.exec(delete(StoredClock))
        for name, (which, kind, branch, officer, last_day, status, written_off, computed_on) in spec.items():
            case = cases[service.own if which == "own" else service.foreign]
            row = StoredClock(case_pk=case.id, case_id=case.case_id, kind=kind, obligor="P1",
                              obligor_names=f"借款人{name}", last_day=last_day, status=status, computed_on=computed_on,
                              chain=_chain(last_day or today, f"事件{name}"), notes=[f"注{name}"], branch=branch,
                              officer_id=officer, law_firm_id=case.law_firm_id, written_off=written_off)
            s.add(row)
            s.flush()
            ids[name] = row.id
        s.commit()
    return today, ids


def _names(rows, ids) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[r.id if hasattr(r, "id") else r["id"]] for r in rows]


def _query(service, role, today, **kw):
    with service.session() as s:
        return query_clocks(s, service.users[role], ClockFilter(**kw), today)


def test_default_order_severity_and_what_is_left_out(service, clocks):
    today, ids = clocks
    rows = _query(service, Role.manager, today)
    # ended (most recently ended first), within 7 days, undetermined, then the later ones;
    # satisfied c6, passed appeal c5 and c4 (100 days ahead) are not in the default 30 days
    assert _names(rows, ids) == ["c3", "c8", "c10", "c1", "c7", "c9", "c2"]
    got = {_names([r], ids)[0]: (r.severity, r.days_left) for r in rows}
    assert got == {"c3": ("critical", -2), "c8": ("critical", -10), "c10": ("critical", -400), "c1": ("high", 3),
                   "c7": ("review", None), "c9": ("medium", 10), "c2": ("medium", 20)}
    c8 = next(r for r in rows if r.id == ids["c8"])
    assert c8.status == "running" and c8.computed_on == today - 20 * DAY  # stored status kept, severity of today
    assert rows[0].chain[0]["event"] == "事件c3" and rows[0].notes == ["注c3"]
    assert _names(_query(service, Role.manager, today, include_satisfied=True, within_days=None), ids) == [
        "c6", "c3", "c5", "c8", "c10", "c1", "c7", "c9", "c2", "c4"]


@pytest.mark.parametrize(("kw", "expected"), [
    ({"kinds": ["limitation"]}, ["c3", "c8", "c1"]),
    ({"kinds": ["appeal", "guarantee_period"]}, ["c9", "c2"]),
    ({"branch": "甲支行"}, ["c3", "c8", "c10", "c1"]),
    ({"branch": "丙支行"}, []),
    ({"officer_id": "staff"}, ["c3", "c1", "c7", "c9"]),
    ({"within_days": 7}, ["c3", "c8", "c10", "c1", "c7"]),
    ({"within_days": 7, "only_running": True}, ["c1"]),
    ({"within_days": 365, "only_running": True}, ["c1", "c9", "c2", "c4"]),
    ({"within_days": -1}, ["c3", "c8", "c10", "c7"]),
    ({"within_days": 365, "written_off": True}, ["c10", "c4"]),
    ({"within_days": 365, "written_off": False}, ["c3", "c8", "c1", "c7", "c9", "c2"]),
    ({"within_days": None, "branch": "乙支行", "kinds": ["seizure_renewal"]}, ["c4"]),
])
def test_each_filter_narrows(service, clocks, kw, expected):
    today, ids = clocks
    if kw.get("officer_id") == "staff":
        kw = {**kw, "officer_id": service.users[Role.legal_staff].id}
    assert _names(_query(service, Role.legal_staff, today, **kw), ids) == expected


def test_one_case_and_pages(service, clocks):
    today, ids = clocks
    assert _names(_query(service, Role.manager, today, case_id=service.own, within_days=None,
                         include_satisfied=True), ids) == ["c6", "c5", "c1", "c9", "c2"]
    assert _query(service, Role.manager, today, case_id="NO-SUCH-CASE") == []
    whole = _names(_query(service, Role.manager, today, within_days=None), ids)
    for size in (1, 2, 3, 4):
        paged = []
        for offset in range(0, 12, size):  # pages that start inside, at and past each part
            paged += _names(_query(service, Role.manager, today, within_days=None, limit=size, offset=offset), ids)
        assert paged == whole, size
    kinds = ["limitation", "appeal", "enforcement_application", "guarantee_period"]  # one query per kind, merged
    whole = _names(_query(service, Role.manager, today, within_days=None, include_satisfied=True, kinds=kinds), ids)
    assert whole == ["c6", "c3", "c5", "c8", "c10", "c1", "c9", "c2"]
    for size in (1, 3):
        paged = []
        for offset in range(0, 10, size):
            paged += _names(_query(service, Role.manager, today, within_days=None, include_satisfied=True, kinds=kinds,
                                   limit=size, offset=offset), ids)
        assert paged == whole, size
    import api.portfolio as portfolio

    merge_rows, portfolio.MERGE_ROWS = portfolio.MERGE_ROWS, 2  # every page past the first two rows: kind IN (...)
    try:
        paged = []
        for offset in range(0, 10, 3):
            paged += _names(_query(service, Role.manager, today, within_days=None, include_satisfied=True, kinds=kinds,
                                   limit=3, offset=offset), ids)
        assert paged == whole
    finally:
        portfolio.MERGE_ROWS = merge_rows
    with pytest.raises(ValueError, match="limit"):
        ClockFilter(limit=0)
    with pytest.raises(ValueError, match="offset"):
        ClockFilter(offset=-1)
    with pytest.raises(ValueError, match="offset"):
        ClockFilter(offset=100_001)
    with pytest.raises(ValueError, match="within_days"):
        ClockFilter(within_days=10**9)


def test_external_counsel_sees_only_its_firms_clocks(service, clocks):
    today, ids = clocks
    assert _names(_query(service, Role.external_counsel, today, within_days=None), ids) == ["c1", "c9", "c2"]
    assert _query(service, Role.external_counsel, today, case_id=service.foreign) == []
    r = service.client.get("/api/deadlines?days=3660", headers=service.auth("external_counsel"))
    assert r.status_code == 200 and _names(r.json(), ids) == ["c1", "c9", "c2"]
    r = service.client.get(f"/api/cases/{service.foreign}/deadlines", headers=service.auth("external_counsel"))
    assert r.status_code == 404 and r.json()["detail"] == "案件不存在"
    with service.session() as s:
        counts = counts_by_branch(s, service.users[Role.external_counsel], ClockFilter(within_days=None), today)
    assert counts == [("乙支行", {"critical": 0, "high": 0, "review": 0, "medium": 2, "low": 0}),
                      ("甲支行", {"critical": 0, "high": 1, "review": 0, "medium": 0, "low": 0})]


def test_counts_by_branch_agree_with_the_list(service, clocks):
    today, _ids = clocks
    for kw in ({}, {"within_days": None}, {"within_days": 7, "only_running": True}, {"written_off": False}):
        with service.session() as s:
            counts = dict(counts_by_branch(s, service.users[Role.manager], ClockFilter(**kw), today))
        expected: dict = {}
        for r in _query(service, Role.manager, today, limit=1000, **kw):
            expected.setdefault(r.branch, {k: 0 for k in ("critical", "high", "review", "medium", "low")})
            expected[r.branch][r.severity] += 1
        assert counts == expected, kw
    with service.session() as s:
        assert [b for b, _ in counts_by_branch(s, service.users[Role.manager], ClockFilter(), today)] == ["乙支行", "甲支行"]


def test_http_filters_match_the_query(service, clocks):
    today, ids = clocks
    staff = service.users[Role.legal_staff].id
    for params, expected in [
        ("", ["c3", "c8", "c10", "c1", "c7", "c9", "c2"]),
        ("?kind=limitation", ["c3", "c8", "c1"]),
        ("?kind=appeal,guarantee_period", ["c9", "c2"]),
        ("?kind=appeal&kind=guarantee_period", ["c9", "c2"]),
        ("?branch=甲支行&days=7", ["c3", "c8", "c10", "c1"]),
        (f"?officer={staff}", ["c3", "c1", "c7", "c9"]),
        ("?days=365&written_off=true", ["c10", "c4"]),
        ("?days=365&written_off=false&running=true", ["c1", "c9", "c2"]),
        ("?include_satisfied=true&limit=2&offset=1", ["c3", "c5"]),
    ]:
        r = service.client.get("/api/deadlines" + params, headers=service.auth("manager"))
        assert r.status_code == 200, (params, r.text)
        assert _names(r.json(), ids) == expected, params
    body = service.client.get("/api/deadlines?kind=limitation", headers=service.auth("manager")).json()
    assert body[0]["last_day"] == (today - 2 * DAY).isoformat() and body[0]["severity"] == "critical"
    assert body[0]["kind_name"] == "诉讼时效" and body[0]["chain"][0]["rule"] == "民法典第188条"
    assert service.client.get("/api/deadlines?chains=false", headers=service.auth("manager")).json()[0]["chain"] == []
    for bad, field in (("?kind=nothing", "kind"), ("?days=x", "days"), ("?days=99999", "days"), ("?limit=0", "limit"),
                       ("?limit=1001", "limit"), ("?offset=-1", "offset"), ("?offset=100001", "offset"),
                       ("?officer=abc", "officer"), ("?format=pdf", "format")):
        r = service.client.get("/api/deadlines" + bad, headers=service.auth("manager"))
        assert r.status_code == 422 and field in r.text, bad
    assert "未知的期限种类" in service.client.get("/api/deadlines?kind=nothing", headers=service.auth("manager")).text
    assert service.client.get("/api/deadlines").status_code == 401


def _events(content: bytes) -> list[tuple]:
    """(UID, DTSTART date, case id from the SUMMARY, alarms' triggers in days) of each event, by UID."""
    out = []
    for e in Calendar.from_ical(content).walk("VEVENT"):
        summary = str(e["summary"])
        triggers = sorted(a.decoded("trigger").days for a in e.walk("VALARM"))
        out.append((str(e["uid"]), e.decoded("dtstart"), summary[1:summary.index("]")], triggers))
    return sorted(out)


def test_portfolio_as_icalendar(service, clocks):
    today, ids = clocks
    a = service.client.get("/api/deadlines?format=ics&days=365", headers=service.auth("manager"))
    b = service.client.get("/api/deadlines?days=365", headers={**service.auth("manager"), "Accept": "text/calendar"})
    assert a.status_code == b.status_code == 200
    assert a.headers["content-type"] == "text/calendar; charset=utf-8"
    ea, eb = _events(a.content), _events(b.content)
    assert ea == eb  # same events and UIDs, so re-reading updates rather than duplicates
    with service.session() as s:
        stored = {c.id: c for c in s.exec(select(StoredClock)).all()}
    dated = ["c3", "c8", "c10", "c1", "c9", "c2", "c4"]  # c7 has no last day
    assert len({uid for uid, *_ in ea}) == len(ea) == len(dated)
    assert sorted((d, case) for _uid, d, case, _t in ea) == sorted(
        (stored[ids[n]].last_day, stored[ids[n]].case_id) for n in dated)
    assert all(triggers == [-30, -7, -1] for *_, triggers in ea)


def test_case_deadlines_are_the_stored_clocks(service):
    with service.session() as s:
        case = s.exec(select(CaseRecord).where(CaseRecord.case_id == service.own)).one()
        stored = s.exec(select(StoredClock).where(StoredClock.case_pk == case.id)).all()
    assert stored, "the demo case has clocks once imported"
    for role in Role:
        r = service.client.get(f"/api/cases/{service.own}/deadlines", headers=service.auth(role))
        assert r.status_code == 200, role
        body = r.json()
        assert sorted(c["id"] for c in body) == sorted(c.id for c in stored)
        by_id = {c.id: c for c in stored}
        for c in body:
            row = by_id[c["id"]]
            assert c["kind"] == row.kind and c["last_day"] == (row.last_day.isoformat() if row.last_day else None)
            assert c["chain"] == row.chain and c["status"] == row.status
    assert service.client.get("/api/cases/NO-SUCH/deadlines", headers=service.auth("manager")).status_code == 404


def _feed_path(url: str) -> str:
    return urlsplit(url).path


def test_calendar_feed_shown_once_rotated_and_revoked(service, clocks):
    today, ids = clocks
    first = service.client.get("/api/me/calendar", headers=service.auth("manager"))
    assert first.status_code == 200
    url = first.json()["url"]
    assert url.endswith(".ics") and "/calendar/ld_" in url and first.json()["webcal_url"].startswith("webcal://")
    again = service.client.get("/api/me/calendar", headers=service.auth("manager")).json()
    assert again["url"] is None and again["prefix"] == first.json()["prefix"]  # stored hashed: shown once
    secret = _feed_path(url).rsplit("/", 1)[1][:-4]
    with service.session() as s:
        row = s.exec(select(ApiToken).where(ApiToken.kind == TokenKind.calendar)).one()
        assert row.token_hash == token_hash(secret) and row.user_id == service.users[Role.manager].id

    feed = service.client.get(_feed_path(url))  # no header: the address is the credential
    assert feed.status_code == 200 and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    events = _events(feed.content)
    with service.session() as s:
        stored = {c.id: c for c in s.exec(select(StoredClock)).all()}
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "calendar.feed")).all()
    # running within 365 days and the ended ones; not the satisfied, the passed appeal, the undetermined
    expected = ["c1", "c9", "c2", "c4", "c3", "c8", "c10"]
    assert sorted((d, case) for _uid, d, case, _t in events) == sorted(
        (stored[ids[n]].last_day, stored[ids[n]].case_id) for n in expected)
    assert len(audit) == 1 and audit[0].username == "t_manager" and "7项期限" in audit[0].detail
    assert events == _events(service.client.get(_feed_path(url)).content)  # stable UIDs: updated, not duplicated

    # the API token is no feed address, the feed address no API token
    api_token = service.tokens[Role.manager]
    assert service.client.get(f"/calendar/{api_token}.ics").status_code == 404
    assert service.client.get("/api/deadlines", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    rotated = service.client.post("/api/me/calendar", headers=service.auth("manager"))
    assert rotated.status_code == 201 and rotated.json()["url"] != url
    gone = service.client.get(_feed_path(url))
    assert gone.status_code == 404 and gone.json()["detail"] == "日历订阅地址无效或已停用"
    new_path = _feed_path(rotated.json()["url"])
    assert service.client.get(new_path).status_code == 200

    with service.session() as s:  # revoked by an administrator
        active = select(ApiToken).where(ApiToken.kind == TokenKind.calendar, ApiToken.revoked_at.is_(None))
        for t in s.exec(active).all():
            t.revoked_at = utcnow()
            s.add(t)
        s.commit()
    assert service.client.get(new_path).status_code == 404
    assert service.client.get("/calendar/ld_nothing.ics").status_code == 404
    # a revoked address gives the user a new one on asking
    assert service.client.get("/api/me/calendar", headers=service.auth("manager")).json()["url"]


def test_expired_feed_and_external_counsels_feed(service, clocks):
    today, ids = clocks
    url = service.client.get("/api/me/calendar", headers=service.auth("external_counsel")).json()["url"]
    events = _events(service.client.get(_feed_path(url)).content)
    assert [case for _uid, _d, case, _t in events] == [service.own] * 3  # c1, c9, c2: its firm's only
    with service.session() as s:
        row = s.exec(select(ApiToken).where(ApiToken.kind == TokenKind.calendar)).one()
        row.expires_at = utcnow() - dt.timedelta(minutes=1)
        s.add(row)
        s.commit()
    assert service.client.get(_feed_path(url)).status_code == 404


def test_every_filter_reads_the_clocks_through_an_index(service):
    """No query of any filter reads the whole clock table: SQLite's plan (which does not depend on
    the data without ANALYZE) names an index for every part; PostgreSQL, its sequential scans
    turned off, still finds an index for each (so one exists that serves the query's shape)."""
    from api.portfolio import explain, part_statements

    today = bank_today()
    engine = service.app.state.engine
    filters = [ClockFilter(), ClockFilter(branch="甲支行"), ClockFilter(kinds=["limitation"]),
               ClockFilter(kinds=["limitation", "appeal"]), ClockFilter(officer_id=1), ClockFilter(written_off=False),
               ClockFilter(within_days=7, only_running=True), ClockFilter(within_days=None, include_satisfied=True),
               ClockFilter(within_days=-1), ClockFilter(case_id=service.own, within_days=None)]
    for role in (Role.manager, Role.external_counsel):
        for f in filters:
            statements = part_statements(service.users[role], f, today)
            assert statements
            with engine.connect() as conn:
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET enable_seqscan = off")
                for stmt, values in statements:
                    plan = explain(conn, stmt, values)
                    if engine.dialect.name == "sqlite":
                        assert not [p for p in plan if p.startswith("SCAN clock") and "USING" not in p], (f, plan)
                        assert any("USING INDEX" in p or "USING COVERING INDEX" in p for p in plan), (f, plan)
                    else:
                        assert not [p for p in plan if "Seq Scan on clock" in p], (f, plan)


def test_json_of_a_row_is_its_dict_whatever_the_text():
    """The page's JSON is written field by field: text with quotes, backslashes, control
    characters, markup or template syntax reads back as it was."""
    import json

    from api.portfolio import ClockRow

    today = dt.date(2026, 3, 1)
    hostile = '甲"乙\\丙\n\t\x00\x1f</script>{{ 7*7 }}\u2028😀'
    chain = json.dumps(_chain(today, hostile), ensure_ascii=False)
    for row in (ClockRow(7, hostile, "limitation", hostile, hostile, today, today + DAY, "running", True, today,
                         hostile, 3, 4, True, 5, "high", chain, json.dumps([hostile])),
                ClockRow(8, "C", "no_such_kind", None, "", None, None, "undetermined", False, today, "", None, None,
                         False, None, "review")):
        assert json.loads(row.as_json()) == row.as_dict()
    assert json.loads(ClockRow(7, "x", "limitation", None, "", None, None, "undetermined", False, today, "", None,
                               None, False, None, "review", chain).as_json())["chain"][0]["event"] == hostile
