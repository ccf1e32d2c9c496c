"""Templates compiled once: the same document as a fresh docxtpl render, and a changed file noticed."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate

from legaldocs.documents.render import make_environment, render_docx
from legaldocs.errors import TemplateError


def _template(path: Path, heading: str = "民事起诉状") -> Path:
    """A template with body text, a table whose rows loop, a header, a footer and a core property."""
    document = Document()
    document.core_properties.title = "{{ case_title }}"
    section = document.sections[0]
    section.header.paragraphs[0].text = "{{ court }}"
    section.footer.paragraphs[0].text = "第{{ page_note }}页"
    document.add_paragraph(heading)
    document.add_paragraph("原告：{{ plaintiff }}，金额：{{ amount | money }}（{{ amount | capitals }}）")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for row in rows %}"
    table.cell(1, 0).text = "{{ row.name }}"
    table.cell(1, 1).text = "{{ row.value }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    document.add_paragraph("{% if remark %}备注：{{ remark }}{% endif %}")
    document.save(path)
    return path


def _context(n: int) -> dict:
    return {
        "case_title": f"某银行诉张三金融借款合同纠纷（{n}）",
        "court": "上海市浦东新区人民法院",
        "page_note": n,
        "plaintiff": f"某某<银行> & 分行 {n}\x07",
        "amount": 1291 + n,
        "rows": [{"name": f"本金{i}", "value": f"{i * 100}.00"} for i in range(n % 4 + 1)],
        "remark": "" if n % 2 else "暂计至2025年6月30日",
    }


def _equal_sizes(first: Path, second: Path) -> None:
    """Lengthen the zip comment of the smaller file until both have the same size."""
    difference = first.stat().st_size - second.stat().st_size
    with zipfile.ZipFile(second if difference > 0 else first, "a") as package:
        package.comment = b"x" * abs(difference)
    assert first.stat().st_size == second.stat().st_size


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _fresh(template: Path, context: dict, out: Path) -> Path:
    document = DocxTemplate(str(template))
    document.render(dict(context), jinja_env=make_environment(), autoescape=True)
    document.save(str(out))
    return out


def _text(path: Path) -> str:
    document = Document(str(path))
    body = [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    section = document.sections[0]
    return "\n".join(body + cells + [section.header.paragraphs[0].text, section.footer.paragraphs[0].text,
                                      document.core_properties.title])


def test_every_render_from_the_cache_equals_a_fresh_docxtpl_render(tmp_path):
    template = _template(tmp_path / "t.docx")
    for n in range(4):  # the first compiles, the others reuse it
        ours = render_docx(template, _context(n), tmp_path / f"ours-{n}.docx")
        theirs = _fresh(template, _context(n), tmp_path / f"theirs-{n}.docx")
        assert _parts(ours) == _parts(theirs), f"render {n} differs from docxtpl's"
        text = _text(ours)
        assert f"某某<银行> & 分行 {n}" in text and f"第{n}页" in text and f"（{n}）" in text
        assert text.count("本金") == n % 4 + 1


def test_a_changed_template_file_is_compiled_again(tmp_path):
    template = _template(tmp_path / "t.docx", heading="第一版")
    assert "第一版" in _text(render_docx(template, _context(1), tmp_path / "a.docx"))
    _template(template, heading="第二版的标题")  # another size
    assert "第二版的标题" in _text(render_docx(template, _context(1), tmp_path / "b.docx"))
    # rewritten in place with the same size, a new modification time
    third = _template(tmp_path / "third.docx", heading="第三版的标题")
    _equal_sizes(template, third)
    before = template.stat()
    template.write_bytes(third.read_bytes())
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert template.stat().st_size == before.st_size and template.stat().st_ino == before.st_ino
    assert "第三版的标题" in _text(render_docx(template, _context(1), tmp_path / "c.docx"))
    # replaced by another file under the same name
    other = _template(tmp_path / "other.docx", heading="另一份文件")
    os.replace(other, template)
    assert "另一份文件" in _text(render_docx(template, _context(1), tmp_path / "d.docx"))


def test_errors_from_a_cached_template_still_name_it(tmp_path):
    template = _template(tmp_path / "t.docx")
    render_docx(template, _context(0), tmp_path / "ok.docx")
    context = _context(0)
    del context["plaintiff"]
    with pytest.raises(TemplateError, match=r"t\.docx：未定义的变量：.*plaintiff"):
        render_docx(template, context, tmp_path / "missing.docx")
    assert not (tmp_path / "missing.docx").exists()
    # the failed render leaves the cached template usable
    assert _parts(render_docx(template, _context(2), tmp_path / "after.docx")) == _parts(
        _fresh(template, _context(2), tmp_path / "fresh.docx"))
    with pytest.raises(TemplateError, match=r"gone\.docx：无法生成文书"):
        render_docx(tmp_path / "gone.docx", _context(0), tmp_path / "x.docx")
