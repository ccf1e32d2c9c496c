"""Writes templates/CATALOGUE.md (the variable list legal staff read) from templates/catalogue.toml.

Run it after editing catalogue.toml:  .venv/bin/python scripts/make_catalogue.py
(tests/documents/test_catalogue.py fails while CATALOGUE.md is out of date).
"""

from __future__ import annotations

from pathlib import Path

from legaldocs.documents.catalogue import CATALOGUE_FILE, catalogue_markdown, load_catalogue
from legaldocs.files import atomic_path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

if __name__ == "__main__":
    text = catalogue_markdown(load_catalogue(TEMPLATES / CATALOGUE_FILE))
    with atomic_path(TEMPLATES / "CATALOGUE.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"written {TEMPLATES / 'CATALOGUE.md'}")
