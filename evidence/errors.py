"""Errors raised by the evidence package.

Every error derives from :class:`EvidenceError`, itself a :class:`legaldocs.errors.LegalDocsError`,
so callers catch one family. Third-party errors are wrapped (``raise ... from exc``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from legaldocs.errors import LegalDocsError

__all__ = ["BundleError", "EvidenceError", "ExhibitError", "ExhibitNote"]


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


@dataclass(frozen=True)
class ExhibitNote:
    """Something done to an exhibit file, or found in it, that a clerk must know before filing.

    Not an error: the exhibit is in the bundle. Notes go to the review list (审查意见) of the
    packet and to ``manifest.json``.

    Attributes:
        file: the exhibit file as the caller named it.
        kind: a stable machine word, e.g. ``repaired``, ``font-substituted``,
            ``annotation-appearance``, ``annotation-dropped``, ``scaled-for-stamp``.
        text: what was done or found, in Chinese, naming pages where it matters.
        severity: ``blocking`` (must be decided before filing), ``check`` or ``note``.
    """

    file: str
    kind: str
    text: str
    severity: str = "check"

    def as_dict(self) -> dict:
        return {"file": self.file, "kind": self.kind, "text": self.text, "severity": self.severity}
