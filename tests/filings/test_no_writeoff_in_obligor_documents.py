"""No document addressed to the borrower, a guarantor or the court states the write-off
(核销对外保密): a written-off case's notices, suit and enforcement packets, read back (the text of
every .docx and .pdf), hold none of the words, although its write-off, risk and pursuit records
are full of them; a case whose event note says 已核销 is refused with the field named, before
anything is written; the write-off dossier's internal documents may state it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from docx import Document as WordDocument

from evidence.packet import build_packet
from legaldocs.case.load import load_case
from legaldocs.documents.confidential import WRITE_OFF_TERMS, case_fields_with_terms
from legaldocs.documents.consistency import check_documents, docx_paragraphs
from legaldocs.documents.render import render_docx
from legaldocs.errors import CaseValidationError
from legaldocs.filings.draft import draft

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "evidence.cli"]


def _write_off(data: dict, written_off_on: dt.date, borrower: str, guarantor: str) -> dict:
    """``data`` written off on ``written_off_on``, with the internal records that name it."""
    data["write_off"] = {
        "criterion": "7", "proposed_on": written_off_on - dt.timedelta(days=30), "written_off_on": written_off_on,
        "approval": "总行呆账核销审批〔2025〕12号", "cause": "借款人经营失败，形成呆账",
        "why_now": "终本后无可供执行财产，符合核销条件，核销后账销案存、继续追索",
        "responsibility": "经办人已尽职，无责任", "staff": [{"role": "经办人", "name": "王晓", "note": "负责核销后清收"}],
    }
    data["risk"] = {"history": [{"date": written_off_on - dt.timedelta(days=60), "category": "损失",
                                 "basis": "损失类：拨备已足额计提"}],
                    "provisions": [{"date": written_off_on - dt.timedelta(days=60), "allowance": "100000.00"}]}
    data["pursuits"] = [
        {"date": written_off_on - dt.timedelta(days=90), "party": borrower, "channel": "电话追索",
         "content": "电话催收（核销前）", "outcome": "未还款", "handler": "王晓", "responsible": "周明", "cosigned": True},
        {"date": written_off_on - dt.timedelta(days=80), "party": guarantor, "channel": "信函追索",
         "content": "向保证人发函催收（呆账核销准备）", "outcome": "未回复"},
    ]
    return data


def _copy_example(name: str, tmp_path: Path, change) -> Path:
    folder = tmp_path / name
    shutil.copytree(ROOT / "examples" / name, folder)
    path = folder / "case.yaml"
    data = change(yaml.safe_load(path.read_text(encoding="utf-8")))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _texts(folder: Path) -> dict[str, str]:
    """The text of every Word and PDF document under ``folder``: a .docx's paragraphs, table rows,
    headers and footers; a PDF's text as pdftotext reads it."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".docx":
            doc = WordDocument(str(path))
            parts = [*docx_paragraphs(path)]
            for section in doc.sections:
                parts += [p.text for p in (*section.header.paragraphs, *section.footer.paragraphs)]
            parts += [doc.core_properties.title or "", doc.core_properties.subject or ""]
            out[str(path.relative_to(folder))] = "\n".join(parts)
        elif path.suffix == ".pdf":
            out[str(path.relative_to(folder))] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                                                text=True, check=True).stdout
    return out


def _assert_no_write_off(folder: Path, expected: set[str]) -> None:
    texts = _texts(folder)
    assert expected <= set(texts), sorted(texts)
    for name in expected:
        assert len(texts[name].strip()) > 20, name  # a document really read (an exhibit may be a scan)
    for name, text in texts.items():
        found = [t for t in WRITE_OFF_TERMS if t in text]
        assert not found, f"{name} states {found}"


@pytest.fixture(scope="module")
def demo_written_off(tmp_path_factory) -> Path:
    def change(data: dict) -> dict:
        return _write_off(data, dt.date(2025, 6, 20), "P1", "C1")

    return _copy_example("demo", tmp_path_factory.mktemp("demo"), change)


def test_the_written_off_case_holds_the_words_in_its_internal_records(demo_written_off):
    case = load_case(demo_written_off).case
    fields = {path for path, _text, _terms in case_fields_with_terms(case)}
    assert {"write_off.approval", "write_off.cause", "risk.history[0].basis", "pursuits[1].content"} <= fields


def test_suit_packet_of_a_written_off_case_states_no_write_off(demo_written_off, tmp_path):
    result = build_packet(demo_written_off, tmp_path / "out")
    _assert_no_write_off(result.folder, {"民事起诉状.docx", "民事起诉状.pdf", "证据目录.docx", "证据材料.pdf",
                                         "诉讼费用计算表.pdf", "欠款明细表.pdf"})


