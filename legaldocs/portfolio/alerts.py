"""Deadline alerts across a portfolio of case files (期限预警).

Each case file is read and computed on its own: a file that cannot be read (invalid, not a case
file, a fault while computing it) is listed with the reason and never hides the other cases;
a clock the law of its date gives no period for is shown for review, not dropped.

Written-off cases are read like every other (账销案存、权在力催: the claim is still pursued and
every clock still runs), each alert carrying its case's write-off status
(:mod:`legaldocs.portfolio.status`). A case fully ended (完全终结: paid, transferred, rights
extinguished) on the as-of date has no claim left to protect: its clocks are not alerts, and the
case is listed in ``AlertReport.ended`` instead (``legaldocs deadlines`` still lists them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from legaldocs.case.load import load_case
from legaldocs.deadlines.chain import obligor_names
from legaldocs.deadlines.clocks import Clock, case_clocks
from legaldocs.errors import CaseValidationError, LegalDocsError
from legaldocs.i18n import _, ngettext
from legaldocs.portfolio.status import WriteOffStatus, write_off_status

CASE_SUFFIXES = (".yaml", ".yml", ".json")
# JSON files the commands write into packet and dossier folders: never case files
PACKET_FILES = frozenset({"manifest.json", "deadlines.json", "审查意见.json", "核销检查结果.json"})
SEVERITY_RANK = {"critical": 0, "high": 1, "review": 2, "medium": 3, "low": 4}
SEVERITY_NAMES = {"critical": "紧急（已届满）", "high": "7日内届满", "review": "待人工核定", "medium": "30日内届满",
                  "low": "较远"}
# clocks whose end, once passed, calls for nothing more: the judgment simply took effect
PASSIVE_KINDS = frozenset({"appeal", "retrial"})


@dataclass(frozen=True)
class Alert:
    """One clock of one case: ``severity`` critical (expired or released), high (ends within 7
    days), review (undetermined: a person must look), medium (within 30 days), low (later)."""

    case_id: str
    path: Path
    clock: Clock
    severity: str
    obligor_names: str = ""
    write_off: WriteOffStatus | None = None  # the case's write-off status on the as-of date

    def as_dict(self) -> dict:
        return {"case": self.case_id, "file": str(self.path), "severity": self.severity,
                "obligor_names": self.obligor_names, **self.clock.as_dict(),
                "write_off": self.write_off.as_dict() if self.write_off else None}


@dataclass(frozen=True)
class EndedCase:
    """A case fully ended (完全终结) on the as-of date: its clocks are not alerts."""

    case_id: str
    path: Path
    write_off: WriteOffStatus

    def as_dict(self) -> dict:
        return {"case": self.case_id, "file": str(self.path), "write_off": self.write_off.as_dict()}


@dataclass(frozen=True)
class Unreadable:
    """A file that could not be read or computed, and why."""

    path: Path
    reason: str

    def as_dict(self) -> dict:
        return {"file": str(self.path), "reason": self.reason}


@dataclass
class AlertReport:
    """Alerts of every case read, most urgent first, the files that could not be read, and the
    cases fully ended (完全终结), whose clocks are not alerts; ``cases`` counts every case read,
    ended ones included."""

    as_of: dt.date
    within: int
    alerts: list[Alert] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    cases: int = 0
    warnings: list[str] = field(default_factory=list)
    ended: list[EndedCase] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "within": self.within,
            "cases": self.cases,
            "clocks": [a.as_dict() for a in self.alerts],
            "unreadable": [u.as_dict() for u in self.unreadable],
            "warnings": list(self.warnings),
            "ended_cases": [e.as_dict() for e in self.ended],
        }


def severity(clock: Clock, as_of: dt.date) -> str:
    """critical: expired or released; review: undetermined; high: ends within 7 days; medium:
    within 30; low: later."""
    if clock.status in ("expired", "released"):
        return "critical"
    if clock.date is None:
        return "review"
    left = (clock.date - as_of).days
    return "high" if left <= 7 else "medium" if left <= 30 else "low"


def case_files(paths: list[Path]) -> list[Path]:
    """Case files named directly, and every ``*.yaml``, ``*.yml``, ``*.json`` under the folders
    named (packet outputs excepted), in a stable order."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            # a broken link is kept, so that it is reported as unreadable rather than skipped
            files += sorted(x for x in p.rglob("*") if x.suffix.lower() in CASE_SUFFIXES
                            and (x.is_file() or (x.is_symlink() and not x.exists())) and x.name not in PACKET_FILES)
        else:
            files.append(p)
    return files


def _reason(exc: BaseException) -> str:
    if isinstance(exc, CaseValidationError):
        count = len(exc.problems)
        first = "; ".join(f"{path}: {msg}" for path, msg in exc.problems[:3])
        more = _(" (and {count} more)").format(count=count - 3) if count > 3 else ""
        return ngettext("invalid case file, {count} problem: {problems}", "invalid case file, {count} problems: {problems}",
                        count).format(count=count, problems=first + more)
    if isinstance(exc, LegalDocsError):
        return _("could not be computed: {error}").format(error=exc)
    return _("could not be computed (internal error {kind}: {error}); please report it").format(
        kind=type(exc).__name__, error=exc)


def scan_alerts(paths: list[Path], as_of: dt.date, within: int) -> AlertReport:
    """The clocks of every case under ``paths`` that have ended or end within ``within`` days of
    ``as_of`` (and those undetermined), most urgent first; satisfied clocks, and appeal and retrial
    periods that have passed, are left out. Written-off cases (账销案存) are included, each alert
    with the case's write-off status; the clocks of a case fully ended (完全终结) on ``as_of`` are
    left out and the case listed in ``ended``.
    Never raises for one file: each failure is an entry of ``unreadable``."""
    report = AlertReport(as_of, within)
    seen: dict[str, Path] = {}
    for f in case_files(paths):
        try:
            loaded = load_case(f, check_files=False)
            clocks = case_clocks(loaded.case, as_of)
        except Exception as exc:  # noqa: BLE001 - one case must never hide the others
            report.unreadable.append(Unreadable(f, _reason(exc)))
            continue
        report.cases += 1
        first = seen.setdefault(loaded.case.case_id, f)
        if first != f:
            report.warnings.append(_("{file} and {first} have the same case_id {case_id}: their calendar reminders "
                                     "would replace each other; give each case its own id").format(
                                         file=f, first=first, case_id=repr(loaded.case.case_id)))
        status = write_off_status(loaded.case, as_of, recoveries=False)
        if status.ended:  # no claim left: nothing to protect (完全终结)
            report.ended.append(EndedCase(loaded.case.case_id, f, status))
            continue
        for c in clocks:
            if c.status == "satisfied" or (c.kind in PASSIVE_KINDS and c.status == "expired"):
                continue
            if c.date is None or c.status in ("expired", "released") or (c.date - as_of).days <= within:
                report.alerts.append(Alert(loaded.case.case_id, f, c, severity(c, as_of), obligor_names(loaded.case, c),
                                           status))
    report.alerts.sort(key=lambda a: (SEVERITY_RANK[a.severity], a.clock.date or dt.date.max, a.case_id))
    return report
