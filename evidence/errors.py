"""Errors raised by the evidence package.

Every error derives from :class:`EvidenceError`, itself a :class:`legaldocs.errors.LegalDocsError`,
so callers catch one family. Third-party errors are wrapped (``raise ... from exc``).
"""

from __future__ import annotations

from pathlib import Path

from legaldocs.errors import LegalDocsError

__all__ = ["BundleError", "EvidenceError", "ExhibitError"]


class EvidenceError(LegalDocsError):
    """Base class of every error raised by :mod:`evidence`."""


class ExhibitError(EvidenceError):
    """An exhibit file cannot be used; the message is ``"<file>: <reason>"``.

    Raised for encrypted, damaged, empty, mislabelled, unsupported or oversized files.
    ``path`` is the file as the caller named it and ``reason`` says what is wrong with it.
    """

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class BundleError(EvidenceError):
    """The bundle cannot be assembled (index PDF unusable, stamp font missing, stale exhibit)."""
