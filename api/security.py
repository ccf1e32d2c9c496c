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
import traceback

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
# whole numbers only: digits inside a hexadecimal id (a job's) are not a phone number
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3}-?)(\d{3,4})(\d{4})(?![0-9A-Za-z])")
# a token (an API token, a session, a calendar feed's secret address) cut to its prefix
_TOKEN = re.compile(r"(ld_[A-Za-z0-9_-]{7})[A-Za-z0-9_-]{20,}")


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
    text = _TOKEN.sub(lambda m: m.group(1) + "…", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}{'*' * len(m.group(2))}{m.group(3)}", text)


#: Fields of the case data that hold identity or phone numbers (also any ``..._id_number`` and
#: ``..._phone``, such as ``notices.contact_phone``), masked for roles that do not need them.
ID_FIELDS = frozenset({"id_number"})
PHONE_FIELDS = frozenset({"phone"})


def _is_field(key, names: frozenset) -> bool:
    return isinstance(key, str) and (key in names or any(key.endswith("_" + n) for n in names))


def mask_case_data(data):
    """A copy of case data (nested dicts and lists) with every identity and phone number masked:
    the fields that hold them (``id_number``, ``phone``, ``contact_phone`` ...) by position, and
    any found in other text (a note, a reason: "新号码13912345678") by pattern."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if _is_field(k, ID_FIELDS) and isinstance(v, str):
                out[k] = mask_id_number(v)
            elif _is_field(k, PHONE_FIELDS) and isinstance(v, str):
                out[k] = mask_phone(v)
            else:
                out[k] = mask_case_data(v)
        return out
    if isinstance(data, list):
        return [mask_case_data(v) for v in data]
    if isinstance(data, str):
        return mask_text(data)
    return data


def mask_record(record: logging.LogRecord) -> None:
    """Mask identity and phone numbers in a log record in place: its message, its string
    arguments (a mapping's values too), a message that still shows one through another argument
    (then formatted once, masked, without its arguments) and its traceback and stack text."""
    if isinstance(record.msg, str):
        record.msg = mask_text(record.msg)
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
    elif isinstance(args, dict):
        record.args = {k: mask_text(v) if isinstance(v, str) else v for k, v in args.items()}
    if record.args or not isinstance(record.msg, str):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format is logging's own error to report
            message = None
        if message is not None and mask_text(message) != message:
            record.msg, record.args = mask_text(message), ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = mask_text("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


_factory_base = None


def _masking_factory(*args, **kwargs) -> logging.LogRecord:
    record = _factory_base(*args, **kwargs)
    mask_record(record)
    return record


def install_record_masking() -> None:
    """Mask every log record of the process as it is made (a log record factory): whichever
    logger makes it (``api.jobs`` as much as ``uvicorn.access``) and whichever handler writes it,
    including handlers set up later (uvicorn's own, a deployment's). Installed once."""
    global _factory_base
    current = logging.getLogRecordFactory()
    if current is _masking_factory:
        return
    _factory_base = current
    logging.setLogRecordFactory(_masking_factory)


class MaskingFilter(logging.Filter):
    """A logging filter that masks identity and phone numbers in every record's message and
    arguments (installed on the service's handlers, uvicorn's access log included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
        return True