def test_notices_of_a_written_off_case_state_no_write_off(demo_written_off, tmp_path):
    result = build_packet(demo_written_off, tmp_path / "out", stage="notices")
    _assert_no_write_off(result.folder, {"催收通知书-陈立.docx", "催收通知书-陈立.pdf",
                                         "履行保证责任通知书-上海恒远贸易有限公司.pdf"})


def test_enforcement_packet_of_a_written_off_case_states_no_write_off(tmp_path):
    def change(data: dict) -> dict:
        guarantor = data["guarantees"][0]["guarantor"]
        return _write_off(data, dt.date(2025, 1, 10), data["loans"][0]["borrowers"][0], guarantor)

    path = _copy_example("enforcement", tmp_path, change)
    result = build_packet(path, tmp_path / "out", stage="enforcement")
    application = {name for name in _texts(result.folder) if name.startswith(("强制执行申请书", "申请执行书"))}
    assert application
    _assert_no_write_off(result.folder, application)


def _with_note(tmp_path: Path, note: str) -> Path:
    def change(data: dict) -> dict:
        data["events"][0]["note"] = note
        return data

    return _copy_example("demo", tmp_path, change)


def test_a_note_saying_written_off_is_refused_with_the_field_named_and_nothing_written(tmp_path):
    path = _with_note(tmp_path, "邮寄送达，借款人本人签收；该笔贷款已核销")
    out = tmp_path / "out"
    with pytest.raises(CaseValidationError) as caught:
        build_packet(path, out)
    assert caught.value.source == "民事起诉状"
    assert [p for p, _m in caught.value.problems] == ["events[0].note"]
    assert "核销" in caught.value.problems[0][1]
    assert not (out / "DEMO-2025-001").exists()
    # one document drafted on its own, from the command line: exit 2, the document and the field named
    run = subprocess.run([*CLI, "draft", str(path), "--doc", "preservation", "--out", str(tmp_path / "draft")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "财产保全申请书" in run.stderr and "events[0].note" in run.stderr and "核销" in run.stderr
    assert not (tmp_path / "draft").exists()


def test_a_document_that_does_not_print_the_note_is_still_written(tmp_path):
    """The refusal follows what each document states: the 催收通知书 does not print the events' notes."""
    path = _with_note(tmp_path, "邮寄送达，借款人本人签收；该笔贷款已核销")
    result = draft(load_case(path).case, "demand_notice", tmp_path / "out", pdf=False)
    text = "\n".join(docx_paragraphs(result.docx[0]))
    assert "陈立" in text and not any(t in text for t in WRITE_OFF_TERMS)


def _template(tmp_path: Path) -> Path:
    template = tmp_path / "internal.docx"
    doc = WordDocument()
    doc.add_paragraph("{{ heading }}")
    doc.add_paragraph("{% for line in lines %}{{ line }}；{% endfor %}")
    doc.save(str(template))
    return template


def test_an_internal_document_may_state_the_write_off_an_obligor_one_may_not(tmp_path):
    template = _template(tmp_path)
    context = {"heading": "呆账核销申报审批表", "lines": ["核销后账销案存", "拨备已足额计提"]}
    out = render_docx(template, context, tmp_path / "呆账核销申报审批表.docx", audience="internal")
    assert docx_paragraphs(out)[:2] == ["呆账核销申报审批表", "核销后账销案存；拨备已足额计提；"]
    with pytest.raises(CaseValidationError) as caught:
        render_docx(template, context, tmp_path / "催收通知书.docx")
    problems = dict(caught.value.problems)
    assert set(problems) == {"催收通知书: heading", "催收通知书: lines[0]", "催收通知书: lines[1]"}
    assert "呆账" in problems["催收通知书: heading"] and "拨备" in problems["催收通知书: lines[1]"]
    assert not (tmp_path / "催收通知书.docx").exists()
    with pytest.raises(ValueError, match="audience"):
        render_docx(template, context, tmp_path / "x.docx", audience="public")


def test_reading_a_packet_back_finds_a_word_a_template_added():
    facts = {"court": "上海市浦东新区人民法院", "defendants": [], "amounts": {"principal": "1.00", "total": "1.00"},
             "filing_date": "2025-06-30"}
    texts = {"催收通知书-陈立.docx": ("other", ["催收通知书", "贵方贷款本行已作呆账处理，仍须偿还"]),
             "送达地址确认书.docx": ("other", ["送达地址确认书"])}
    assert check_documents(texts, facts) == ["催收通知书-陈立.docx：载有“呆账”，不得向借款人、保证人披露核销情况（账销案存）"]
