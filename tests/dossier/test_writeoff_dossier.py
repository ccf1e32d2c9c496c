"""The write-off dossier of examples/writeoff built with the real LibreOffice and read back: the
final dossier (终本 against the borrower and one guarantor, the other guarantor's bankruptcy), the
same case with one guarantor's pursuit removed (a draft, refused as final), hostile case text and
file names, and an unknown criterion."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from pypdf import PdfReader

from evidence.dossier import EXIT_DRAFT, build_writeoff_dossier
from legaldocs.case.load import load_case
from legaldocs.chinese import amount_in_capitals, date_in_chinese, format_amount
from legaldocs.documents.consistency import docx_paragraphs
from legaldocs.documents.reproducible import verify_packet
from legaldocs.portfolio.writeoff import residue

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "writeoff" / "case.yaml"
AS_OF = dt.date(2025, 9, 30)
FOLDER = "WO-2025-001-writeoff"
DOCUMENTS = ("呆账核销申报审批表", "呆账核销调查报告", "追索记录", "核销证据目录")


def _text(path: Path) -> str:
    return "\n".join(docx_paragraphs(path))


def _page_one(pdf: Path) -> str:
    """The text of a PDF's first page, as pdftotext reads it."""
    done = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True)
    return done.stdout


def _outline(pdf: Path) -> list[str]:
    reader = PdfReader(str(pdf))
    titles = []

    def walk(level) -> None:
        for item in level:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def _copy_example(folder: Path, change) -> Path:
    """The example case written into ``folder`` after ``change(data)``, its exhibits copied beside it."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    shutil.copytree(EXAMPLE.parent / "exhibits", folder / "exhibits")
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evidence.cli", "--lang", "en", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def final(tmp_path_factory):
    out = tmp_path_factory.mktemp("final")
    done = _run("writeoff", str(EXAMPLE), "--criterion", "7", "--as-of", AS_OF.isoformat(), "--out", str(out), "--quiet")
    return out / FOLDER, done


@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    """The example with every pursuit of the guarantor 周志强 (P1) removed and P1 out of the 终本
    ruling: its pursuit is no longer proven."""
    folder = tmp_path_factory.mktemp("draft-case")

    def change(data):
        data["pursuits"] = [p for p in data["pursuits"] if p["party"] != "P1"]
        for event in data["events"]:
            if event["kind"] == "终结本次执行程序":
                event["parties"] = ["C1"]

    case = _copy_example(folder, change)
    out = tmp_path_factory.mktemp("draft")
    done = _run("writeoff", str(case), "--criterion", "7", "--as-of", AS_OF.isoformat(), "--out", str(out), "--quiet")
    return out / FOLDER, done


def test_the_example_gives_a_final_dossier_and_the_command_says_so(final):
    folder, done = final
    assert done.returncode == 0, done.stderr
    assert "final: every requirement is proven" in done.stdout
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "final" and manifest["draft_reasons"] == []
    assert not (folder / "草稿说明.md").exists()
    for name in DOCUMENTS:
        assert (folder / f"{name}.docx").is_file() and (folder / f"{name}.pdf").is_file()
        assert "草" not in _page_one(folder / f"{name}.pdf")
    assert verify_packet(folder).ok


def test_the_application_states_each_component_of_the_residue_as_the_residue_computes_it(final):
    """The residue of B's :func:`residue` on 2025-09-30: principal 3,000,000.00 − 38,600.50 (deposit
    deducted, first to interest) − 1,800,000.00 (auction) − 60,000.00 (distribution), less what
    went to interest, leaves 1,527,155.25 of principal; the 罚息 accrued after the last payment
    (2025-06-20 to 2025-09-30, 102 days on 1,527,155.25 at 6.525 %: 28,233.29) is off balance,
    since the loan is more than 90 days overdue; no fees. Total 1,555,388.54."""
    folder, _done = final
    case = load_case(EXAMPLE, check_files=False).case
    r = residue(case, AS_OF)
    assert (r.principal, r.interest_on_balance, r.interest_off_balance, r.fees) == (
        Decimal("1527155.25"), Decimal("0.00"), Decimal("28233.29"), Decimal(0))
    rows = docx_paragraphs(folder / "呆账核销申报审批表.docx")
    for name, amount in (("本金", r.principal), ("表内利息", r.interest_on_balance),
                         ("表外利息", r.interest_off_balance), ("费用", r.fees), ("合计", r.total)):
        assert f"{name}\t{format_amount(amount)}" in rows, name
    text = "\n".join(rows)
    assert f"申请核销金额合计：{format_amount(r.total)}元（人民币{amount_in_capitals(r.total)}）" in text
    assert "绍兴示例纺织印染有限公司" in text and "91330602MA2D8K7N30" in text
    assert "财金〔2017〕90号附件1第（七）项" in text
    assert "已由赵文于2025年9月26日确认" in text  # the unverified item-7 row, confirmed
    for when, source, amount in (("2024年5月16日", "强制执行款", "38,600.50"), ("2024年12月10日", "抵押物、质物处置款", "1,800,000.00"),
                                 ("2025年6月20日", "破产财产分配", "60,000.00")):
        assert any(row.startswith(f"{when}\t{source}") and row.endswith(amount) for row in rows), source
    pdf = "\n".join(page.extract_text() for page in PdfReader(str(folder / "呆账核销申报审批表.pdf")).pages)
    assert "1,555,388.54" in pdf and "呆账核销申报审批表" in pdf


def test_the_report_holds_the_pursuit_of_the_borrower_and_of_each_guarantor(final):
    folder, _done = final
    case = load_case(EXAMPLE, check_files=False).case
    text = _text(folder / "呆账核销调查报告.docx")
    names = {pid: case.parties[pid].name for pid in ("C1", "C2", "P1")}
    assert "（一）借款人绍兴示例纺织印染有限公司" in text
    assert "（二）保证人绍兴示例贸易有限公司" in text and "（三）保证人周志强" in text
    sections = {pid: text.index(f"{role}{names[pid]}\n") for pid, role in (("C1", "借款人"), ("C2", "保证人"), ("P1", "保证人"))}
    ends = sorted(sections.values()) + [text.index("五、抵押物")]
    for pid, start in sections.items():
        body = text[start: ends[ends.index(start) + 1]]
        for p in case.pursuits:
            if p.party == pid:
                assert f"{date_in_chinese(p.date)}\t{p.channel.value}\t{p.content}" in body, (pid, p.date)
    # the rulings that meet item 7, with their case numbers, and the court
    assert "2025年3月20日，终结本次执行程序，案号（2024）浙0602执1234号之二" in text
    assert "2024年8月20日，中止执行，案号（2024）浙0602执1234号之一" in text
    assert "受理法院浙江省绍兴市越城区人民法院" in text
    assert "2024年12月10日收到抵押物处置款1,800,000.00元（证据5）" in text  # the collateral's realisation
    assert "法院网络执行查控系统" in text and "支行行长（单位负责人）\t钱国栋" in text
    assert "国家税务总局公告2015年第25号" in text  # SME loan: the tax tiers of 2015 No. 25
    pdf = "\n".join(page.extract_text() for page in PdfReader(str(folder / "呆账核销调查报告.pdf")).pages)
    for name in names.values():
        assert name in pdf


def test_the_pursuit_record_lists_every_record_with_counts_and_spans(final):
    folder, _done = final
    case = load_case(EXAMPLE, check_files=False).case
    rows = docx_paragraphs(folder / "追索记录.docx")
    assert f"共{len(case.pursuits)}条记录。历时天数自首次追索日起算至最近追索日（含首尾两日）。" in rows
    numbered = [r for r in rows if r.split("\t")[0].isdigit()]
    assert len(numbered) == len(case.pursuits) == 18
    span = next(r for r in rows if r.startswith("周志强\t保证人"))
    assert span.split("\t")[2:6] == ["2023年6月1日", "2025年8月20日", "6", "812"]  # both days counted
    report = _text(folder / "呆账核销调查报告.docx")
    assert "自2023年6月1日至2025年8月20日共追索6次" in report and "历时812天" in report
    check = json.loads((folder / "核销检查结果.json").read_text(encoding="utf-8"))
    assert next(o for o in check["obligors"] if o["party"] == "P1")["days"] == 812


def test_the_bundle_binds_every_exhibit_after_its_index_with_bookmarks(final):
    folder, _done = final
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    exhibits = manifest["exhibits"]
    assert [e["number"] for e in exhibits] == list(range(1, 11))
    bundle = folder / "核销证据材料.pdf"
    pages = len(PdfReader(str(bundle)).pages)
    assert pages == manifest["bundle"]["pages"] == manifest["bundle"]["index_pages"] + sum(e["pages"] for e in exhibits)
    titles = _outline(bundle)
    assert "核销证据目录" in titles
    assert "证据6 （2024）浙0602执1234号之二终结本次执行程序裁定书" in titles
    assert sum(t.startswith("证据") for t in titles) == 10
    index = _text(folder / "核销证据目录.docx")
    assert "以上证据共10项" in index and f"共{pages}页" in index


def test_the_list_workbook_states_the_components_per_loan(final):
    folder, _done = final
    sheet = load_workbook(folder / "核销清单.xlsx")["核销清单"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    loan = next(r for r in rows if r[1] == "SXYC-LD-2022-0510")
    assert [Decimal(str(v)) for v in loan[4:9]] == [Decimal("1527155.25"), 0, Decimal("28233.29"), 0, Decimal("1555388.54")]
    total = next(r for r in rows if r[0] == "合计")
    assert Decimal(str(total[8])) == Decimal("1555388.54")


def test_a_guarantor_not_pursued_makes_a_draft_refused_as_final(draft):
    folder, done = draft
    assert done.returncode == EXIT_DRAFT, done.stderr
    assert "DRAFT, not final" in done.stderr and "周志强" in done.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "draft"
    assert any("周志强" in reason for reason in manifest["draft_reasons"])
    assert "周志强" in (folder / "草稿说明.md").read_text(encoding="utf-8")
    for name in DOCUMENTS:
        first = _page_one(folder / f"{name}.pdf")
        assert "草" in first and "稿" in first and "不得作为正式核销材料" in first, name
        assert "周志强" in first, name  # the reason, on the first page, names the guarantor
    rows = docx_paragraphs(folder / "呆账核销申报审批表.docx")
    assert any(row.endswith("缺失\t" + row.split("\t")[-1]) and "周志强" in row for row in rows)
    assert verify_packet(folder).ok


def test_without_the_confirmation_the_unverified_criterion_keeps_the_dossier_a_draft(tmp_path):
    """Item 7's row is unverified in writeoff.toml: with no confirmation recorded the dossier is
    a draft that names the rule; the confirmation dated after the write-off date does not count."""
    from legaldocs.dossier.facts import build_dossier

    case = load_case(EXAMPLE, check_files=False).case
    assert build_dossier(case, "7", AS_OF).final
    bare = case.model_copy(update={"write_off": case.write_off.model_copy(update={"confirmations": []})})
    dossier = build_dossier(bare, "7", AS_OF)
    assert not dossier.final and dossier.eligibility.met
    assert any("writeoff.annex1.7" in r and "write_off.confirmations" in r for r in dossier.draft_reasons)
    late = case.model_copy(update={"write_off": case.write_off.model_copy(update={"confirmations": [
        c.model_copy(update={"date": dt.date(2025, 10, 1)}) for c in case.write_off.confirmations]})})
    assert not build_dossier(late, "7", AS_OF).final


def test_every_context_gives_exactly_the_catalogued_variables():
    from legaldocs.documents.catalogue import CATALOGUE_FILE, context_problems, load_catalogue
    from legaldocs.dossier import contexts
    from legaldocs.dossier.facts import build_dossier

    catalogue = load_catalogue(ROOT / "templates" / CATALOGUE_FILE)
    case = load_case(EXAMPLE, check_files=False).case
    for dossier in (build_dossier(case, "7", AS_OF), build_dossier(case, "1a", AS_OF)):
        built = {"writeoff_application.docx": contexts.application_context(dossier),
                 "writeoff_report.docx": contexts.report_context(dossier),
                 "writeoff_pursuits.docx": contexts.pursuits_context(dossier)}

        class Entry:
            def __init__(self, n):
                self.number, self.first_page, self.last_page, self.page_count = n, n + 1, n + 1, 1

        built["writeoff_index.docx"] = contexts.index_context(dossier, [Entry(n) for n in range(1, 11)], 1)
        for template, context in built.items():
            assert not context_problems(catalogue.entry(template), context), (template, dossier.criterion)
    assert not build_dossier(case, "1a", AS_OF).final  # the borrower's bankruptcy has not ended


def test_hostile_text_and_file_names_do_not_break_the_dossier(tmp_path):
    """Template syntax, markup, quotes and the draft banner's words in the case's text are printed as
    written, never run, and do not make a final dossier fail its read-back;
    exhibit files with quotes, spaces and shell characters in their names are bound."""
    hostile = "{{ 7*7 }}{% for x in range(3) %}x{% endfor %}<w:p>&amp;\"'草　稿（不得作为正式核销材料）"

    def change(data):
        data["write_off"]["cause"] = hostile
        data["pursuits"][0]["content"] = hostile
        data["evidence"][9]["title"] = "查询结果 {{ config }} <b>&"
        data["evidence"][9]["files"] = ["exhibits/a b'\"$(rm -rf x);`id`.png"]

    case = _copy_example(tmp_path / "case", change) if (tmp_path / "case").mkdir() is None else None
    shutil.copyfile(case.parent / "exhibits" / "10-asset-searches.png",
                    case.parent / "exhibits" / "a b'\"$(rm -rf x);`id`.png")
    result = build_writeoff_dossier(case, tmp_path / "out", criterion="7", as_of=AS_OF)
    assert result.final
    report = _text(result.folder / "呆账核销调查报告.docx")
    assert hostile in report and "49" not in report.split("二、损失形成原因")[1].split("三、")[0]
    assert hostile in _text(result.folder / "追索记录.docx")
    assert "查询结果 {{ config }} <b>&" in _text(result.folder / "核销证据目录.docx")
    assert len(result.exhibits) == 10 and verify_packet(result.folder).ok


def test_an_unknown_criterion_is_refused_with_the_valid_ones_and_nothing_written(tmp_path):
    done = _run("writeoff", str(EXAMPLE), "--criterion", "99", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path / "o"),
                "--quiet")
    assert done.returncode == 2
    assert "--criterion" in done.stderr and "1a, 1b" in done.stderr and "7" in done.stderr
    assert not (tmp_path / "o").exists()


def test_a_dossier_dated_before_later_facts_states_none_of_them(tmp_path):
    """--as-of 2025-03-01: the 2025-03-20 终本, the 2025-03-31 class, the 2025-06-30 allowance and
    终结破产程序, the pursuits of 2025-04-15 to 2025-08-20 and the 2025-06-20 distribution are in no
    document; the 终本 ruling (cited by nothing earlier) is not bound; the draft note lists them."""
    import re

    as_of = dt.date(2025, 3, 1)
    done = _run("writeoff", str(EXAMPLE), "--criterion", "7", "--as-of", as_of.isoformat(), "--out", str(tmp_path),
                "--quiet")
    assert done.returncode == EXIT_DRAFT, done.stderr
    folder = tmp_path / FOLDER
    late_confirmation = "已有的确认（赵文于2025年9月26日）晚于基准日2025年3月1日"
    for name in DOCUMENTS:
        text = _text(folder / f"{name}.docx")
        assert late_confirmation in text, name  # the confirmation dated later is named, not used
        text = text.replace(late_confirmation, "")
        dates = [dt.date(int(y), int(m), int(d)) for y, m, d in re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)]
        assert dates and max(dates) == as_of, (name, max(dates))
        assert not [m for m in re.findall(r"(\d{4})年(\d{1,2})月(?!\d)", text) if (int(m[0]), int(m[1])) > (2025, 3)]
    records = docx_paragraphs(folder / "追索记录.docx")
    assert sum(r.split("\t")[0].isdigit() for r in records) == 14 and "共14条记录。" in "".join(records)
    application = _text(folder / "呆账核销申报审批表.docx")
    assert "损失" not in application.split("五、")[0] or "2025年3月31日" not in application
    assert "1,527,155.25" not in application  # the 2025-06-30 allowance
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["exhibits"]) == 9  # E6, the 终本 ruling of 2025-03-20, left out
    assert "2025年3月20日 事件：终结本次执行程序（（2024）浙0602执1234号之二）" in manifest["left_out"]
    note = (folder / "草稿说明.md").read_text(encoding="utf-8")
    assert "2025年6月30日 拨备：1,527,155.25元" in note and "（rule、by、date、note" in note
    # what staff wrote (why_now tells of the later 终本) is printed as written: the draft says to rewrite it
    assert any("write_off.cause、remedies、why_now" in r for r in manifest["draft_reasons"])
    assert "why_now" in note


def test_the_list_workbook_names_receipts_contracts_and_payers(final):
    folder, _done = final
    book = load_workbook(folder / "核销清单.xlsx")
    rows = [[c.value for c in row] for row in book["核销清单"].iter_rows()]
    loan = next(r for r in rows if r[1] == "SXYC-LD-2022-0510")
    assert loan[2] == "YC-2022-0511-01"
    paid = [[c.value for c in row] for row in book["受偿明细"].iter_rows()]
    auction = next(r for r in paid if isinstance(r[4], (int, float)) and Decimal(str(r[4])) == Decimal("1800000"))
    assert auction[1] == "SXYC-LD-2022-0510" and auction[3] == "绍兴示例纺织印染有限公司"
    interest = next(r for r in paid if r[2] == "借款人还款")
    assert interest[3] == "绍兴示例纺织印染有限公司"


def test_the_documents_read_well(final):
    """Exhibits by number, the negative checks say what shows them, §五 has its verb, and each
    obligor's ruling is a short line under the condition stated once."""
    folder, done = final
    rows = docx_paragraphs(folder / "呆账核销申报审批表.docx")
    text = "\n".join(rows)
    assert "（-）" not in done.stdout and "据追索记录18条" in text and "案件未记载逃废债事件" in text
    assert "证据9、证据8" not in text and "证据4、证据5、证据6、证据8、证据9" in text
    assert text.count("对借款人和每一担保人（抵押人、出质人）经强制执行未能收回") == 1
    assert any("保证人周志强：已被裁定终结本次执行程序，案号（2024）浙0602执1234号之二" in r for r in rows)
    report = _text(folder / "呆账核销调查报告.docx")
    assert "2024年12月10日收到抵押物处置款1,800,000.00元" in report


