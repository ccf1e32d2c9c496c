"""Benchmark of the command line's start: ``legaldocs --help`` against a bare interpreter.
Prints the median, the fastest and the slowest wall time of N runs of each, and their ratio.

    .venv/bin/python bench/bench_cli.py [--runs 20] [--command .venv/bin/legaldocs]

Each run is a new process (``legaldocs --help``, then ``python -c pass`` with the same
interpreter), output discarded; one warm-up run of each first, so that the figures do not include
compiling the modules (PYTHONDONTWRITEBYTECODE is left out of the runs' environment, as on a
machine where the project is installed, so that the warm-up run writes the bytecode). The target is a --help under 0.15 s: everything a command needs beyond the
CLI library is imported inside the command. ``python -X importtime -c "import evidence.cli"``
shows where the time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timings(argv: list[str], runs: int) -> list[float]:
    """Wall time in seconds of ``runs`` runs of ``argv`` (after one warm-up run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(argv, stdout=subprocess.DEVNULL, env=env, check=True)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, env=env, check=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--command", type=Path, default=Path(sys.executable).parent / "legaldocs",
                        help="the legaldocs console script (default: next to this interpreter)")
    args = parser.parse_args()
    rows = [("legaldocs --help", timings([str(args.command), "--help"], args.runs)),
            ("python -c pass", timings([sys.executable, "-c", "pass"], args.runs))]
    for name, times in rows:
        print(f"{name:<18} median {statistics.median(times) * 1000:7.1f} ms   "
              f"min {min(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   ({len(times)} runs)")
    ratio = statistics.median(rows[0][1]) / statistics.median(rows[1][1])
    print(f"legaldocs --help takes {ratio:.1f} times a bare interpreter's start")


if __name__ == "__main__":
    main()
