"""Benchmark of the portfolio deadline query (:func:`api.portfolio.query_clocks`) over 1,000,000
stored clocks, on SQLite and on PostgreSQL. Prints, per database and filter, the median and p99
of a page of 200 clocks in ms, and the plan of each of its queries (which index it walks; a full
scan of the clock table is flagged). ``cpu ms`` is this process's CPU time per query (the
database's own work on PostgreSQL is in another process): on a busy machine the wall-clock
figures rise with the load, this one much less.

    .venv/bin/python bench/bench_api_deadlines.py [--clocks 1000000] [--runs 200] [--only sqlite|postgresql]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--analyze-sqlite]

The clocks (50 a case, 20,000 cases) are spread over 20 branches, 50 officers, the 11 kinds and
ten years of last days around today (1 % undetermined, 5 % satisfied), 10 % of the cases written
off and 20 % assigned to one of 5 law firms, each clock carrying its case's branch, officer, firm
and write-off as :func:`api.cases.recompute_clocks` stores them, and a chain of two links. They
are bulk-inserted (executemany on SQLite, COPY on PostgreSQL) into a temporary SQLite database
and a temporary PostgreSQL database (created and dropped here; PostgreSQL analyses it, as its
autovacuum would; SQLite gets no ANALYZE unless ``--analyze-sqlite``, as the service leaves it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import Engine  # noqa: E402

from api.db import make_engine, migrate, session  # noqa: E402
from api.models import Role, User  # noqa: E402
from api.portfolio import ClockFilter, explain, part_statements, query_clocks  # noqa: E402
from api.security import hash_password  # noqa: E402
from legaldocs.deadlines.chain import KIND_NAMES  # noqa: E402

PG_URL = os.environ.get("LEGALDOCS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BRANCHES = [f"第{i + 1:02d}支行" for i in range(20)]
KINDS = sorted(KIND_NAMES)
CLOCKS_PER_CASE = 50
OFFICERS = 50
FIRMS = 5
COLUMNS = ("case_pk", "case_id", "kind", "obligor", "obligor_names", "last_day", "alternative_date", "status",
           "provisional", "chain", "notes", "computed_on", "branch", "officer_id", "law_firm_id", "written_off")


def pg_admin():
    import psycopg

    return psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True,
                           connect_timeout=5)


@contextmanager
def temporary_database(kind: str):
    """A new, migrated, empty database: (url, engine), dropped (or deleted) afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ld-bench-") as tmp:
            url = f"sqlite:///{tmp}/legaldocs.db"
            engine = make_engine(url)
            migrate(engine)
            try:
                yield url, engine
            finally:
                engine.dispose()
        return
    name = f"ld_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = pg_admin()
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    try:
        migrate(engine)
        yield url, engine
    finally:
        engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _chain(rng: random.Random, last_day: dt.date | None) -> str:
    start = (last_day or dt.date(2020, 1, 1)) - dt.timedelta(days=3 * 365)
    demand = start + dt.timedelta(days=rng.randrange(30, 700))
    return json.dumps([
        {"date": start.isoformat(), "event": "借款到期（《借款合同》第4条），诉讼时效起算", "evidence": ["证据1", "证据2"],
         "rule": "《中华人民共和国民法典》第一百八十八条", "rule_id": "limitation.general.2021", "governed_on": start.isoformat()},
        {"date": demand.isoformat(), "event": "催收通知书送达借款人（EMS 1234567890）", "evidence": ["证据7"],
         "rule": "《中华人民共和国民法典》第一百九十五条第一项", "rule_id": "limitation.interruption", "governed_on": demand.isoformat()},
    ], ensure_ascii=False)


