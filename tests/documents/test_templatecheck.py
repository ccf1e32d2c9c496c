"""`legaldocs templates check` on broken copies of the real templates, made with python-docx the
way Word would save them: each kind of mistake is named with its template and its place, the
mistakes the renderer really trips on are errors (exit 2), what it mends is a note (exit 0),
and the shipped templates pass clean."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.text.run import Run

from legaldocs.documents.render import render_docx
from legaldocs.errors import TemplateError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def check(target: Path | None = None):
    """Run the command as legal staff would (no template folder set in the environment)."""
    env = {k: v for k, v in os.environ.items() if k != "LEGALDOCS_TEMPLATES"}
    args = [sys.executable, "-m", "evidence.cli", "templates", "check", *([str(target)] if target else []), "--json"]
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
    return out.returncode, json.loads(out.stdout)


def body_paragraph(template: str, needle: str) -> int:
    """The number (from 1) of the body paragraph of the real template holding ``needle``."""
    for i, p in enumerate(Document(str(TEMPLATES / template)).paragraphs, start=1):
        if needle in p.text:
            return i
    raise KeyError(needle)


def _find(doc, needle: str):
    for p in doc.paragraphs:
        if needle in p.text:
            return p
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    if needle in p.text:
                        return p
    raise KeyError(needle)


def _retype(p, text: str) -> None:
    """Replace a paragraph's text, keeping the formatting of its first run."""
    p.runs[0].text = text
    for r in p.runs[1:]:
        r._r.getparent().remove(r._r)


def broken(tmp_path: Path, template: str, change, name: str | None = None) -> Path:
    """A bank's template folder holding one changed copy of a real template; returns the folder."""
    doc = Document(str(TEMPLATES / template))
    change(doc)
    folder = tmp_path / "bank"
    folder.mkdir(exist_ok=True)
    doc.save(folder / (name or template))
    return folder


def only(body: dict, severity: str = "error") -> dict:
    found = [p for p in body["problems"] if p["severity"] == severity]
    assert len(found) == 1, body["problems"]
    return found[0]


def test_shipped_templates_pass_clean():
    code, body = check()
    assert body["problems"] == [], [p["field"] + "：" + p["message"] for p in body["problems"]]
    assert code == 0 and body["errors"] == 0
    assert "complaint.docx" in body["templates"] and Path(body["folder"]).resolve() == TEMPLATES.resolve()


def test_syntax_error(tmp_path):
    folder = broken(tmp_path, "complaint.docx", lambda d: _retype(_find(d, "{{ court }}"), "{{ court | }}"))
    code, body = check(folder)
    problem = only(body)
    assert code == 2 and body["error"]
    assert problem["template"] == "complaint.docx"
    assert problem["place"] == f"第{body_paragraph('complaint.docx', '{{ court }}')}段"
    assert "写法有误" in problem["message"] and problem["snippet"] == "{{ court | }}"


def test_full_width_braces(tmp_path):
    folder = broken(tmp_path, "complaint.docx", lambda d: _retype(_find(d, "{{ court }}"), "｛｛ court ｝｝"))
    code, body = check(folder)
    problem = only(body)
    assert code == 2
    assert problem["field"] == f"complaint.docx 第{body_paragraph('complaint.docx', '{{ court }}')}段"
    assert "全角符号「｛｛、｝｝」" in problem["message"]


def test_full_width_punctuation_inside_a_tag(tmp_path):
    folder = broken(tmp_path, "fee_sheet.docx",
                    lambda d: _retype(_find(d, "{{ note }}"), "{{ note | replace（'说明', '注'） }}"))
    code, body = check(folder)
    assert code == 2
    assert "全角字符「（）」" in only(body)["message"]


def test_curly_quotes_in_a_tag_are_a_note_and_a_mismatched_pair_an_error(tmp_path):
    curly = "{{ court | replace(“人民法院”, ‘法院’) }}"
    folder = broken(tmp_path, "complaint.docx", lambda d: _retype(_find(d, "{{ court }}"), curly))
    code, body = check(folder)
    note = only(body, "note")
    assert code == 0 and body["errors"] == 0
    assert note["place"] == f"第{body_paragraph('complaint.docx', '{{ court }}')}段" and "弯引号" in note["message"]
    # the renderer reads them as straight quotes
    out = render_docx(folder / "complaint.docx", _complaint_context(), tmp_path / "out.docx")
    assert "上海市浦东新区法院" in _text(out)

    (folder / "complaint.docx").unlink()
    broken(tmp_path, "complaint.docx", lambda d: _retype(_find(d, "{{ court }}"), "{{ court | replace(“人民法院', ‘法院’) }}"))
    code, body = check(folder)
    assert code == 2 and "写法有误" in only(body)["message"]


def _split(p, at: str, **formatting) -> None:
    """Split the paragraph's single run before ``at``; the second part gets ``formatting``."""
    run = p.runs[0]
    text = run.text
    run.text = text[:text.index(at)]
    second = copy.deepcopy(run._r)
    run._r.addnext(second)
    second_run = Run(second, p)
    second_run.text = text[text.index(at):]
    for key, value in formatting.items():
        setattr(second_run.font, key, value)


