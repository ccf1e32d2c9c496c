"""Commands that build on the evidence package, added to the ``legaldocs`` application.

The console script ``legaldocs`` points here so that every command is available while the core
(:mod:`legaldocs.cli`) stays free of imports of the packages built on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from legaldocs.cli import app, console, parse_date, progress_bar, run_guarded

__all__ = ["app"]


@app.command()
def packet(
    case: Path,
    out: Path = Path("out"),
    as_of: Optional[str] = None,
    filing_date: Optional[str] = None,
    quiet: bool = False,
) -> None:
    """Build the filing packet of CASE in OUT/<case id>/ (complaint, evidence list and bundle, fee sheet,
    manifest, zip). --as-of YYYY-MM-DD: date the amounts are stated to; --filing-date: date under the
    signature (default: the as-of date)."""
    as_of_date = parse_date(as_of, "--as-of")
    filed = parse_date(filing_date, "--filing-date")

    def action() -> None:
        from evidence.packet import build_packet  # PDF libraries load only for this command

        with progress_bar(enabled=not quiet) as progress:
            result = build_packet(case, out, as_of=as_of_date, filing_date=filed, progress=progress)
        console.print(f"packet: {result.folder}", markup=False, highlight=False)
        console.print(
            f"  证据材料.pdf {result.bundle_pages} pages ({result.index_pages} index + "
            f"{len(result.exhibits)} exhibits); 案件受理费 {result.fee.fee} 元",
            markup=False,
            highlight=False,
        )
        for name in result.files:
            console.print(f"  {name}", markup=False, highlight=False)

    run_guarded(action)


if __name__ == "__main__":
    app()
