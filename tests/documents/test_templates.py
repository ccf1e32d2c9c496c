"""Finding templates: the built-in ones are the installed package legaldocs.templates (the
repository's templates/ folder), and a bank's folder overrides only the templates it holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from legaldocs.documents.templates import builtin_template_folder, template_folder, template_path
from legaldocs.errors import TemplateError

ROOT = Path(__file__).resolve().parents[2]


def test_the_built_in_folder_is_the_repository_templates_folder_through_the_package():
    folder = builtin_template_folder()
    assert folder.resolve() == (ROOT / "templates").resolve()
    assert template_path("complaint.docx") == folder / "complaint.docx"
    assert template_folder() == folder


def test_a_bank_folder_overrides_only_the_templates_it_holds(tmp_path):
    shutil.copy(ROOT / "templates" / "fee_sheet.docx", tmp_path / "fee_sheet.docx")
    assert template_folder(tmp_path) == tmp_path
    assert template_path("fee_sheet.docx", tmp_path) == tmp_path / "fee_sheet.docx"
    assert template_path("complaint.docx", tmp_path) == builtin_template_folder() / "complaint.docx"


def test_a_missing_template_or_folder_is_named(tmp_path):
    with pytest.raises(TemplateError) as err:
        template_path("no_such.docx", tmp_path)
    assert "no_such.docx" in str(err.value) and str(tmp_path) in str(err.value)
    assert str(builtin_template_folder()) in str(err.value)
    with pytest.raises(TemplateError, match="not_there"):
        template_folder(tmp_path / "not_there")
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    with pytest.raises(TemplateError, match="a_file"):
        template_folder(tmp_path / "a_file")
