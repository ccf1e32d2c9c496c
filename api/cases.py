"""Cases in the service: reading an uploaded case file (YAML or JSON) into data the database keeps,
validating it with the same loader the command line uses, writing it out with its evidence as a
folder the core can build from, and recomputing its clocks. No HTTP here: errors are
:class:`CaseInputError` with the problems by field path."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, delete, select

from api.models import CaseFile, CaseRecord, StoredClock, utcnow
from legaldocs.case.load import LoadedCase, load_case, read_case_data
from legaldocs.case.model import Case
from legaldocs.deadlines.chain import obligor_names
from legaldocs.deadlines.clocks import case_clocks
from legaldocs.errors import CaseValidationError
from legaldocs.portfolio.status import write_off_status

#: Largest case file accepted (the loader's own limit applies too).
MAX_CASE_BYTES = 2 * 1024 * 1024


class CaseInputError(ValueError):
    """An uploaded case file that cannot be taken: ``problems`` as (field path, message) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(f"{p}: {m}" for p, m in problems[:5]))


def to_json_data(value):
    """Case data as JSON values: Decimal as its exact text, dates as ISO 8601."""
    if isinstance(value, dict):
        return {str(k): to_json_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_data(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):  # a JSON number sent to the API: its shortest exact text, as written
        return value if value != value or value in (float("inf"), float("-inf")) else Decimal(repr(value)).__str__()
    raise CaseInputError("case", [("<file>", f"含有案件文件不能使用的值（{type(value).__name__}）")])


def parse_case_file(content: bytes, filename: str) -> dict:
    """The data of one case file sent as bytes (``.yaml``, ``.yml`` or ``.json`` by name; YAML
    otherwise), validated (evidence files not checked: they are uploaded separately).
    Raises :class:`CaseInputError`."""
    if len(content) > MAX_CASE_BYTES:
        raise CaseInputError(filename, [("<file>", f"案件文件过大（{len(content)}字节，上限{MAX_CASE_BYTES}字节）")])
    suffix = ".json" if filename.lower().endswith(".json") else ".yaml"
    with tempfile.TemporaryDirectory(prefix="legaldocs-import-") as tmp:
        path = Path(tmp) / f"case{suffix}"
        path.write_bytes(content)
        try:
            data = read_case_data(path)
        except CaseValidationError as exc:
            raise CaseInputError(filename, exc.problems) from exc
        except (TypeError, ValueError) as exc:  # YAML a case file cannot hold (a list as a key ...)
            raise CaseInputError(filename, [("<file>", "含有案件文件不能使用的 YAML 结构（如以列表为键）")]) from exc
    return validate_case_data(data, filename)


def validate_case_data(data, source: str = "case") -> dict:
    """``data`` (a mapping of case fields) checked by the case loader; returns it as JSON values.
    Raises :class:`CaseInputError`."""
    if not isinstance(data, dict):
        raise CaseInputError(source, [("<file>", "顶层必须是案件字段的映射")])
    data = to_json_data(data)
    with tempfile.TemporaryDirectory(prefix="legaldocs-check-") as tmp:
        path = Path(tmp) / "case.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        try:
            load_case(path, check_files=False)
        except CaseValidationError as exc:
            raise CaseInputError(source, exc.problems) from exc
    return data


def loaded(record: CaseRecord) -> LoadedCase:
    """The case of a record, loaded without its evidence files (for clocks and figures)."""
    with tempfile.TemporaryDirectory(prefix="legaldocs-case-") as tmp:
        path = Path(tmp) / "case.json"
        path.write_text(json.dumps(record.data, ensure_ascii=False), encoding="utf-8")
        return load_case(path, check_files=False)


def materialize(s: Session, record: CaseRecord, store, folder: Path) -> Path:
    """Write the case file and its uploaded evidence (hard links into the store, or copies) into
    ``folder``, each file under the name the case file gives it; returns the case file's path.
    Names were checked when uploaded; they are checked again to stay inside ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    for f in s.exec(select(CaseFile).where(CaseFile.case_pk == record.id)).all():
        target = (root / f.name).resolve()
        if root not in target.parents:
            raise CaseInputError(f.name, [("evidence", "文件名越出案件目录")])
        target.parent.mkdir(parents=True, exist_ok=True)
        source = store.path(f.sha256)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    path = root / "case.json"
    path.write_text(json.dumps(record.data, ensure_ascii=False), encoding="utf-8")
    return path


def written_off_data(data: dict, today: dt.date) -> bool:
    """:func:`written_off` for case ``data`` (validated case-file fields)."""
    return written_off(loaded(CaseRecord(case_id=str(data.get("case_id", "")), data=data)).case, today)


def written_off(case: Case, today: dt.date) -> bool:
    """Whether the case is written off and still pursued on ``today`` (账销案存: its
    ``write_off.written_off_on`` on or before ``today`` and not fully ended by then), as
    :func:`legaldocs.portfolio.status.write_off_status` decides: what ``CaseRecord.written_off``
    and its filters mean. A case fully ended (完全终结) is not."""
    return write_off_status(case, today, recoveries=False).pursued


def recompute_clocks(s: Session, record: CaseRecord, as_of: dt.date, *, commit: bool = True) -> list[StoredClock]:
    """Compute every clock of the case as of ``as_of`` (the deadline engine) and store them in
    place of the earlier ones, with the case's branch, officer, firm and write-off copied in.
    The write-off (``record.written_off``) follows the case data on ``as_of`` (:func:`written_off`):
    set on import, on every change of the data or events, and by the recomputation of every case
    (so a write-off dated ahead takes effect on its day); it is not a change of the case's version."""
    case = loaded(record).case
    state = written_off(case, as_of)
    if record.written_off != state:
        record.written_off = state
        s.add(record)
    rows = []
    for c in case_clocks(case, as_of):
        rows.append(StoredClock(
            case_pk=record.id, case_id=record.case_id, kind=c.kind, obligor=c.obligor,
            obligor_names=obligor_names(case, c)[:500], last_day=c.date, alternative_date=c.alternative_date,
            status=c.status, provisional=c.provisional, chain=[to_json_data(link.as_dict()) for link in c.chain],
            notes=list(c.notes), computed_on=as_of, branch=record.branch, officer_id=record.officer_id,
            law_firm_id=record.law_firm_id, written_off=record.written_off))
    s.exec(delete(StoredClock).where(StoredClock.case_pk == record.id))
    s.add_all(rows)
    if commit:
        s.commit()
    return rows


def copy_case_fields_to_clocks(s: Session, record: CaseRecord) -> None:
    """After a change of branch, officer, firm or write-off: the case's clocks carry the new values."""
    for c in s.exec(select(StoredClock).where(StoredClock.case_pk == record.id)).all():
        c.branch, c.officer_id, c.law_firm_id, c.written_off = (record.branch, record.officer_id,
                                                                 record.law_firm_id, record.written_off)
        s.add(c)


def new_record(data: dict) -> CaseRecord:
    """A record for validated case ``data``; the branch defaults to the creditor (the suing branch).
    Its write-off is set from the data when its clocks are computed (:func:`recompute_clocks`)."""
    return CaseRecord(case_id=str(data["case_id"]), title=str(data.get("title") or "")[:500],
                      branch=str((data.get("creditor") or {}).get("name") or "")[:200], data=data,
                      created_at=utcnow(), updated_at=utcnow())


def parse_ledger(content: bytes) -> list[dict]:
    """The cases of an .xlsx ledger (docs/ledger.md), each validated. All or nothing: raises
    :class:`CaseInputError` with every problem, by sheet, row and field."""
    from legaldocs.portfolio.ledger import LedgerError, read_ledger

    with tempfile.TemporaryDirectory(prefix="legaldocs-ledger-") as tmp:
        path = Path(tmp) / "ledger.xlsx"
        path.write_bytes(content)
        try:
            cases = read_ledger(path)
        except LedgerError as exc:
            raise CaseInputError("ledger.xlsx", exc.problems) from exc
    out, problems = [], []
    for where, data in cases:
        try:
            out.append(validate_case_data(data, where))
        except CaseInputError as exc:
            problems += [(f"{where}: {p}", m) for p, m in exc.problems]
    if problems:
        raise CaseInputError("ledger.xlsx", problems)
    return out