def test_tag_formatted_in_two_ways_is_a_note_and_one_split_alike_is_clean(tmp_path):
    folder = broken(tmp_path, "complaint.docx", lambda d: _split(_find(d, "具状人：{{ plaintiff.name }}"), "name }}", bold=True))
    code, body = check(folder)
    note = only(body, "note")
    assert code == 0
    assert note["place"] == f"第{body_paragraph('complaint.docx', '具状人')}段"
    assert "{{ plaintiff.name }} 的各部分格式不同" in note["message"]
    # what docxtpl does with it: the runs are joined, the value filled
    out = render_docx(folder / "complaint.docx", _complaint_context(), tmp_path / "out.docx")
    assert "具状人：示例银行股份有限公司滨江支行（盖章）" in _text(out)

    (folder / "complaint.docx").unlink()
    broken(tmp_path, "complaint.docx", lambda d: _split(_find(d, "具状人：{{ plaintiff.name }}"), "name }}"))
    code, body = check(folder)
    assert (code, body["problems"]) == (0, [])


def test_unknown_variable_with_the_nearest_name(tmp_path):
    folder = broken(tmp_path, "complaint.docx",
                    lambda d: _retype(_find(d, "具状人："), "具状人：{{ plantiff.name }}（盖章）"))
    code, body = check(folder)
    problem = only(body)
    n = body_paragraph("complaint.docx", "具状人")
    assert code == 2
    assert f"complaint.docx 第{n}段：" + problem["message"] == \
        f"complaint.docx 第{n}段：变量 plantiff 不在模板目录中（是否为 plaintiff？）"


def test_unknown_field_of_a_table_row(tmp_path):
    folder = broken(tmp_path, "evidence_index.docx", lambda d: _retype(_find(d, "{{ e.title }}"), "{{ e.titel }}"))
    code, body = check(folder)
    problem = only(body)
    assert code == 2
    assert problem["place"] == "第1个表格第3行第2列"
    assert problem["message"] == "字段 exhibits[].titel 不在模板目录中（是否为 title？）"


def test_unknown_and_unsafe_filters(tmp_path):
    folder = broken(tmp_path, "fee_sheet.docx", lambda d: (
        _retype(_find(d, "{{ note }}"), "{{ note | mony }}"),
        _retype(_find(d, "受诉法院："), "受诉法院：{{ court | safe }}")))
    code, body = check(folder)
    messages = {p["place"]: p["message"] for p in body["problems"]}
    assert code == 2 and len(body["problems"]) == 2
    assert messages[f"第{body_paragraph('fee_sheet.docx', '{{ note }}')}段"] == "未知的过滤器 mony（是否为 money？）"
    assert "不得使用 safe 过滤器" in messages[f"第{body_paragraph('fee_sheet.docx', '受诉法院')}段"]


def test_loop_left_open(tmp_path):
    def drop_endfor(doc):
        for p in doc.paragraphs:
            if p.text == "{%p endfor %}":
                p._p.getparent().remove(p._p)
                return
    folder = broken(tmp_path, "complaint.docx", drop_endfor)
    code, body = check(folder)
    problem = only(body)
    assert code == 2
    assert problem["place"] == f"第{body_paragraph('complaint.docx', '{%p for line in plaintiff_lines %}')}段"
    assert problem["message"] == "{%p for line in plaintiff_lines %} 没有对应的 {%p endfor %}"
    with pytest.raises(TemplateError):
        render_docx(folder / "complaint.docx", _complaint_context(), tmp_path / "out.docx")


def test_row_loop_closed_as_a_paragraph_loop(tmp_path):
    folder = broken(tmp_path, "fee_sheet.docx", lambda d: _retype(_find(d, "{%tr endfor %}"), "{%p endfor %}"))
    code, body = check(folder)
    problem = only(body)
    assert code == 2 and problem["place"] == "第1个表格第4行第1列"
    assert "与第1个表格第2行第1列的 {%tr for r in base_rows %} 写法不一致" in problem["message"]


def test_row_tag_outside_a_table(tmp_path):
    def outside(doc):
        _retype(_find(doc, "案由："), "{%tr if cause %}")
        _retype(_find(doc, "原告："), "{%tr endif %}")
    folder = broken(tmp_path, "evidence_index.docx", outside)
    code, body = check(folder)
    places = [p["place"] for p in body["problems"]]
    assert code == 2
    assert places == [f"第{body_paragraph('evidence_index.docx', '案由：')}段",
                      f"第{body_paragraph('evidence_index.docx', '原告：')}段"]
    assert all("只能放在表格行中" in p["message"] for p in body["problems"])
    with pytest.raises(TemplateError):
        render_docx(folder / "evidence_index.docx", {}, tmp_path / "out.docx")


def test_text_beside_a_paragraph_tag_is_dropped(tmp_path):
    folder = broken(tmp_path, "complaint.docx", lambda d: _retype(_find(d, "{%p for c in claims %}"), "请求如下{%p for c in claims %}"))
    code, body = check(folder)
    problem = only(body)
    assert code == 2
    assert "同段的其他内容「请求如下」不会出现在文书中" in problem["message"]
    out = render_docx(folder / "complaint.docx", _complaint_context(), tmp_path / "out.docx")
    assert "请求如下" not in _text(out)


