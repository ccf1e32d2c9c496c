"""Checks of Chinese identifiers: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100).

Each function returns ``None`` when the value is valid, or a short English message naming what
is wrong (used as the message of a field problem in case validation).
"""

from __future__ import annotations

from stdnum import exceptions as _exc
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc


def _problem(module, value: str) -> str | None:
    try:
        module.validate(value)
    except _exc.InvalidChecksum:
        return "check digit does not match"
    except _exc.InvalidLength:
        return f"has {len(value.strip())} characters, expected 18"
    except _exc.InvalidFormat:
        return "has characters or a structure that are not allowed"
    except _exc.InvalidComponent:
        return "contains an invalid component (birth date or region code)"
    except _exc.ValidationError as exc:  # any other stdnum verdict
        return str(exc) or "is not valid"
    return None


def resident_id_problem(value: str) -> str | None:
    """Problem with a 居民身份证号码 (18 characters, GB 11643-1999 check digit), or None if valid."""
    return _problem(_ric, value)


def uscc_problem(value: str) -> str | None:
    """Problem with a 统一社会信用代码 (18 characters, GB 32100-2015 check character), or None if valid."""
    return _problem(_uscc, value)


def resident_id_birth_date(value: str):
    """Birth date encoded in a valid 居民身份证号码 (datetime.date)."""
    return _ric.get_birth_date(value)


def resident_id_gender(value: str) -> str:
    """'男' or '女' from the 17th digit of a valid 居民身份证号码 (odd = male)."""
    return "男" if int(value[16]) % 2 else "女"
