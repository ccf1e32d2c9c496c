"""Evidence bundles (证据材料): exhibits to one paginated, bookmarked PDF.

Typical use::

    from evidence import prepare_exhibit, assemble_bundle, page_ranges, pdf_page_count

    exhibits = [prepare_exhibit(n, title, files, workdir) for n, (title, files) in ...]
    # render the 证据目录 with page_ranges(exhibits, index_pages), count its pages, then
    result = assemble_bundle(index_pdf, exhibits, out)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidence.bundle import (
        BundleEntry,
        BundleResult,
        PreparedExhibit,
        assemble_bundle,
        page_ranges,
        pdf_page_count,
        prepare_exhibit,
        unembedded_fonts,
    )
    from evidence.errors import BundleError, EvidenceError, ExhibitError, ExhibitNote
    from evidence.worker import DecodeBudget

# the names below load their module (and the PDF and image libraries) on first use, so that the
# ``legaldocs`` command, whose entry point is in this package, starts quickly
_FROM = {
    **dict.fromkeys(("BundleEntry", "BundleResult", "PreparedExhibit", "assemble_bundle", "page_ranges",
                     "pdf_page_count", "prepare_exhibit", "unembedded_fonts"), "evidence.bundle"),
    **dict.fromkeys(("BundleError", "EvidenceError", "ExhibitError", "ExhibitNote"), "evidence.errors"),
    "DecodeBudget": "evidence.worker",
}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_FROM[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_FROM})


__all__ = [
    "BundleEntry",
    "BundleError",
    "BundleResult",
    "DecodeBudget",
    "EvidenceError",
    "ExhibitError",
    "ExhibitNote",
    "PreparedExhibit",
    "assemble_bundle",
    "page_ranges",
    "pdf_page_count",
    "prepare_exhibit",
    "unembedded_fonts",
]
