"""Messages in the reader's language: Chinese (``zh_CN``) by default, English on request.

Every message legal staff read (validation problems, errors, notes, command-line help and
progress) is written in the source in English and wrapped in :func:`_`, which returns it in the
language set with :func:`set_language`; a message with values names them and fills them after
translation: ``_("{date} is before the first draw ({first})").format(date=..., first=...)``.
A message kept in a table at import time is marked with :func:`N_` and translated where used.

The catalogue is GNU gettext's: ``locale/legaldocs.pot`` extracted from the source with Babel
(``pybabel extract -F babel.cfg``), ``locale/zh_CN/LC_MESSAGES/legaldocs.po`` with the Chinese,
compiled to ``legaldocs.mo`` next to it. The ``.mo`` ships in the package and is read from
the package's folder (through :mod:`importlib.resources` when the package is not in a folder,
e.g. a zip), only when the first Chinese message is asked for: ``legaldocs --help`` must start
quickly, and importlib.resources alone takes longer to import than reading the catalogue. English
needs no catalogue: the messages are the ids.

The core never reads the environment: the command line chooses the language (``--lang``, or the
locale variables) and calls :func:`set_language`. The language is one setting of the process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
import gettext as _gettext
import os

DOMAIN = "legaldocs"
CHINESE = "zh_CN"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)

_language = CHINESE
_catalogues: dict[str, _gettext.NullTranslations] = {}


def language_of(value: str | None) -> str:
    """The language for a ``--lang`` value or a locale setting (``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``): ``"en"`` when it names English (``en``, ``en_US.UTF-8``, or a
    ``LANGUAGE`` list such as ``fr:en`` whose first English or Chinese entry is English),
    otherwise ``"zh_CN"`` (``zh*``, ``C``, ``POSIX``, empty, unset, other languages)."""
    for entry in (value or "").split(":"):
        code = entry.strip().lower()
        if code.startswith("en"):
            return ENGLISH
        if code.startswith("zh"):
            return CHINESE
    return CHINESE


def set_language(language: str) -> None:
    """Choose the language of messages from now on: ``"zh_CN"`` or ``"en"`` (any value is read
    with :func:`language_of`)."""
    global _language
    _language = language_of(language)


@contextlib.contextmanager
def in_language(language: str) -> Iterator[None]:
    """Messages made inside the block are in ``language`` (e.g. the notes of a statement that a
    Chinese document prints, whatever language the user reads); the previous language after."""
    global _language
    previous = _language
    _language = language_of(language)
    try:
        yield
    finally:
        _language = previous


def get_language() -> str:
    """The language messages are given in: ``"zh_CN"`` or ``"en"``."""
    return _language


def _catalogue() -> _gettext.NullTranslations:
    found = _catalogues.get(_language)
    if found is None:
        found = _load(_language)
        _catalogues[_language] = found
    return found


def _load(language: str) -> _gettext.NullTranslations:
    if language == ENGLISH:
        return _gettext.NullTranslations()
    parts = ("locale", language, "LC_MESSAGES", f"{DOMAIN}.mo")
    try:
        here = os.path.join(os.path.dirname(__file__), *parts)
        if os.path.isfile(here):  # the package in a folder: a source tree or an installed wheel
            handle = open(here, "rb")
        else:  # elsewhere (a zip): through the package's loader
            from importlib import resources

            handle = resources.files(__package__).joinpath(*parts).open("rb")
        with handle:
            return _gettext.GNUTranslations(handle)
    except FileNotFoundError:  # a source tree whose catalogue was never compiled: the ids
        return _gettext.NullTranslations()


def _(message: str) -> str:
    """``message`` (an English message id) in the current language."""
    return _catalogue().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the current language."""
    return _catalogue().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (a table built at import
    time); translate it with :func:`_` where it is shown."""
    return message
