"""The audit log (审计日志): every generation, download and change, with user, time, case, file
and SHA-256. Rows are only ever inserted (the database refuses UPDATE and DELETE)."""

from __future__ import annotations

from sqlmodel import Session

from api.models import AuditEntry, User
from api.security import mask_text


def _printable(text: str | None) -> str | None:
    """``text`` with control characters other than tab and line feed shown as U+FFFD: a hostile
    value quoted in an entry (a user name tried at login) neither breaks the insert (PostgreSQL
    refuses NUL) nor a terminal or log reading the export."""
    if not text:
        return text
    return "".join("\ufffd" if (ord(c) < 32 and c not in "\t\n") or ord(c) == 127 else c for c in text)


def record(s: Session, user: User | None, action: str, *, case_id: str | None = None, file_name: str | None = None,
           sha256: str | None = None, detail: str = "", address: str = "", commit: bool = True) -> AuditEntry:
    """Append one entry. ``action``: a short verb (``case.import``, ``evidence.upload``,
    ``output.download``, ``job.start`` ...); ``detail`` and ``file_name`` are masked (identity
    and phone numbers: a scan may be named by the number it shows; the SHA-256 still names the
    file exactly); control characters in ``detail``, ``file_name`` and ``case_id`` are replaced (U+FFFD)."""
    entry = AuditEntry(user_id=user.id if user else None, username=user.username if user else "",
                       role=user.role.value if user else "", action=action, case_id=_printable(case_id),
                       file_name=mask_text(_printable(file_name[:255])) if file_name else None, sha256=sha256,
                       detail=mask_text(_printable(detail))[:2000], address=address[:64])
    s.add(entry)
    if commit:
        s.commit()
    return entry
