"""Reading and validating case files (YAML or JSON) into :class:`legaldocs.case.model.Case`.

Validation reports **every** problem at once, each by field path, e.g.
``parties.P2.id_number: 校验位不符`` (the path as in the file, the message in the reader's
language, :mod:`legaldocs.i18n`): field checks from the model, then checks
across sections (every reference resolved, dates in order, identity consistent with the ID
number, every evidence file present and readable). Nothing is written anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from legaldocs.chinese import format_amount
from legaldocs.errors import CaseValidationError
from legaldocs.case.identifiers import resident_id_birth_date, resident_id_gender, resident_id_problem
from legaldocs.case.model import CLOCK_KINDS, MAX_AMOUNT, PROCEEDING_ENDS, Case, ValidationError
from legaldocs.i18n import N_, _

# LPR (贷款市场报价利率) in its reformed form is published from this day (中国人民银行公告〔2019〕第15号)
LPR_FIRST_PUBLISHED = dt.date(2019, 8, 20)
_PROCEEDING_STARTS = {end.value: start.value for end, start in PROCEEDING_ENDS.items()}


def _currency_problems(loans: list, claim: dict) -> list[tuple[str, str]]:
    """One currency per claim: every loan in the claim's currency; a foreign-currency claim gives
    the exchange rate that states its fee base in 元 (诉讼费用交纳办法 art 55)."""
    problems = []
    currency = claim.get("currency", "CNY")
    for i, loan in enumerate(loans):
        if isinstance(loan, dict) and loan.get("currency", "CNY") != currency:
            problems.append((f"loans[{i}].currency", _("{currency} differs from claim.currency ({claim_currency}); "
                             "claims in different currencies are separate claims").format(
                                 currency=loan.get("currency", "CNY"), claim_currency=currency)))
    for j, cost in enumerate(_list(claim, "costs")):
        if isinstance(cost, dict) and cost.get("currency", "CNY") not in ("CNY", currency):
            problems.append((f"claim.costs[{j}].currency", _("must be CNY or the claim's currency ({currency}): "
                             "state a cost paid in another currency in 元").format(currency=currency)))
    if currency != "CNY" and claim.get("exchange_rate") is None:
        problems.append(("claim.exchange_rate", _("is required for a claim in {currency}: the court fee is computed in 元 at the rate "
                         "of the day the court accepts the case (诉讼费用交纳办法第五十五条)").format(currency=currency)))
    if currency == "CNY" and claim.get("exchange_rate") is not None:
        problems.append(("claim.exchange_rate", _("is only for a claim in foreign currency")))
    return problems

MAX_CASE_FILE_BYTES = 5_000_000
EVIDENCE_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".docx", ".ofd")


@dataclass(frozen=True)
class LoadedCase:
    """A validated case with where it came from.

    ``evidence_files`` maps each evidence id to its files as absolute paths, in list order.
    """

    case: Case
    path: Path
    evidence_files: dict[str, tuple[Path, ...]]


class _SafeDecimalLoader(yaml.SafeLoader):
    """Safe YAML loader: floats become Decimal (exact money), aliases are refused."""

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, _("YAML aliases (*name) are not accepted in case files"), event.start_mark
            )
        return super().compose_node(parent, index)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # .inf / .nan
        raise yaml.constructor.ConstructorError(
            None, None, _("not a decimal number: {text}").format(text=repr(text)), node.start_mark
        ) from exc


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    seen: dict = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, _("duplicate key {key} (first at line {line})").format(key=repr(key), line=seen[key] + 1),
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=True)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node):
    # an impossible date (2023-02-30) stays text so that validation names its field
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node):
    # YAML 1.1 reads 0123 as octal 83, 0x1F as 31 and 12:30 as 750: such a scalar stays the text
    # it is (a case id, a number with leading zeros), and the field checks say what is wrong
    text = loader.construct_scalar(node)
    if not _PLAIN_INT.fullmatch(text):
        return text
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_SafeDecimalLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_SafeDecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_SafeDecimalLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_SafeDecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(_("duplicate key {key}").format(key=repr(key)))
        out[key] = value
    return out


def read_case_data(path: Path) -> Any:
    """Parse a case file (``.yaml``/``.yml``/``.json``) into plain data; numbers with a decimal
    point become ``Decimal``. Raises CaseValidationError (with path ``<file>``) when the file is
    missing, too large, not UTF-8, or not valid YAML/JSON."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CaseValidationError(source, [("<file>", _("cannot be read: {reason}").format(reason=exc.strerror))]) from exc
    if not path.is_file():
        kind = _("is a folder") if path.is_dir() else _("is not a regular file")
        raise CaseValidationError(source, [("<file>", kind)])
    if size > MAX_CASE_FILE_BYTES:
        raise CaseValidationError(source, [("<file>", _("is {size} bytes; case files are limited to {limit}").format(
            size=size, limit=MAX_CASE_FILE_BYTES))])
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise CaseValidationError(source, [("<file>", _(
            "is a workbook, not a case file: an .xlsx case ledger is read by `legaldocs classify` and imported by the "
            "service; this command takes one case file (.yaml, .yml or .json)"))])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CaseValidationError(source, [("<file>", _("is not UTF-8 text"))]) from exc
    except OSError as exc:
        raise CaseValidationError(source, [("<file>", _("cannot be read: {reason}").format(reason=exc.strerror))]) from exc
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicate_keys)
        return yaml.load(text, Loader=_SafeDecimalLoader)  # noqa: S506 - safe loader subclass
    except RecursionError as exc:
        raise CaseValidationError(source, [("<file>", _("is nested too deeply to be a case file"))]) from exc
    except ValueError as exc:  # duplicate JSON keys
        if not isinstance(exc, json.JSONDecodeError):
            raise CaseValidationError(source, [("<file>", _("invalid JSON: {problem}").format(problem=exc))]) from exc
        raise CaseValidationError(source, [("<file>", _("invalid JSON at line {line}: {problem}").format(
            line=exc.lineno, problem=exc.msg))]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        message = (_("invalid YAML at line {line}: {problem}").format(line=mark.line + 1, problem=problem) if mark
                   else _("invalid YAML: {problem}").format(problem=problem))
        raise CaseValidationError(source, [("<file>", message)]) from exc


def load_case(path: Path | str, *, confine_to: Path | None = None, check_files: bool = True) -> LoadedCase:
    """Read and validate a case file.

    ``path``: the case file; evidence file names in it are relative to its folder.
    ``confine_to``: when given, every evidence file must resolve inside this folder (for files
    uploaded to a service); the command line leaves it unset. ``check_files=False`` skips the
    evidence files (for work that does not need them, such as deadlines).
    Returns :class:`LoadedCase`. Raises :class:`CaseValidationError` listing every problem.
    """
    path = Path(path)
    data = read_case_data(path)
    source = str(path)
    if not isinstance(data, dict):
        raise CaseValidationError(source, [("<file>", _("must hold a mapping of case fields at the top level"))])
    problems: list[tuple[str, str]] = []
    case: Case | None = None
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc))
    except RecursionError as exc:
        raise CaseValidationError(source, [("<file>", _("is nested too deeply to be a case file"))]) from exc
    problems.extend(_cross_problems(data))
    evidence_files, file_problems = _evidence_files(data, path.parent, confine_to)
    if check_files:
        problems.extend(file_problems)
    if problems or case is None:
        raise CaseValidationError(source, _dedupe(problems))
    return LoadedCase(case=case, path=path.resolve(), evidence_files=evidence_files)


