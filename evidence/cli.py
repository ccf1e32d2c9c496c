"""Commands that build on the evidence package, added to the ``legaldocs`` application.

The console script ``legaldocs`` points here so that every command is available while the core
(:mod:`legaldocs.cli`) stays free of imports of the packages built on it.
"""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import Annotated, Iterator, Optional

from legaldocs.errors import CaseValidationError
from legaldocs.cli import (
    Argument,
    Option,
    TemplatesOption,
    app,
    console,
    err_console,
    parse_date,
    progress_bar,
    run_guarded,
)

__all__ = ["app"]


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so staging folders and LibreOffice are cleaned up."""

    def handler(signum, frame):  # noqa: ARG001 - signal handler signature
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def engine_problem(case) -> str | None:
    """Why the money engine cannot state the case's amounts as of claim.as_of, or None."""
    from legaldocs.errors import LegalDocsError
    from legaldocs.money.statement import case_statement

    try:
        case_statement(case, case.claim.as_of, explain=False)
    except LegalDocsError as exc:
        return str(exc)
    return None


@app.command()
def validate(
    case: Annotated[Path, Argument(help="case file (.yaml, .yml or .json)")],
    files: Annotated[bool, Option(help="open and convert every exhibit as the packet would (--no-files: only check they exist)")] = True,
    quiet: Annotated[bool, Option(help="no progress bar")] = False,
) -> None:
    """Check CASE (a .yaml, .yml or .json case file) and list every problem by field path; exit 2
    when invalid. Every exhibit file is also opened and converted as the packet would (--no-files
    checks only that the files exist)."""

    def action() -> None:
        import tempfile

        from evidence.packet import prepare_exhibits  # PDF libraries load only when needed
        from legaldocs.case.load import load_case

        loaded = load_case(case)
        c = loaded.case
        statement_problem = engine_problem(c)
        if statement_problem and c.claim.amounts == "engine":  # the packet could not state the amounts
            raise CaseValidationError(str(case), [("claim.amounts", f"the amounts cannot be computed: {statement_problem}")])
        if statement_problem:
            err_console.print(f"note: the engine's statement (attached for comparison) cannot be computed: {statement_problem}",
                              markup=False, soft_wrap=True)
        count = sum(len(v) for v in loaded.evidence_files.values())
        if files:
            with _terminate_cleanly(), progress_bar(enabled=not quiet) as progress, \
                    tempfile.TemporaryDirectory(prefix="legaldocs-check-") as work:
                prepare_exhibits(loaded, Path(work), progress)
        checked = "opened and converted" if files else "present"
        console.print(
            f"{case}: valid — case {c.case_id}, {len(c.parties)} parties, {len(c.loans)} loan(s), "
            f"{len(c.guarantees)} guarantee(s), {len(c.collateral)} collateral, "
            f"{len(c.evidence)} evidence item(s) in {count} file(s), all {checked}",
            markup=False,
            soft_wrap=True,
        )

    run_guarded(action)


@app.command()
def packet(
    case: Annotated[Path, Argument(help="case file (.yaml, .yml or .json)")],
    out: Annotated[Path, Option(help="folder the packet is written into, as OUT/<case id>/")] = Path("out"),
    as_of: Annotated[Optional[str], Option(help="date YYYY-MM-DD the amounts are stated to (default: claim.as_of)")] = None,
    filing_date: Annotated[Optional[str], Option(help="date YYYY-MM-DD of filing: under the signature, and it chooses the fee schedule (default: claim.filing_date, else the as-of date)")] = None,
    quiet: Annotated[bool, Option(help="no progress bar")] = False,
    templates: TemplatesOption = None,
) -> None:
    """Build the filing packet of CASE in OUT/<case id>/ (complaint, evidence list and bundle, fee sheet,
    manifest, zip). --as-of YYYY-MM-DD: date the amounts are stated to (the case's claim.as_of);
    --filing-date: date under the signature and of the fee regime (default: claim.filing_date, else
    the as-of date). An existing OUT/<case id>/ is replaced whole. --templates DIR: a bank's own
    templates, each used instead of the built-in one of the same name; the folder may hold only
    some of them, the others are the built-in ones."""
    as_of_date = parse_date(as_of, "--as-of")
    filed = parse_date(filing_date, "--filing-date")

    def action() -> None:
        from evidence.packet import build_packet  # PDF libraries load only for this command

        with _terminate_cleanly(), progress_bar(enabled=not quiet) as progress:
            result = build_packet(case, out, as_of=as_of_date, filing_date=filed, templates=templates,
                                  progress=progress)
        console.print(f"packet: {result.folder.resolve()}", markup=False, highlight=False, soft_wrap=True)
        console.print(
            f"  证据材料.pdf {result.bundle_pages} pages ({result.index_pages} index + "
            f"{len(result.exhibits)} exhibits); 案件受理费 {result.fee.fee} 元",
            markup=False,
            highlight=False,
        )
        for name in result.files:
            console.print(f"  {name}", markup=False, highlight=False)
        for gid in result.released:
            err_console.print(
                f"note: guarantee {gid} left out of the complaint: the guarantor is released (保证期间届满未主张); "
                "see deadlines.json, or set guarantees[].override_release with the reason to claim anyway",
                markup=False, soft_wrap=True,
            )

    run_guarded(action)


if __name__ == "__main__":
    app()
