"""Deadlines as an iCalendar file (RFC 5545) that Outlook and phone calendars import: one all-day
event per clock, with reminders 30, 7 and 1 days before."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from legaldocs.deadlines.chain import KIND_NAMES, STATUS_NAMES
from legaldocs.files import atomic_path

REMINDER_DAYS = (30, 7, 1)


def ics_bytes(items: list[tuple[str, "object"]], *, stamp: dt.datetime) -> bytes:
    """``items`` — (case id, Clock) pairs — as an iCalendar object (UTF-8 bytes, CRLF lines), one
    all-day event per clock that has a date (undetermined clocks are left out). ``stamp`` is the
    DTSTAMP (the caller's time; this package never reads the clock). UIDs are stable per case and
    clock, so re-importing or a subscribed feed updates events instead of duplicating them."""
    cal = Calendar()
    cal.add("prodid", "-//legaldocs//deadlines//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "清收案件期限")
    for case_id, clock in items:
        if clock.date is None:  # undetermined: nothing to put in a calendar
            continue
        event = Event()
        first = clock.chain[0] if clock.chain else None
        # stable across runs, distinct for two clocks of a kind started on one day (two seizures)
        key = f"{case_id}|{clock.kind}|{clock.obligor}|{first.date if first else ''}|{first.event if first else ''}"
        event.add("uid", hashlib.sha256(key.encode()).hexdigest()[:32] + "@legaldocs")
        event.add("dtstamp", stamp)
        event.add("dtstart", clock.date)
        event.add("dtend", clock.date + dt.timedelta(days=1))
        event.add("summary", f"[{case_id}] {KIND_NAMES.get(clock.kind, clock.kind)}届满" + (f"（{clock.obligor}）" if clock.obligor else ""))
        lines = [f"状态：{STATUS_NAMES.get(clock.status, clock.status)}"]
        if clock.alternative_date:
            lines.append(f"可争辩日期：{clock.alternative_date}")
        if clock.provisional:
            lines.append("节假日安排尚未公布，日期为暂定")
        lines += [f"{link.date} {link.event}（{link.rule}）" for link in clock.chain]
        event.add("description", "\n".join(lines))
        for days in REMINDER_DAYS:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{days}天后：{KIND_NAMES.get(clock.kind, clock.kind)}届满")
            alarm.add("trigger", dt.timedelta(days=-days))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def write_ics(items: list[tuple[str, "object"]], out: Path, *, stamp: dt.datetime) -> Path:
    """Write :func:`ics_bytes` of ``items`` to ``out`` atomically; returns ``out``."""
    data = ics_bytes(items, stamp=stamp)
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)
    return out
