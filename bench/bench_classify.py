"""Benchmark of risk classification and provisioning (``legaldocs classify``): 1,000 and 10,000
cases generated from the demo case (examples/demo/case.yaml), each with its own case id,
borrower (a valid 居民身份证号 of its own) and amounts (principal and repayments scaled by a
factor from 0.5 to 3), classified together as of 2025-06-30 (the money engine on every loan,
floors, contagion by debtor) and then provisioned with the write-off of one case.
Prints the time and cases per second of each size, and peak memory.

    .venv/bin/python bench/bench_classify.py [--sizes 1000 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import random
import resource
import time
from decimal import Decimal
from pathlib import Path

import yaml

from legaldocs.case.model import Case
from legaldocs.portfolio.classification import classify_cases
from legaldocs.portfolio.provisioning import portfolio_provisions

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo" / "case.yaml"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
AS_OF = dt.date(2025, 6, 30)


def resident_id(birth: dt.date, sequence: int) -> str:
    """A 居民身份证号 of a man born on ``birth`` (GB 11643 check digit)."""
    body = f"110105{birth:%Y%m%d}{sequence:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def make_case(base: dict, rng: random.Random, i: int) -> Case:
    data = copy.deepcopy(base)
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=i // 400)
    person = data["parties"]["P1"]
    person.update(birth_date=birth, id_number=resident_id(birth, 1 + 2 * (i % 400)))
    factor = Decimal(rng.randrange(50, 300)) / 100
    scale = lambda v: (Decimal(str(v)) * factor).quantize(Decimal("0.01"))  # noqa: E731
    data["case_id"] = f"BENCH-{i:05d}"
    loan = data["loans"][0]
    loan["number"] = f"SLB-B-{i:05d}"
    loan["principal"] = scale(loan["principal"])
    loan["draws"][0]["amount"] = loan["principal"]
    data["repayments"] = [dict(r, amount=scale(r["amount"])) for r in data["repayments"]]
    data["claim"] = {"as_of": AS_OF, "amounts": "engine"}
    data["collateral"] = [dict(c, maximum_amount=scale(c["maximum_amount"])) for c in data["collateral"]]
    data.pop("preservation", None)
    return Case.model_validate(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    base = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    for size in args.sizes:
        start = time.perf_counter()
        cases = [(f"bench/{i}", make_case(base, rng, i)) for i in range(size)]
        made = time.perf_counter() - start
        start = time.perf_counter()
        result = classify_cases(cases, AS_OF)
        classified = time.perf_counter() - start
        start = time.perf_counter()
        provisions = portfolio_provisions(result, write_off=[cases[0][1].case_id])
        provisioned = time.perf_counter() - start
        assert len(result.loans) == size and not result.unreadable
        npl = sum(lc.npl for lc in result.loans)
        print(f"{size:>6} cases: classified in {classified:6.2f} s ({size / classified:7.0f} cases/s), "
              f"provisions {provisioned:5.2f} s; {npl} NPL, coverage {provisions.before.coverage:.4f}; "
              f"(building the case records took {made:.2f} s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