def _dedupe(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


_PYDANTIC_TAGS = {"person", "organization"}


def _format_loc(loc: tuple) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in _PYDANTIC_TAGS and i > 0 and loc[i - 1] not in ("kind",) and i >= 2 and loc[0] == "parties":
            continue  # the discriminated-union tag pydantic adds
        elif item.startswith("function-after[") or item.startswith("tagged-union["):
            continue
        elif item == "[key]":
            parts.append(" (id)")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "<case>"


# pydantic's error types -> our messages (translated where shown)
_MESSAGES = {
    "decimal_type": N_("must be a number"),
    "decimal_parsing": N_("is not a number"),
    "date_type": N_("must be a date (YYYY-MM-DD)"),
    "date_parsing": N_("is not a valid date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("is not a valid date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": N_("must be a date without a time"),
    "string_type": N_("must be text"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "list_type": N_("must be a list"),
    "dict_type": N_("must be a mapping"),
    "model_type": N_("must be a mapping of fields"),
    "model_attributes_type": N_("must be a mapping of fields"),
}
# pydantic's error types with a limit in their context -> (context key, message)
_LIMITS = {
    "too_short": ("min_length", N_("must have at least {count} item(s)")),
    "too_long": ("max_length", N_("must have at most {count} item(s)")),
    "greater_than": ("gt", N_("must be greater than {count}")),
    "greater_than_equal": ("ge", N_("must be at least {count}")),
    "less_than": ("lt", N_("must be less than {count}")),
    "less_than_equal": ("le", N_("must be at most {count}")),
}
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _pydantic_problems(exc: ValidationError) -> list[tuple[str, str]]:
    return validation_problems(exc.errors(include_url=False))


def validation_problems(errors: list[dict], *, case_fields: bool = True) -> list[tuple[str, str]]:
    """pydantic's errors (``ValidationError.errors()``, or a web framework's request errors of
    the same shape) as (field path, message in the reader's language) pairs. ``case_fields``:
    the fields are those of a case file (patterns are then explained as the case file's ids);
    otherwise a pattern mismatch is said plainly."""
    out = []
    for err in errors:
        msg = err["msg"]
        kind = err["type"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif kind == "missing":
            msg = _("is required")
        elif kind == "extra_forbidden":
            msg = _("is not a known field")
        elif kind == "union_tag_invalid" or kind == "union_tag_not_found":
            msg = _("kind must be 'person' or 'organization'")
        elif kind == "string_pattern_mismatch" and not case_fields:
            msg = _("is not in the expected form")
        elif kind == "string_pattern_mismatch":
            if tuple(err["loc"]) == ("case_id",):
                msg = _("must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
            elif err.get("ctx", {}).get("pattern") == "^[0-9]{6}$":
                msg = _("must be 6 digits")
            else:
                msg = _("must be an id of 1 to 32 letters, digits, '_' or '-', starting with a letter")
        elif kind in _MESSAGES:
            msg = _(_MESSAGES[kind])
        elif kind in _LIMITS and _LIMITS[kind][0] in err.get("ctx", {}):
            key, message = _LIMITS[kind]
            msg = _(message).format(count=err["ctx"][key])
        elif kind in ("literal_error", "enum") and _QUOTED.findall(str(err.get("ctx", {}).get("expected", ""))):
            msg = _("must be one of: {choices}").format(
                choices=", ".join(f"'{v}'" for v in _QUOTED.findall(str(err["ctx"]["expected"]))))
        elif kind == "json_invalid":
            msg = _("is not valid JSON")
        elif kind in ("string_too_long", "string_too_short") and err.get("ctx"):
            limit = err["ctx"].get("max_length", err["ctx"].get("min_length"))
            msg = (_("must have at most {count} characters") if kind == "string_too_long"
                   else _("must have at least {count} characters")).format(count=limit)
        elif msg.startswith("Input should be "):
            msg = "must be " + msg[len("Input should be ") :]  # a pydantic verdict not named above, as it says it
        out.append((_format_loc(tuple(err["loc"])), msg))
    return out


def _ids(items: Any, path: str, problems: list[tuple[str, str]]) -> set[str]:
    ids: set[str] = set()
    if not isinstance(items, list):
        return ids
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in ids:
                problems.append((f"{path}[{i}].id", _("duplicate id {id}").format(id=repr(item["id"]))))
            ids.add(item["id"])
    return ids


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _as_decimal(value: Any) -> Decimal | None:
    """A finite number from raw data, or None (the field checks report what is wrong)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, Decimal)):
            number = Decimal(value)
        elif isinstance(value, str):
            number = Decimal(value)
        else:
            return None
    except InvalidOperation:
        return None
    # implausible amounts are reported by the field checks; sums of them would overflow the formatting
    return number if number.is_finite() and abs(number) < MAX_AMOUNT else None


YEARS = (1900, 2199)  # the dates a case can hold, as on the command line


def _date_problems(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Dates outside the years a case can hold, anywhere in the raw data, by field path."""
    out: list[tuple[str, str]] = []
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if not YEARS[0] <= value.year <= YEARS[1]:
            out.append((path or "<case>", _("{date} is outside the years {first}-{last}").format(
                date=value, first=YEARS[0], last=YEARS[1])))
    elif isinstance(value, dict):
        for key, item in value.items():
            out += _date_problems(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _date_problems(item, f"{path}[{i}]")
    return out


def _str(value: Any) -> str | None:
    """A text value from raw data, or None (a list or mapping where an id belongs)."""
    return value if isinstance(value, str) else None


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    return value if isinstance(value, list) else []


# what a reference names -> the problem when it names nothing defined
_UNDEFINED = {
    "party": N_("refers to party {id}, which is not defined"),
    "loan": N_("refers to loan {id}, which is not defined"),
    "evidence item": N_("refers to evidence item {id}, which is not defined"),
    "guarantee or collateral": N_("refers to guarantee or collateral {id}, which is not defined"),
}


def _cross_problems(data: dict) -> list[tuple[str, str]]:
    """Checks across sections on the raw data, so they run even when field checks fail."""
    problems: list[tuple[str, str]] = _date_problems(data)
    parties = data.get("parties") if isinstance(data.get("parties"), dict) else {}
    loans = _list(data, "loans")
    loan_ids = _ids(loans, "loans", problems)
    evidence_ids = _ids(_list(data, "evidence"), "evidence", problems)
    _ids(_list(data, "guarantees"), "guarantees", problems)
    _ids(_list(data, "collateral"), "collateral", problems)

    def ref(value: Any, known: set[str] | dict, path: str, what: str) -> None:
        if isinstance(value, str) and value not in known:
            problems.append((path, _(_UNDEFINED[what]).format(id=repr(value))))

    def refs(values: Any, known: set[str] | dict, path: str, what: str) -> None:
        if isinstance(values, list):
            for j, v in enumerate(values):
                ref(v, known, f"{path}[{j}]", what)

    # parties: identity consistent with the ID number
    for pid, party in parties.items():
        if not isinstance(party, dict) or party.get("kind") != "person":
            continue
        number = party.get("id_number")
        if isinstance(number, str) and resident_id_problem(number.strip().upper()) is None:
            number = number.strip().upper()
            birth = _as_date(party.get("birth_date"))
            if birth and birth != resident_id_birth_date(number):
                problems.append((f"parties.{pid}.birth_date", _("{date} differs from the birth date in id_number ({encoded})").format(
                    date=birth, encoded=resident_id_birth_date(number))))
            gender = party.get("gender")
            if gender in ("男", "女") and gender != resident_id_gender(number):
                problems.append((f"parties.{pid}.gender", _("{gender} differs from the gender encoded in id_number").format(gender=gender)))

    first_signed: dt.date | None = None
    first_draw: dict[str, dt.date] = {}
    disbursed = Decimal(0)
    for i, loan in enumerate(loans):
        if not isinstance(loan, dict):
            continue
        p = f"loans[{i}]"
        refs(loan.get("borrowers"), parties, f"{p}.borrowers", "party")
        signed = _as_date(loan.get("signed_on"))
        if signed and (first_signed is None or signed < first_signed):
            first_signed = signed
        total = Decimal(0)
        for j, draw in enumerate(loan.get("draws") if isinstance(loan.get("draws"), list) else []):
            if not isinstance(draw, dict):
                continue
            d_date, d_mat = _as_date(draw.get("date")), _as_date(draw.get("maturity"))
            if signed and d_date and d_date < signed:
                problems.append((f"{p}.draws[{j}].date", _("{date} is before the contract was signed ({signed})").format(
                    date=d_date, signed=signed)))
            if d_date and d_mat and d_mat <= d_date:
                problems.append((f"{p}.draws[{j}].maturity", _("{maturity} is not after the draw date {date}").format(
                    maturity=d_mat, date=d_date)))
            if d_date and isinstance(loan.get("id"), str):
                lid = loan["id"]
                first_draw[lid] = min(first_draw.get(lid, d_date), d_date)
            amount = _as_decimal(draw.get("amount"))
            if amount is not None and amount > 0:
                total += amount
                disbursed += amount
        principal = _as_decimal(loan.get("principal"))
        if principal is not None and principal > 0 and total > principal:
            problems.append((f"{p}.draws", _("draws total {total} 元, more than the contract principal {principal} 元").format(
                total=total, principal=principal)))

    borrowers_of = {
        loan["id"]: {b for b in loan["borrowers"] if isinstance(b, str)} for loan in loans
        if isinstance(loan, dict) and isinstance(loan.get("id"), str) and isinstance(loan.get("borrowers"), list)
    }
    for i, g in enumerate(_list(data, "guarantees")):
        if isinstance(g, dict):
            ref(g.get("guarantor"), parties, f"guarantees[{i}].guarantor", "party")
            refs(g.get("secures"), loan_ids, f"guarantees[{i}].secures", "loan")
            for lid in g.get("secures") if isinstance(g.get("secures"), list) else []:
                if isinstance(lid, str) and _str(g.get("guarantor")) in borrowers_of.get(lid, set()):
                    problems.append((f"guarantees[{i}].guarantor", _("{party} is a borrower of {loan} and cannot guarantee its own debt").format(
                        party=repr(g["guarantor"]), loan=lid)))
    for i, c in enumerate(_list(data, "collateral")):
        if isinstance(c, dict):
            ref(c.get("owner"), parties, f"collateral[{i}].owner", "party")
            refs(c.get("secures"), loan_ids, f"collateral[{i}].secures", "loan")
            signed, registered = _as_date(c.get("signed_on")), _as_date(c.get("registered_on"))
            if signed and registered and registered < signed:
                problems.append((f"collateral[{i}].registered_on", _("{date} is before the contract was signed ({signed})").format(
                    date=registered, signed=signed)))
    for i, r in enumerate(_list(data, "repayments")):
        if isinstance(r, dict):
            ref(r.get("loan"), loan_ids, f"repayments[{i}].loan", "loan")
            refs(r.get("evidence"), evidence_ids, f"repayments[{i}].evidence", "evidence item")
            r_date, lid = _as_date(r.get("date")), r.get("loan")
            if r_date and isinstance(lid, str) and lid in first_draw and r_date < first_draw[lid]:
                problems.append((f"repayments[{i}].date", _("{date} is before the first draw of {loan} ({first})").format(
                    date=r_date, loan=lid, first=first_draw[lid])))
    events = [e for e in _list(data, "events") if isinstance(e, dict)]
    for i, e in enumerate(_list(data, "events")):
        if isinstance(e, dict):
            refs(e.get("parties"), parties, f"events[{i}].parties", "party")
            refs(e.get("loans"), loan_ids, f"events[{i}].loans", "loan")
            refs(e.get("evidence"), evidence_ids, f"events[{i}].evidence", "evidence item")
            e_date = _as_date(e.get("date"))
            if e_date and first_signed and e_date < first_signed:
                problems.append((f"events[{i}].date", _("{date} is before the first loan contract was signed ({signed})").format(
                    date=e_date, signed=first_signed)))
            executed = _as_date(e.get("executed_on"))
            if executed and e_date and executed < e_date:
                problems.append((f"events[{i}].executed_on", _("{executed} is before the ruling of {date}").format(
                    executed=executed, date=e_date)))
            until = _as_date(e.get("until"))
            if until and e_date and until < e_date and e.get("kind") in ("判决生效", "诉讼时效中止事由", "破产申请受理公告"):
                problems.append((f"events[{i}].until", _("{until} is before the event's date {date}").format(until=until, date=e_date)))
            start = _PROCEEDING_STARTS.get(_str(e.get("kind")) or "")
            if start and e_date and not any(
                x.get("kind") == start and (_as_date(x.get("date")) or dt.date.max) <= e_date for x in events
            ):
                problems.append((f"events[{i}].kind", _("{kind} ends a proceeding, but no {start} event on or before {date} starts it").format(
                    kind=e["kind"], start=start, date=e_date)))
    problems.extend(_recovery_problems(data, parties, loan_ids, evidence_ids, first_signed))
    claim = data.get("claim") if isinstance(data.get("claim"), dict) else {}
    problems.extend(_currency_problems(loans, claim))
    guarantee_ids = _ids(_list(data, "guarantees"), "guarantees", [])
    collateral_ids = _ids(_list(data, "collateral"), "collateral", [])
    for i, c in enumerate(_list(data, "collateral")):
        if isinstance(c, dict) and _str(c.get("id")) in guarantee_ids:
            problems.append((f"collateral[{i}].id", _("{id} is also a guarantee's id; ids of guarantees and collateral must differ").format(
                id=repr(c["id"]))))
    security = guarantee_ids | collateral_ids
    order = _list(data, "security_order")
    refs(order, security, "security_order", "guarantee or collateral")
    for j, ref_id in enumerate(order):
        if order.index(ref_id) != j:
            problems.append((f"security_order[{j}]", _("{id} is listed twice").format(id=repr(ref_id))))
    for i, loan in enumerate(loans):
        if isinstance(loan, dict) and isinstance(loan.get("lpr"), dict) and isinstance(loan.get("id"), str):
            drawn = first_draw.get(loan["id"])
            if drawn and drawn < LPR_FIRST_PUBLISHED:
                problems.append((f"loans[{i}].lpr", _("the LPR is published from {published}; a loan drawn on {drawn} "
                                 "was priced on another basis: give its rates as rate_changes").format(
                                     published=LPR_FIRST_PUBLISHED, drawn=drawn)))
    for i, c in enumerate(_list(data, "collateral")):
        if isinstance(c, dict) and c.get("registration_kind") == "未登记" and c.get("registered_on") is not None:
            problems.append((f"collateral[{i}].registered_on", _("is given, but registration_kind says 未登记 (not registered)")))
    for i, stated in enumerate(_list(data, "stated")):
        stated_as_of = _as_date(stated.get("as_of")) if isinstance(stated, dict) else None
        if stated_as_of and first_draw and stated_as_of < min(first_draw.values()):
            problems.append((f"stated[{i}].as_of", _("{date} is before the first draw ({first})").format(
                date=stated_as_of, first=min(first_draw.values()))))
        if isinstance(stated, dict) and isinstance(stated.get("dates"), dict):
            for key in stated["dates"]:
                if key not in CLOCK_KINDS:
                    problems.append((f"stated[{i}].dates.{key}", _("is not a clock kind; use one of {kinds}").format(
                        kinds=", ".join(CLOCK_KINDS))))
    if claim.get("amounts") == "bank" and claim.get("principal") is None:
        problems.append(("claim.principal", _("is required when claim.amounts is 'bank'")))
    claimed = _as_decimal(claim.get("principal"))
    if claimed is not None and disbursed > 0 and claimed > disbursed:
        problems.append(("claim.principal", _("{claimed} 元 is more than the {disbursed} 元 disbursed under all loans").format(
            claimed=format_amount(claimed), disbursed=format_amount(disbursed))))
    repaid = Decimal(0)
    for i, r in enumerate(_list(data, "repayments")):
        if not isinstance(r, dict):
            continue
        amount = _as_decimal(r.get("amount"))
        if amount is not None and amount > 0 and r.get("applied_to") == "principal":
            repaid += amount
    if disbursed > 0 and repaid > disbursed:
        problems.append(("repayments", _("principal repaid ({repaid} 元) is more than was disbursed ({disbursed} 元)").format(
            repaid=format_amount(repaid), disbursed=format_amount(disbursed))))
    for j, cost in enumerate(_list(claim, "costs")):
        if isinstance(cost, dict):
            refs(cost.get("evidence"), evidence_ids, f"claim.costs[{j}].evidence", "evidence item")
    as_of = _as_date(claim.get("as_of"))
    filing = _as_date(claim.get("filing_date"))
    if as_of and filing and filing < as_of:
        problems.append(("claim.filing_date", _("{filing} is before the date the amounts are stated to ({as_of})").format(
            filing=filing, as_of=as_of)))
    if as_of and first_draw and as_of < min(first_draw.values()):
        problems.append(("claim.as_of", _("{date} is before the first draw ({first})").format(date=as_of, first=min(first_draw.values()))))
    problems.extend(_filing_set_problems(data, parties))
    return problems


def _recovery_problems(data: dict, parties: dict, loan_ids: set[str], evidence_ids: set[str],
                       first_signed: dt.date | None) -> list[tuple[str, str]]:
    """References and dates of the recovery sections: repayments' payers, pursuits, risk and
    write-off (each party, loan and evidence item defined; nothing before the first contract;
    a write-off's end not before the write-off)."""
    problems: list[tuple[str, str]] = []

    def check(item: Any, path: str, *, party: str | None = None, loan: str | None = None,
              evidence: str | None = None, dated: str | None = "date") -> None:
        if not isinstance(item, dict):
            return
        if party and isinstance(item.get(party), str) and item[party] not in parties:
            problems.append((f"{path}.{party}", _(_UNDEFINED["party"]).format(id=repr(item[party]))))
        if loan and isinstance(item.get(loan), str) and item[loan] not in loan_ids:
            problems.append((f"{path}.{loan}", _(_UNDEFINED["loan"]).format(id=repr(item[loan]))))
        if evidence and isinstance(item.get(evidence), list):
            for j, ref in enumerate(item[evidence]):
                if isinstance(ref, str) and ref not in evidence_ids:
                    problems.append((f"{path}.{evidence}[{j}]", _(_UNDEFINED["evidence item"]).format(id=repr(ref))))
        when = _as_date(item.get(dated)) if dated else None
        if when and first_signed and when < first_signed:
            problems.append((f"{path}.{dated}", _("{date} is before the first loan contract was signed ({signed})").format(
                date=when, signed=first_signed)))

    borrowers_of = {loan["id"]: {b for b in loan["borrowers"] if isinstance(b, str)} for loan in _list(data, "loans")
                    if isinstance(loan, dict) and isinstance(loan.get("id"), str) and isinstance(loan.get("borrowers"), list)}
    for i, r in enumerate(_list(data, "repayments")):
        check(r, f"repayments[{i}]", party="party", dated=None)
        if isinstance(r, dict) and r.get("source") == "guarantor":
            if r.get("party") is None:
                problems.append((f"repayments[{i}].party", _("is required when source is guarantor: name the guarantor who paid")))
            elif isinstance(r.get("party"), str) and isinstance(r.get("loan"), str) and r["party"] in borrowers_of.get(r["loan"], set()):
                problems.append((f"repayments[{i}].party", _("{party} is a borrower of {loan}: a borrower's payment has source "
                                                               "borrower, not guarantor").format(party=repr(r["party"]), loan=r.get("loan"))))
    for i, item in enumerate(_list(data, "pursuits")):
        check(item, f"pursuits[{i}]", party="party", evidence="evidence")
    risk = data.get("risk") if isinstance(data.get("risk"), dict) else {}
    for section in ("history", "provisions"):
        for i, item in enumerate(_list(risk, section)):
            check(item, f"risk.{section}[{i}]", loan="loan")
    for i, item in enumerate(_list(risk, "restructurings")):
        p = f"risk.restructurings[{i}]"
        check(item, p, loan="loan", evidence="evidence", dated="changed_on")
        if isinstance(item, dict):
            changed, first = _as_date(item.get("changed_on")), _as_date(item.get("first_repayment"))
            if changed and first and first < changed:
                problems.append((f"{p}.first_repayment", _("{date} is before the contract was changed ({changed})").format(
                    date=first, changed=changed)))
    write_off = data.get("write_off") if isinstance(data.get("write_off"), dict) else {}
    for i, item in enumerate(_list(write_off, "asset_searches")):
        check(item, f"write_off.asset_searches[{i}]", party="party", evidence="evidence")
    booked = _as_date(write_off.get("written_off_on"))
    ended = write_off.get("ended") if isinstance(write_off.get("ended"), dict) else None
    if ended is not None:
        check(ended, "write_off.ended", evidence="evidence")
        end = _as_date(ended.get("date"))
        if booked is None:
            problems.append(("write_off.ended", _("is given, but write_off.written_off_on is not: only a written-off claim ends this way")))
        elif end and end < booked:
            problems.append(("write_off.ended.date", _("{date} is before the write-off ({booked})").format(date=end, booked=booked)))
    proposed = _as_date(write_off.get("proposed_on"))
    if proposed and booked and booked < proposed:
        problems.append(("write_off.written_off_on", _("{date} is before the write-off was proposed ({proposed})").format(
            date=booked, proposed=proposed)))
    return problems


def _filing_set_problems(data: dict, parties: dict) -> list[tuple[str, str]]:
    """References of the sections the later filings use (preservation, enforcement, leads)."""
    problems: list[tuple[str, str]] = []
    for section in ("preservation", "judgment"):
        block = data.get(section) if isinstance(data.get(section), dict) else {}
        for j, ref_id in enumerate(_list(block, "respondents")):
            if isinstance(ref_id, str) and ref_id not in parties:
                problems.append((f"{section}.respondents[{j}]", _(_UNDEFINED["party"]).format(id=repr(ref_id))))
    judgment = data.get("judgment") if isinstance(data.get("judgment"), dict) else {}
    effective, due = _as_date(judgment.get("effective_on")), _as_date(judgment.get("performance_due"))
    if effective and due and due < effective:
        problems.append(("judgment.performance_due", _("{due} is before the judgment took effect ({effective})").format(
            due=due, effective=effective)))
    for i, lead in enumerate(_list(data, "property_leads")):
        if isinstance(lead, dict) and isinstance(lead.get("owner"), str) and lead["owner"] not in parties:
            problems.append((f"property_leads[{i}].owner", _(_UNDEFINED["party"]).format(id=repr(lead["owner"]))))
    for i, item in enumerate(_list(data, "evidence")):
        who = item.get("identity_of") if isinstance(item, dict) else None
        if isinstance(who, str) and who not in ("creditor", "agents") and who not in parties:
            problems.append((f"evidence[{i}].identity_of", _("refers to party {id}, which is not defined (or 'creditor' or 'agents')").format(id=repr(who))))
    return problems


def _evidence_files(
    data: dict, base: Path, confine_to: Path | None
) -> tuple[dict[str, tuple[Path, ...]], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    result: dict[str, tuple[Path, ...]] = {}
    root = confine_to.resolve() if confine_to is not None else None
    for i, item in enumerate(_list(data, "evidence")):
        if not isinstance(item, dict):
            continue
        files = item.get("files") if isinstance(item.get("files"), list) else []
        paths: list[Path] = []
        for j, name in enumerate(files):
            where = f"evidence[{i}].files[{j}]"
            if not isinstance(name, str) or not name.strip():
                continue  # reported by the field checks
            if "\x00" in name:
                problems.append((where, _("file name contains a NUL character")))
                continue
            try:
                candidate = (base / name.strip()).resolve()
            except (OSError, RuntimeError) as exc:  # symlink loops
                problems.append((where, _("{name} cannot be resolved: {problem}").format(name=repr(name), problem=exc)))
                continue
            if candidate in paths:
                problems.append((where, _("{name} is listed twice in this evidence item").format(name=repr(name))))
                continue
            if root is not None and not candidate.is_relative_to(root):
                problems.append((where, _("{name} points outside the case folder").format(name=repr(name))))
                continue
            try:
                exists, is_file = candidate.exists(), candidate.is_file()
            except OSError as exc:  # a name too long for the file system, and the like
                problems.append((where, _("{name} cannot be looked up: {reason}").format(name=repr(name[:80]), reason=exc.strerror or exc)))
                continue
            if not exists:
                problems.append((where, _("{name} does not exist ({path})").format(name=repr(name), path=candidate)))
                continue
            if not is_file:
                kind = _("{name} is a folder") if candidate.is_dir() else _("{name} is not a regular file")
                problems.append((where, kind.format(name=repr(name))))
                continue
            if candidate.suffix.lower() not in EVIDENCE_SUFFIXES:
                problems.append((where, _("{name}: unsupported file type; use one of {types}").format(
                    name=repr(name), types=", ".join(EVIDENCE_SUFFIXES))))
                continue
            try:
                with candidate.open("rb") as fh:
                    head = fh.read(1)
            except OSError as exc:
                problems.append((where, _("{name} cannot be read: {reason}").format(name=repr(name), reason=exc.strerror)))
                continue
            if not head:
                problems.append((where, _("{name} is empty").format(name=repr(name))))
                continue
            paths.append(candidate)
        if isinstance(item.get("id"), str):
            result[item["id"]] = tuple(paths)
    return result, problems