def fill(engine: Engine, clocks: int, today: dt.date, seed: int = 1) -> dict:
    """Users, firms, cases and ``clocks`` stored clocks; returns {"officers": [ids], "firms": [ids],
    "cases": n, "seconds": load time}."""
    rng = random.Random(seed)
    started = time.perf_counter()
    cases = max(1, clocks // CLOCKS_PER_CASE)
    with session(engine) as s:
        officers = []
        for i in range(OFFICERS):
            u = User(username=f"officer{i:02d}", display_name=f"经办人{i:02d}", role=Role.legal_staff,
                     password_hash=None)
            s.add(u)
            officers.append(u)
        s.commit()
        officer_ids = [u.id for u in officers]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        pg = engine.dialect.name == "postgresql"
        ph = "%s" if pg else "?"
        cur.executemany(f"INSERT INTO law_firm (name, created_at) VALUES ({ph}, {ph})",
                        [(f"律师事务所{i}", dt.datetime(2025, 1, 1)) for i in range(FIRMS)])
        cur.execute("SELECT id FROM law_firm ORDER BY id")
        firm_ids = [r[0] for r in cur.fetchall()]
        case_rows = []
        for i in range(cases):
            case_rows.append((f"BENCH-{i:06d}", f"借款合同纠纷{i}", BRANCHES[i % len(BRANCHES)], rng.choice(officer_ids),
                              rng.choice(firm_ids) if rng.random() < 0.2 else None, rng.random() < 0.1, 1, "{}",
                              dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 1)))
        cur.executemany("INSERT INTO case_record (case_id, title, branch, officer_id, law_firm_id, written_off, "
                        f"version, data, created_at, updated_at) VALUES ({', '.join([ph] * 10)})", case_rows)
        cur.execute("SELECT id, case_id, branch, officer_id, law_firm_id, written_off FROM case_record ORDER BY id")
        case_list = cur.fetchall()
        first = today - dt.timedelta(days=5 * 365)

        def rows():
            for n in range(clocks):
                pk, case_id, branch, officer, firm, written_off = case_list[n // CLOCKS_PER_CASE % len(case_list)]
                kind = rng.choice(KINDS)
                last_day = None if rng.random() < 0.01 else first + dt.timedelta(days=rng.randrange(0, 3652))
                if last_day is None:
                    status = "undetermined"
                elif rng.random() < 0.05:
                    status = "satisfied"
                elif last_day < today:
                    status = "released" if kind == "guarantee_period" else "expired"
                else:
                    status = "running"
                yield (pk, case_id, kind, "P1" if n % 3 else "G1", f"借款人{pk}", last_day, None, status, False,
                       _chain(rng, last_day), "[]", today, branch, officer, firm, bool(written_off))

        if pg:
            with cur.copy(f"COPY clock ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for r in rows():
                    copy.write_row(r)
            raw.commit()
            cur.execute("ANALYZE")
        else:
            sql = f"INSERT INTO clock ({', '.join(COLUMNS)}) VALUES ({', '.join(['?'] * len(COLUMNS))})"
            batch = []
            for r in rows():
                batch.append((*r[:5], r[5].isoformat() if r[5] else None, *r[6:11], r[11].isoformat(), *r[12:]))
                if len(batch) == 50_000:
                    cur.executemany(sql, batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
        raw.commit()
    finally:
        raw.close()
    return {"officers": officer_ids, "firms": firm_ids, "cases": cases, "seconds": time.perf_counter() - started}


def add_user(engine: Engine, username: str, role: Role, law_firm_id: int | None = None) -> User:
    with session(engine) as s:
        u = User(username=username, display_name=username, role=role, password_hash=hash_password("bench-password"),
                 law_firm_id=law_firm_id)
        s.add(u)
        s.commit()
        s.refresh(u)
        return u


def plans(engine: Engine, user: User, f: ClockFilter, today: dt.date) -> list[str]:
    """The plan of each query of ``f``'s first page, one line each (PostgreSQL: EXPLAIN without
    costs, its nodes joined by " / ", conditions left out)."""
    out = []
    with engine.connect() as conn:
        for stmt, values in part_statements(user, f, today):
            nodes = [line.strip().removeprefix("->  ") for line in explain(conn, stmt, values)]
            out.append(" / ".join(n for n in nodes if not n.split(":")[0].endswith(("Cond", "Filter", "Key"))))
    return out


def full_scan(plan: str) -> bool:
    """Whether a plan line reads the whole clock table."""
    if "Seq Scan on clock" in plan:
        return True
    return any(step.strip().startswith("SCAN clock") and "USING" not in step for step in plan.split(" / "))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def filters(info: dict, counsel: User) -> list[tuple[str, ClockFilter, str]]:
    """(label, filter, 'manager' or 'counsel') of each timed query."""
    return [
        ("default (next 30 days)", ClockFilter(), "manager"),
        ("default, no chains", ClockFilter(chains=False), "manager"),
        ("branch", ClockFilter(branch=BRANCHES[3]), "manager"),
        ("kind", ClockFilter(kinds=["seizure_renewal"]), "manager"),
        ("two kinds", ClockFilter(kinds=["limitation", "guarantee_period"]), "manager"),
        ("officer", ClockFilter(officer_id=info["officers"][7]), "manager"),
        ("written_off=false", ClockFilter(written_off=False), "manager"),
        ("written_off=true", ClockFilter(written_off=True), "manager"),
        ("days=7", ClockFilter(within_days=7), "manager"),
        ("days=7, running only", ClockFilter(within_days=7, only_running=True), "manager"),
        ("branch+kind+days=365", ClockFilter(branch=BRANCHES[5], kinds=["limitation"], within_days=365), "manager"),
        ("external counsel (firm)", ClockFilter(), "counsel"),
        ("page 50 (offset 10000)", ClockFilter(offset=10_000), "manager"),
    ]


def run(kind: str, clocks: int, runs: int, analyze_sqlite: bool) -> None:
    today = dt.date.today()
    with temporary_database(kind) as (_url, engine):
        info = fill(engine, clocks, today)
        if kind == "sqlite" and analyze_sqlite:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"\n== {kind}: {clocks:,} clocks in {info['cases']:,} cases, loaded in {info['seconds']:.1f} s"
              + (" (ANALYZE run)" if kind == "sqlite" and analyze_sqlite else ""))
        manager = add_user(engine, "bench-manager", Role.manager)
        counsel = add_user(engine, "bench-counsel", Role.external_counsel, info["firms"][0])
        print(f"load average before the runs: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'filter':32} {'rows':>5} {'median ms':>10} {'p99 ms':>8} {'cpu ms':>7}  "
              "plan (one line per part of the order)")
        with session(engine) as s:
            for label, f, who in filters(info, counsel):
                user = manager if who == "manager" else counsel
                got = query_clocks(s, user, f, today)  # warm-up
                times, cpu = [], []
                for _ in range(runs):
                    t0, c0 = time.perf_counter(), time.process_time()
                    query_clocks(s, user, f, today)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                    s.rollback()
                plan = plans(engine, user, f, today)
                flag = "  FULL SCAN" if any(full_scan(p) for p in plan) else ""
                print(f"{label:32} {len(got):5d} {statistics.median(times):10.2f} {percentile(times, 0.99):8.2f} "
                      f"{statistics.median(cpu):7.2f}{flag}")
                for p in plan:
                    print(f"{'':8}{p}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clocks", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument("--analyze-sqlite", action="store_true")
    args = ap.parse_args()
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args.clocks, args.runs, args.analyze_sqlite)


if __name__ == "__main__":
    main()
