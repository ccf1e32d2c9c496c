"""Checks of Chinese identifiers: 居民身份证号码 (GB 11643), 统一社会信用代码 (GB 32100), and the
numbers of entities registered before the unified code: 注册号 (15 digits, GB/T 17710 = ISO 7064
MOD 11,10 check digit) and 组织机构代码 (9 characters, GB 11714 check character).

Each function returns ``None`` when the value is valid, or a short message naming what is wrong,
in the reader's language (:mod:`legaldocs.i18n`; used as the message of a field problem in case
validation).
"""

from __future__ import annotations

import re

from stdnum import exceptions as _exc
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc
from stdnum.iso7064 import mod_11_10 as _mod_11_10

from legaldocs.i18n import _

# GB 11714-1997: weights of the eight body characters; values 0-9 and A-Z = 10-35
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY = re.compile(r"[0-9A-Z]{8}")


def _problem(module, value: str) -> str | None:
    try:
        module.validate(value)
    except _exc.InvalidChecksum:
        return _("check digit does not match")
    except _exc.InvalidLength:
        return _("has {count} characters, expected 18").format(count=len(value.strip()))
    except _exc.InvalidFormat:
        return _("has characters or a structure that are not allowed")
    except _exc.InvalidComponent:
        return _("contains an invalid component (birth date or region code)")
    except _exc.ValidationError:  # any other stdnum verdict
        return _("is not valid")
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


def registration_number_problem(value: str) -> str | None:
    """Problem with a 15-digit 工商注册号 (GB/T 17710 MOD 11,10 check digit), or None if valid."""
    if not re.fullmatch(r"[0-9]{15}", value):
        return _("has {count} characters, expected 15 digits (注册号)").format(count=len(value)) if value.isdigit() else \
            _("must be 15 digits (注册号)")
    try:
        _mod_11_10.validate(value)
    except _exc.ValidationError:
        return _("check digit does not match")
    return None


def organization_code_check(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation-code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def organization_code_problem(value: str) -> str | None:
    """Problem with a 组织机构代码 (8 characters and a check character, written with or without the
    hyphen: ``D2143569-X``), or None if valid."""
    compact = value.replace("-", "")
    if len(compact) != 9 or not _ORG_BODY.fullmatch(compact[:8]) or compact[8] not in "0123456789X":
        return _("must be 8 digits or capital letters and a check character, e.g. D2143569-X (组织机构代码)")
    if organization_code_check(compact[:8]) != compact[8]:
        return _("check character does not match")
    return None
