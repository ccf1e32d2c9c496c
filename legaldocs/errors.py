"""Errors raised by the legaldocs core.

Every error the package raises derives from :class:`LegalDocsError`. Third-party errors are
wrapped (``raise ... from exc``) so callers catch one family and still see the cause.
"""

from __future__ import annotations

from legaldocs.i18n import ngettext


class LegalDocsError(Exception):
    """Base class of every error raised by :mod:`legaldocs`."""


class CaseValidationError(LegalDocsError):
    """A case file is invalid. ``problems`` lists every problem as ``(field path, message)``.

    The string form is one message with one line per problem, e.g.
    ``parties.P2.id_number: 校验位不符`` (each message in the reader's language, the path as in
    the file).
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        lines = [ngettext("{source}: {count} problem", "{source}: {count} problems", count).format(source=source, count=count)]
        lines += [f"  {path}: {message}" for path, message in self.problems]
        super().__init__("\n".join(lines))


class RuleNotFoundError(LegalDocsError):
    """No version of a rule is in force on the requested date."""


class RuleAbsentError(RuleNotFoundError):
    """The law of the requested date had no such rule (or none this project computes); the
    rule table records it with a citation and notes. ``row`` is that record."""

    def __init__(self, table: str, kind: str, on, row):
        self.table = table
        self.kind = kind
        self.on = on
        self.row = row
        note = row.get("notes", "")
        super().__init__(f"{row['citation']}：{note}" if note else row["citation"])


class TemplateError(LegalDocsError):
    """A document template is broken, or refers to a variable the context lacks."""


class ConversionError(LegalDocsError):
    """LibreOffice could not convert a document (missing, timed out, or produced nothing)."""


class OutputError(LegalDocsError):
    """An output folder or file cannot be written."""