def test_check_on_a_dossier_says_to_use_verify(final):
    folder, _done = final
    done = subprocess.run([sys.executable, "-m", "evidence.cli", "--lang", "zh", "check", str(folder)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1
    assert "呆账核销申报材料" in done.stderr and "verify" in done.stderr and "'filing'" not in done.stderr


def test_the_help_lists_the_criteria_and_a_bare_criterion_lists_them(tmp_path):
    helped = _run("writeoff", "--help")
    assert "1b " in helped.stdout and "7   诉诸法律后经强制执行仍不能收回" in helped.stdout and "16 " in helped.stdout
    bare = _run("writeoff", "--criterion")
    assert bare.returncode == 0 and "13  小额简易核销：中小企业贷款和涉农贷款" in bare.stdout
    case = _copy_example(tmp_path, lambda data: data["write_off"].pop("criterion"))
    refused = subprocess.run([sys.executable, "-m", "evidence.cli", "--lang", "zh", "writeoff", str(case), "--out",
                              str(tmp_path / "o"), "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert refused.returncode == 2 and "--criterion" in refused.stderr
    assert "7 诉诸法律后经强制执行仍不能收回" in refused.stderr and "认定条件" in refused.stderr
    assert not (tmp_path / "o").exists()


def test_a_recovery_beyond_the_debt_shows_its_excess_and_leaves_nothing_to_write_off(tmp_path):
    """5,000,000 paid by a guarantor on a debt of about 1.6 million: the dossier is a draft (nothing
    left), and the 受偿明细 states the part no debt absorbed instead of dropping it."""
    def change(data):
        data["repayments"].append({"date": "2025-07-01", "amount": "5000000.00", "loan": "L1", "source": "guarantor",
                                   "party": "P1", "evidence": ["E5"]})

    (tmp_path / "case").mkdir()
    case = _copy_example(tmp_path / "case", change)
    result = build_writeoff_dossier(case, tmp_path / "out", criterion="7", as_of=AS_OF)
    assert not result.final
    paid = [[c.value for c in row] for row in load_workbook(result.folder / "核销清单.xlsx")["受偿明细"].iter_rows()]
    big = next(r for r in paid if isinstance(r[4], (int, float)) and Decimal(str(r[4])) == Decimal("5000000"))
    assert "超出所欠债务未予抵充" in big[7]
