"""Benchmark of the money engine: statements for generated loans with 36 monthly instalments and
a repayment history each. Prints loans per second on one core and peak memory.

    .venv/bin/python bench/bench_money.py [--loans 100000] [--seed 1]

Each loan: random amount (10,000-2,000,000 元), rate (3 %-12 %), method (等额本息 or 等额本金),
36 instalments from a random start in 2019-2022; the borrower pays the first k instalments in
full (k random), then a few partial payments, then stops; the statement is taken 6-30 months
after the last payment. Loans are made and computed one at a time (memory stays flat).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import time
from decimal import Decimal

from legaldocs.money.accrual import DrawTerms, LoanTerms, Payment, loan_balance
from legaldocs.law.periods import add_months
from legaldocs.money.schedule import EQUAL_INSTALMENTS, EQUAL_PRINCIPAL, schedule


def make_loan(rng: random.Random, i: int) -> tuple[LoanTerms, list[Payment], dt.date]:
    amount = Decimal(rng.randrange(10_000, 2_000_000))
    rate = Decimal(rng.randrange(300, 1200)) / 10000
    method = rng.choice((EQUAL_INSTALMENTS, EQUAL_PRINCIPAL))
    start = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 4 * 365))
    maturity = add_months(start, 36)
    dues = schedule(amount, start, maturity, method, rate)
    paid_in_full = rng.randrange(6, 36)
    payments = [Payment(d.date, d.principal + (d.interest or 0)) for d in dues[:paid_in_full]]
    for d in dues[paid_in_full : paid_in_full + rng.randrange(0, 4)]:
        payments.append(Payment(d.date + dt.timedelta(days=rng.randrange(0, 20)), Decimal(rng.randrange(100, 5000))))
    last = payments[-1].date
    as_of = last + dt.timedelta(days=rng.randrange(180, 900))
    terms = LoanTerms(f"L{i}", (DrawTerms("D1", start, amount, maturity, dues=tuple(dues)),), rate, method)
    return terms, payments, as_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    total = Decimal(0)
    lines = 0
    t0 = time.perf_counter()
    engine_time = 0.0
    for i in range(args.loans):
        terms, payments, as_of = make_loan(rng, i)
        t1 = time.perf_counter()
        b = loan_balance(terms, payments, as_of)
        engine_time += time.perf_counter() - t1
        total += b.total
        lines += len(b.lines)
        if (i + 1) % 20_000 == 0:
            print(f"  {i + 1:,} loans, {time.perf_counter() - t0:.1f} s", flush=True)
    wall = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"loans: {args.loans:,} (36 instalments each, with repayment histories)")
    print(f"engine time: {engine_time:.1f} s -> {args.loans / engine_time:,.0f} loans/s on one core")
    print(f"including generation: {wall:.1f} s -> {args.loans / wall:,.0f} loans/s")
    print(f"accrual lines: {lines:,} ({lines / args.loans:.1f} per loan); sum of totals {total:,.2f} 元")
    print(f"peak memory (max RSS): {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
