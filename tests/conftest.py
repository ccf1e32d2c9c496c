"""Shared test helpers: copies of the demo case with changes, its exhibits kept by absolute path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest
import yaml

from legaldocs.i18n import CHINESE, language_of, set_language

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo" / "case.yaml"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True, scope="session")
def _messages_in_chinese_by_default():
    """The tests read messages in the default language, Chinese: a shell whose locale asks for
    English (``LANG=en_US.UTF-8`` ...) is made to ask for Chinese during the run (``LANGUAGE``,
    read first), for the command line run in-process and as a program alike."""
    asked = next((os.environ[v] for v in LOCALE_VARIABLES if os.environ.get(v)), None)
    with pytest.MonkeyPatch.context() as patch:
        if language_of(asked) != CHINESE:
            patch.setenv("LANGUAGE", CHINESE)
        yield


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the default language, whatever an earlier one chose."""
    set_language(CHINESE)
    yield
    set_language(CHINESE)


@pytest.fixture
def demo_variant(tmp_path) -> Callable[[Callable[[dict], None]], Path]:
    """``demo_variant(change)`` writes the demo case, changed in place by ``change(data)``, to
    ``tmp_path/case.yaml`` (evidence files as absolute paths) and returns its path."""

    def make(change: Callable[[dict], None]) -> Path:
        data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
        for item in data["evidence"]:
            item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
        change(data)
        path = tmp_path / "case.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return make
