"""Passwords, tokens and masking.

Passwords: argon2id (argon2-cffi's defaults, RFC 9106's second recommended setting), rehashed on
login when the parameters change. Tokens: 32 random bytes, shown once, stored as SHA-256 (a
token is not guessable, so a slow hash adds nothing and would cost every request). Identity
numbers (身份证号) and phone numbers are masked in logs and list views."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
#: A hash to verify against when the user does not exist, so both answers take the same time.
_DUMMY = _hasher.hash("legaldocs-no-such-user")
TOKEN_PREFIX = "ld_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new hash to store or None). A missing ``stored`` never matches but costs the
    same time as a real check."""
    try:
        _hasher.verify(stored or _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)


def new_token() -> str:
    """A new secret token: ``ld_`` and 43 URL-safe characters (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# 18-character resident identity numbers (and 15-digit old ones), mobile numbers, landlines
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{1})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask_id_number(value: str | None) -> str | None:
    """``110101199003071234`` -> ``110101********1234``: the region stays, birth date and sequence go."""
    if not value:
        return value
    v = str(value)
    return v[:6] + "*" * (len(v) - 10) + v[-4:] if len(v) > 10 else "*" * len(v)


def mask_phone(value: str | None) -> str | None:
    """``13800000001`` -> ``138****0001``; ``021-50000000`` -> ``021-****0000``."""
    if not value:
        return value
    v = str(value)
    digits = [i for i, c in enumerate(v) if c.isdigit()]
    if len(digits) < 7:
        return v
    hide = digits[-8:-4] if len(digits) >= 8 else digits[-7:-4]
    return "".join("*" if i in hide else c for i, c in enumerate(v))


def mask_text(text: str) -> str:
    """Every identity number and phone number in free text masked (for logs and details)."""
    text = _ID.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3)[-4:].rjust(len(m.group(3)), "*")
                   if len(m.group(3)) == 4 else m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}{'*' * len(m.group(2))}{m.group(3)}", text)


#: Fields of the case data that hold identity or phone numbers, masked for roles that do not need them.
ID_FIELDS = frozenset({"id_number"})
PHONE_FIELDS = frozenset({"phone"})


def mask_case_data(data):
    """A copy of case data (nested dicts and lists) with every ``id_number`` and ``phone`` masked."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if k in ID_FIELDS and isinstance(v, str):
                out[k] = mask_id_number(v)
            elif k in PHONE_FIELDS and isinstance(v, str):
                out[k] = mask_phone(v)
            else:
                out[k] = mask_case_data(v)
        return out
    if isinstance(data, list):
        return [mask_case_data(v) for v in data]
    return data


class MaskingFilter(logging.Filter):
    """A logging filter that masks identity and phone numbers in every record's message and
    arguments (installed on the service's handlers, uvicorn's access log included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
        return True