def test_tag_split_over_two_paragraphs(tmp_path):
    def split(doc):
        p = _find(doc, "具状人：{{ plaintiff.name }}")
        _retype(p, "具状人：{{ plaintiff.")
        p.insert_paragraph_before("")  # shifts the numbering: the place follows the file
        after = _find(doc, "{{ plaintiff.role }}")
        _retype(after, "name }}（盖章）{{ plaintiff.role }}：（签字）")
    folder = broken(tmp_path, "complaint.docx", split)
    code, body = check(folder)
    problem = only(body)
    assert code == 2
    assert problem["place"] == f"第{body_paragraph('complaint.docx', '具状人') + 1}段"
    assert "「{{」没有对应的「}}」" in problem["message"]
    # what the renderer does with it: the two paragraphs become one
    out = render_docx(folder / "complaint.docx", _complaint_context(), tmp_path / "out.docx")
    assert "具状人：示例银行股份有限公司滨江支行（盖章）负责人：（签字）" in _text(out)


def test_tracked_changes_left_in_the_file(tmp_path):
    def deleted(doc):
        p = _find(doc, "{{ court }}")
        p._p.append(parse_xml(f'<w:del {W} w:id="91" w:author="x" w:date="2025-01-01T00:00:00Z">'
                              '<w:r><w:delText>{{ court_name }}</w:delText></w:r></w:del>'))
    folder = broken(tmp_path, "complaint.docx", deleted)
    code, body = check(folder)
    problem = only(body)
    assert code == 2 and problem["place"] == f"第{body_paragraph('complaint.docx', '{{ court }}')}段"
    assert "未处理的修订" in problem["message"]
    with pytest.raises(TemplateError, match="court_name"):  # the deleted placeholder is still read
        render_docx(folder / "complaint.docx", _complaint_context(), tmp_path / "out.docx")


def test_a_bank_folder_with_a_misnamed_template_and_a_word_template_file(tmp_path):
    folder = broken(tmp_path, "complaint.docx", lambda d: None, name="complaint_v2.docx")
    shutil.copy(TEMPLATES / "fee_sheet.docx", folder / "fee_sheet.docx")
    (folder / "statement.dotx").write_bytes((TEMPLATES / "statement.docx").read_bytes())
    (folder / "~$mplaint.docx").write_bytes(b"lock")  # Word's lock file: not a template
    code, body = check(folder)
    assert code == 2
    assert sorted(body["templates"]) == ["complaint_v2.docx", "fee_sheet.docx", "statement.dotx"]
    by_file = {p["template"]: p["message"] for p in body["problems"]}
    assert "文件名是否应为 complaint.docx？" in by_file["complaint_v2.docx"]
    assert "另存为」statement.docx" in by_file["statement.dotx"]
    assert "fee_sheet.docx" not in by_file


def test_one_file_and_a_missing_folder(tmp_path):
    code, body = check(TEMPLATES / "statement.docx")
    assert (code, body["templates"], body["problems"]) == (0, ["statement.docx"], [])
    code, body = check(tmp_path / "nowhere")
    assert code == 2 and body["exit"] == 2 and "不存在" in body["error"]


def test_plain_output_names_template_place_and_text(tmp_path):
    folder = broken(tmp_path, "complaint.docx",
                    lambda d: _retype(_find(d, "具状人："), "具状人：{{ plantiff.name }}（盖章）"))
    env = {k: v for k, v in os.environ.items() if k != "LEGALDOCS_TEMPLATES"}
    out = subprocess.run([sys.executable, "-m", "evidence.cli", "templates", "check", str(folder)],
                         capture_output=True, text=True, env=env)
    n = body_paragraph("complaint.docx", "具状人")
    assert out.returncode == 2
    assert f"complaint.docx 第{n}段：变量 plantiff 不在模板目录中（是否为 plaintiff？）" in out.stdout
    assert "原文：「具状人：{{ plantiff.name }}（盖章）」" in out.stdout


def test_header_is_checked_too(tmp_path):
    def header(doc):
        doc.sections[0].header.paragraphs[0].text = "{{ courts }}"
    folder = broken(tmp_path, "fee_sheet.docx", header)
    code, body = check(folder)
    problem = only(body)
    assert code == 2 and problem["place"] == "页眉第1段" and problem["paragraph"] is None
    assert problem["message"] == "变量 courts 不在模板目录中（是否为 court？）"


# -- a real context to render the broken copies with ------------------------------------------

_CONTEXT: dict = {}


def _complaint_context() -> dict:
    if not _CONTEXT:
        from legaldocs.case.load import load_case
        from legaldocs.filings.complaint import complaint_context
        from legaldocs.filings.filing import build_filing

        filing = build_filing(load_case(ROOT / "examples" / "demo" / "case.yaml", check_files=False).case)
        _CONTEXT.update(complaint_context(filing, evidence_no={e.id: i for i, e in enumerate(filing.case.evidence, 1)}))
    return _CONTEXT


def _text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)

