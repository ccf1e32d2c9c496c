"""Packets of every example, built once per test session with the real LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.packet import build_packet
from legaldocs.case.load import load_case


@pytest.fixture(scope="session")
def packets(tmp_path_factory):
    """case path -> (loaded case, packet result), built lazily and cached."""
    out = tmp_path_factory.mktemp("packets")
    cache: dict[Path, tuple] = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = (load_case(path), build_packet(path, out))
        return cache[path]

    return get
