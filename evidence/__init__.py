"""Evidence bundles (证据材料): exhibits to one paginated, bookmarked PDF.

Typical use::

    from evidence import prepare_exhibit, assemble_bundle, page_ranges, pdf_page_count

    exhibits = [prepare_exhibit(n, title, files, workdir) for n, (title, files) in ...]
    # render the 证据目录 with page_ranges(exhibits, index_pages), count its pages, then
    result = assemble_bundle(index_pdf, exhibits, out)
"""

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
from evidence.errors import BundleError, EvidenceError, ExhibitError

__all__ = [
    "BundleEntry",
    "BundleError",
    "BundleResult",
    "EvidenceError",
    "ExhibitError",
    "PreparedExhibit",
    "assemble_bundle",
    "page_ranges",
    "pdf_page_count",
    "prepare_exhibit",
    "unembedded_fonts",
]
