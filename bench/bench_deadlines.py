"""Benchmark of the deadline engine: every clock of generated cases with five events each.
Prints cases per second on one core and peak memory.

    .venv/bin/python bench/bench_deadlines.py [--cases 100000] [--seed 1]

Each case: a borrower and a joint guarantor, one loan maturing 2016-2024, a guarantee with an
agreed or no period, and five events (demands to the borrower or the guarantor, an
acknowledgment, a partial payment, a suit), validated from plain data as a case file would be,
then all its clocks computed. Cases are made and computed one at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import time

from legaldocs.deadlines.clocks import case_clocks
from legaldocs.case.model import Case

BORROWER = {"kind": "person", "name": "借款人", "gender": "男", "ethnicity": "汉族", "birth_date": "1979-04-12",
            "id_number": "110105197904120131", "address": "北京"}
GUARANTOR = {"kind": "organization", "name": "保证人公司", "uscc": "91350200MA2Y3X4R49", "address": "厦门",
             "representative": "某"}
KINDS = ["催收通知书送达", "履行保证责任通知书送达", "债务人确认债务", "部分履行", "提起诉讼"]


def make_case(rng: random.Random, i: int) -> dict:
    maturity = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(0, 9 * 365))
    signed = maturity - dt.timedelta(days=365)
    events = []
    for _ in range(5):
        kind = rng.choice(KINDS)
        day = maturity + dt.timedelta(days=rng.randrange(1, 5 * 365))
        party = "G1" if kind == "履行保证责任通知书送达" else "P1"
        events.append({"date": day.isoformat(), "kind": kind, "parties": [party]})
    return {
        "case_id": f"B{i}",
        "court": "某法院",
        "creditor": {"name": "某银行支行", "uscc": "91310115MA1H7K3D22", "address": "上海", "representative": "某"},
        "parties": {"P1": BORROWER, "G1": GUARANTOR},
        "loans": [{"id": "L1", "number": f"N{i}", "borrowers": ["P1"], "signed_on": signed.isoformat(),
                   "principal": "100000", "draws": [{"date": signed.isoformat(), "amount": "100000",
                                                     "maturity": maturity.isoformat()}],
                   "annual_rate": "0.05", "repayment_method": "到期一次性还本付息"}],
        "guarantees": [{"id": "G", "number": f"B{i}", "guarantor": "G1", "secures": ["L1"], "kind": "连带责任保证",
                        "signed_on": signed.isoformat(), **({"period": "主债务履行期限届满之日起三年"} if rng.random() < 0.5 else {})}],
        "events": events,
        "claim": {"as_of": maturity.isoformat()},
        "evidence": [{"id": "E1", "title": "借款合同", "files": ["x.pdf"], "purpose": "借款关系"}],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    as_of = dt.date(2026, 11, 29)
    clocks = 0
    engine = 0.0
    t0 = time.perf_counter()
    for i in range(args.cases):
        case = Case.model_validate(make_case(rng, i))
        t1 = time.perf_counter()
        clocks += len(case_clocks(case, as_of))
        engine += time.perf_counter() - t1
        if (i + 1) % 20_000 == 0:
            print(f"  {i + 1:,} cases, {time.perf_counter() - t0:.1f} s", flush=True)
    wall = time.perf_counter() - t0
    print(f"cases: {args.cases:,} (five events each); clocks: {clocks:,}")
    print(f"clock computation: {engine:.1f} s -> {args.cases / engine:,.0f} cases/s on one core")
    print(f"including validation of each case: {wall:.1f} s -> {args.cases / wall:,.0f} cases/s")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
