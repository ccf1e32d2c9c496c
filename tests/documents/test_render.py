"""Template rendering: sandboxed, strict, autoescaping; hostile case data stays data."""

from pathlib import Path

import pytest
from docx import Document

from legaldocs.errors import TemplateError
from legaldocs.documents.render import render_docx


def _template(tmp_path: Path, *paragraphs: str) -> Path:
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    path = tmp_path / "t.docx"
    doc.save(path)
    return path


def _text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_data_is_never_evaluated_and_is_escaped(tmp_path):
    template = _template(tmp_path, "原告：{{ name }}", "金额：{{ amount | capitals }}")
    hostile = "某某<公司> & {{ 7*7 }} {% for x in y %}\x07\x0b\x00\x1f"
    out = render_docx(template, {"name": hostile, "amount": 100300}, tmp_path / "out.docx")
    text = _text(out)
    assert "某某<公司> & {{ 7*7 }} {% for x in y %}" in text
    assert "49" not in text
    assert "人民币壹拾万零叁佰元整" in text


def test_missing_variable_names_template_and_variable(tmp_path):
    template = _template(tmp_path, "{{ plaintiff }} {{ nowhere }}")
    with pytest.raises(TemplateError, match=r"t\.docx.*nowhere"):
        render_docx(template, {"plaintiff": "x"}, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_sandbox_blocks_attribute_escapes(tmp_path):
    template = _template(tmp_path, "{{ x.__class__.__mro__ }}")
    with pytest.raises(TemplateError):
        render_docx(template, {"x": "s"}, tmp_path / "out.docx")


def test_syntax_error_names_template(tmp_path):
    template = _template(tmp_path, "{{ broken ")
    with pytest.raises(TemplateError, match="t.docx"):
        render_docx(template, {}, tmp_path / "out.docx")


def test_filters_for_amounts_and_dates(tmp_path):
    import datetime as dt

    template = _template(tmp_path, "{{ a | money }} {{ a | capitals }} {{ d | date_cn }} {{ d | date_cn_numerals }} {{ r | pct }}")
    out = render_docx(template, {"a": 1291.05, "d": dt.date(2019, 10, 25), "r": 0.0918}, tmp_path / "o.docx")
    assert _text(out) == "1,291.05 人民币壹仟贰佰玖拾壹元零伍分 2019年10月25日 二〇一九年十月二十五日 9.18%"
