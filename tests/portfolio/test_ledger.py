"""The case ledger (案件台账, docs/ledger.md): the demo case written to a ledger and read back is the
same case, with the same clocks and the same figures; the example ledger is made the same every
time and holds valid cases; values are read as Excel stores them (dates as dates or text, amounts
exactly, identity numbers only as text, formulas by their saved values, template syntax as text);
every hostile file is refused by name and every problem of a ledger is listed with its sheet,
row, column header and cell."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import runpy
import zipfile
from decimal import Decimal
from pathlib import Path

import msoffcrypto.format.ooxml
import openpyxl
import pytest
import xlwt
from openpyxl.utils import get_column_letter

from legaldocs.case.load import load_case, read_case_data
from legaldocs.deadlines.clocks import case_clocks
from legaldocs.money.statement import case_statement
from legaldocs.portfolio.ledger import MAX_CASES, MAX_ROWS, SHEETS, LedgerError, ledger_workbook, read_ledger

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
EXAMPLE = ROOT / "examples" / "ledger" / "ledger.xlsx"
ENFORCEMENT = ROOT / "examples" / "enforcement" / "case.yaml"
NO_VALUE = "公式没有保存的计算结果：请用Excel打开工作簿，计算后保存"
AS_NUMBER = "以数字形式保存，会丢失位数或末位X：请将该列设为文本格式后重新录入"


# -- helpers ---------------------------------------------------------------------------------------


def column(sheet: str, header: str) -> str:
    """The column letter of ``header`` in ``sheet`` as the ledger writes it."""
    found = next(s for s in SHEETS if s.name == sheet)
    return get_column_letter([c.header for c in found.columns].index(header) + 1)


def place(sheet: str, row: int, header: str) -> str:
    return f"{sheet}!第{row}行「{header}」（{column(sheet, header)}{row}）"


def demo_data() -> dict:
    return read_case_data(DEMO)


def demo_book() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(ledger_workbook([demo_data()])))


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def set_cell(wb, sheet: str, row: int, header: str, value) -> None:
    wb[sheet][f"{column(sheet, header)}{row}"] = value


def patch_cell(path: Path, sheet: str, coordinate: str, xml: str) -> None:
    """Replace the XML of one cell (``<c r="H2" ...>...</c>``) of ``sheet`` in the file."""
    index = [s.name for s in SHEETS].index(sheet) + 1
    name = f"xl/worksheets/sheet{index}.xml"
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    text = parts[name].decode()
    text, count = re.subn(rf'<c r="{coordinate}"[^>]*?(/>|>.*?</c>)', xml, text, count=1)
    assert count == 1, coordinate
    parts[name] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(LedgerError) as info:
        read_ledger(path)
    return info.value.problems


def loaded(data: dict, tmp_path: Path, name: str = "case.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")
    return load_case(path, check_files=False).case


# -- the demo case and the example ledger ----------------------------------------------------------


def test_demo_case_read_back_from_a_ledger_is_the_same_case(tmp_path):
    ledger = tmp_path / "demo.xlsx"
    ledger.write_bytes(ledger_workbook([demo_data()]))
    cases = read_ledger(ledger)
    assert [where for where, _data in cases] == ["案件!第2行"]
    from_yaml = load_case(DEMO, check_files=False).case
    from_ledger = loaded(cases[0][1], tmp_path)
    assert from_ledger == from_yaml  # every field, defaults included
    assert from_ledger.evidence[2].id == "E11" and from_ledger.evidence[2].files == ["exhibits/11-agents.png"]
    for as_of in (from_yaml.claim.as_of, dt.date(2025, 7, 15), dt.date(2028, 6, 1)):
        assert [c.as_dict() for c in case_clocks(from_ledger, as_of)] == [c.as_dict() for c in case_clocks(from_yaml, as_of)]
    yaml_figures = case_statement(from_yaml, from_yaml.claim.as_of)
    ledger_figures = case_statement(from_ledger, from_ledger.claim.as_of)
    for name in ("principal", "interest", "penalty_interest", "compound_interest", "total"):
        assert getattr(ledger_figures, name) == getattr(yaml_figures, name), name
    assert [(line.kind, line.start, line.end, line.amount) for line in ledger_figures.lines] == [
        (line.kind, line.start, line.end, line.amount) for line in yaml_figures.lines]
    assert yaml_figures.total == Decimal("512975.31")  # 500000 + 3564.59 + 9334.38 + 76.34: the demo's own figures


def test_a_field_no_column_holds_is_named_when_writing():
    data = read_case_data(ENFORCEMENT)
    with pytest.raises(LedgerError) as info:
        ledger_workbook([data])
    fields = {p for p, _m in info.value.problems}
    assert "ENF-2025-001: judgment.case_number" in fields
    assert all(m == "台账中没有对应的列" for _p, m in info.value.problems)


def test_example_ledger_is_made_the_same_every_time_and_holds_valid_cases(tmp_path):
    made = runpy.run_path(str(ROOT / "examples" / "ledger" / "make_ledger.py"))["main"](tmp_path / "again.xlsx")
    assert made.read_bytes() == EXAMPLE.read_bytes(), "examples/ledger/ledger.xlsx is stale: run make_ledger.py"
    cases = read_ledger(EXAMPLE)
    ids = [data["case_id"] for _where, data in cases]
    assert ids == ["TZ-2025-001", "TZ-2025-002", "TZ-2025-003"]
    assert {"DEMO-2025-001", "ENF-2025-001"}.isdisjoint(ids)
    for i, (where, data) in enumerate(cases):
        assert where == f"案件!第{i + 2}行"
        case = loaded(data, tmp_path, f"{i}.json")
        assert case_clocks(case, dt.date(2025, 9, 30))
        assert case_statement(case, case.claim.as_of).total > case.loans[0].draws[0].amount / 2
    second = cases[1][1]
    assert [d["amount"] for d in second["loans"][0]["draws"]] == [Decimal("600000"), Decimal("400000")]
    assert second["loans"][0]["rate_changes"] == [{"date": dt.date(2024, 7, 1), "annual_rate": Decimal("0.0375")}]
    assert cases[2][1]["events"][1]["note"] == "{{ 本人签收 }}"


def test_every_sheet_and_column_is_documented():
    text = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
    for sheet in SHEETS:
        assert f"\n### {sheet.name}\n" in text, sheet.name
        section = text.split(f"\n### {sheet.name}\n", 1)[1].split("\n#", 1)[0]
        documented = re.findall(r"^\| ([^|]+?) \|", section, re.M)[2:]  # the table's rows
        assert documented == [c.header for c in sheet.columns], sheet.name


def test_a_blank_template_holds_no_case(tmp_path):
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(ledger_workbook([]))
    assert openpyxl.load_workbook(blank).sheetnames == [s.name for s in SHEETS]
    assert problems(blank) == [("案件", "台账中没有案件")]


# -- values -----------------------------------------------------------------------------------------


def test_dates_are_excel_dates_or_text(tmp_path):
    wb = demo_book()
    set_cell(wb, "借款合同", 2, "签订日期", "2023年3月18日")
    set_cell(wb, "借据", 2, "放款日期", "2023-03-20")
    set_cell(wb, "借据", 2, "到期日", "2025/3/19")
    set_cell(wb, "抵押质押", 2, "登记日期", dt.datetime(2023, 3, 19))
    data = read_ledger(save(wb, tmp_path / "dates.xlsx"))[0][1]
    assert data["loans"][0]["signed_on"] == dt.date(2023, 3, 18)
    assert data["loans"][0]["draws"][0]["date"] == dt.date(2023, 3, 20)
    assert data["loans"][0]["draws"][0]["maturity"] == dt.date(2025, 3, 19)
    assert data["collateral"][0]["registered_on"] == dt.date(2023, 3, 19)

    set_cell(wb, "借款合同", 2, "签订日期", 45003)  # a serial number in a cell not formatted as a date
    wb["借款合同"][f"{column('借款合同', '签订日期')}2"].number_format = "General"
    set_cell(wb, "借据", 2, "放款日期", "2023-02-30")
    set_cell(wb, "借据", 2, "到期日", dt.datetime(2025, 3, 19, 14, 30))
    assert problems(save(wb, tmp_path / "bad-dates.xlsx")) == [
        (place("借款合同", 2, "签订日期"), "应为日期（日期格式的单元格，或2025-07-01、2025年7月1日这样的文本）"),
        (place("借据", 2, "放款日期"), "2023-02-30不是有效的日期"),
        (place("借据", 2, "到期日"), "应为日期，不带时刻"),
    ]


def test_amounts_are_read_exactly(tmp_path):
    wb = demo_book()
    set_cell(wb, "借款合同", 2, "借款金额", 500000.1)
    set_cell(wb, "借据", 2, "放款金额", "500,000.00")
    set_cell(wb, "借款合同", 2, "年利率", "4.35%")
    set_cell(wb, "还款", 2, "还款金额", 1.5)
    path = save(wb, tmp_path / "amounts.xlsx")
    # what Excel stores for a formula such as =0.1+0.2, cached: binary noise past 15 digits
    patch_cell(path, "还款", f"{column('还款', '还款金额')}2",
               f'<c r="{column("还款", "还款金额")}2"><f>0.1+0.2</f><v>0.30000000000000004</v></c>')
    data = read_ledger(path)[0][1]
    assert str(data["loans"][0]["principal"]) == "500000.1"
    assert str(data["loans"][0]["draws"][0]["amount"]) == "500000.00"
    assert data["loans"][0]["annual_rate"] == Decimal("0.0435")
    assert str(data["repayments"][0]["amount"]) == "0.3"

    set_cell(wb, "借款合同", 2, "借款金额", "五十万")
    set_cell(wb, "借据", 2, "放款金额", 500000.123)
    assert problems(save(wb, tmp_path / "bad-amounts.xlsx")) == [
        (place("借款合同", 2, "借款金额"), "五十万不是数字"),
        (place("借据", 2, "放款金额"), "最多保留两位小数（精确到分）"),
    ]


def test_identity_numbers_stored_as_numbers_are_refused(tmp_path):
    wb = demo_book()
    set_cell(wb, "当事人", 2, "身份证号/统一社会信用代码", 110105197904120131)
    set_cell(wb, "案件", 2, "签收人身份证号", 3.10104198605210e17)
    set_cell(wb, "案件", 2, "债权人统一社会信用代码", 913101150000000000)
    path = save(wb, tmp_path / "numbers.xlsx")
    assert problems(path) == [
        (place("案件", 2, "债权人统一社会信用代码"), AS_NUMBER),
        (place("案件", 2, "签收人身份证号"), AS_NUMBER),
        (place("当事人", 2, "身份证号/统一社会信用代码"), AS_NUMBER),
    ]


def test_long_numbers_in_text_columns_are_refused_short_ones_kept(tmp_path):
    wb = demo_book()
    set_cell(wb, "案件", 2, "收款账号", 3.10016000000500e19)  # an account number Excel turned into 3.10016E+19
    set_cell(wb, "当事人", 2, "电话", 13900000002)
    path = save(wb, tmp_path / "long.xlsx")
    assert problems(path) == [(place("案件", 2, "收款账号"),
                               "是超过15位的数字，Excel无法完整保存：请将该列设为文本格式后重新录入")]
    set_cell(wb, "案件", 2, "收款账号", "31001600000050000088")
    data = read_ledger(save(wb, tmp_path / "long.xlsx"))[0][1]
    assert data["parties"]["P1"]["phone"] == "13900000002"


def test_template_syntax_is_kept_as_text(tmp_path):
    wb = demo_book()
    note = "{{ case.creditor.name }}{% for x in range(9) %}{{ x }}{% endfor %}"
    set_cell(wb, "事件", 2, "备注", note)
    set_cell(wb, "当事人", 2, "住所", "{{ 7*7 }}号")
    data = read_ledger(save(wb, tmp_path / "template.xlsx"))[0][1]
    assert data["events"][0]["note"] == note
    assert data["parties"]["P1"]["address"] == "{{ 7*7 }}号"


def test_formulas_are_read_by_their_saved_values(tmp_path):
    wb = demo_book()
    cell = f"{column('借款合同', '借款金额')}2"
    wb["借款合同"][cell] = "=400000+100000"  # openpyxl saves the formula without a value, as no Excel would
    path = save(wb, tmp_path / "formulas.xlsx")
    assert problems(path) == [(place("借款合同", 2, "借款金额"), NO_VALUE)]
    patch_cell(path, "借款合同", cell, f'<c r="{cell}"><f>400000+100000</f><v>500000</v></c>')
    assert read_ledger(path)[0][1]["loans"][0]["principal"] == Decimal(500000)
    patch_cell(path, "借款合同", cell, f'<c r="{cell}" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    assert problems(path) == [(place("借款合同", 2, "借款金额"), "为错误值#DIV/0!")]


def test_every_problem_is_listed_with_its_place(tmp_path):
    wb = demo_book()
    set_cell(wb, "当事人", 2, "身份证号/统一社会信用代码", "110105197904120132")  # wrong check digit
    set_cell(wb, "当事人", 2, "法定代表人/负责人", "陈某")  # only for an organisation
    set_cell(wb, "当事人", 3, "编号", "P1")  # the guarantor given P1's id
    set_cell(wb, "借款合同", 2, "借款人", "P9")
    set_cell(wb, "借款合同", 2, "还款方式", "按月付息")
    set_cell(wb, "借款合同", 2, "计收复利", "可能")
    set_cell(wb, "借据", 2, "借款合同", "L7")
    set_cell(wb, "还款", 3, "案件编号", "DEMO-2025-999")
    wb["事件"]["Z1"] = "经办人"
    wb.create_sheet("担保合同")
    path = save(wb, tmp_path / "bad.xlsx")
    assert problems(path) == [  # in the order of the ledger: sheet, row, column
        ("担保合同", "不是台账的工作表（台账的工作表为：案件、当事人、代理人、借款合同、借据、利率调整、保证合同、抵押质押、"
                     "还款、事件、费用、财产线索、证据、追索记录、风险分类、损失准备、债务情况、贷款重组、核销、核销人员、"
                     "财产调查、人工确认；名为“说明”的工作表不读取）"),
        (place("当事人", 2, "身份证号/统一社会信用代码"), "校验位不符"),  # the case loader's finding, at its cell
        (place("当事人", 2, "法定代表人/负责人"), "仅适用于单位，请留空"),
        (place("当事人", 3, "编号"), "案件DEMO-2025-001的当事人编号P1已在第2行"),
        ("借款合同!第2行", "该借款合同没有放款：请在“借据”表中填写"),
        (place("借款合同", 2, "借款人"), "引用的当事人 'P9' 未定义"),
        (place("借款合同", 2, "计收复利"), "应为“是”或“否”"),
        (place("借款合同", 2, "还款方式"), "应为以下之一：等额本息；等额本金；到期一次性还本付息；按月计息、到期一次性还本；"
                                           "按季计息、到期一次性还本；按年计息、到期一次性还本；其他"),  # a choice holding 、: ；
        (place("借据", 2, "借款合同"), "引用的借款合同L7不在案件DEMO-2025-001的“借款合同”表中"),
        (place("保证合同", 2, "保证人"), "引用的当事人 'C1' 未定义"),  # C1's row was refused (its id is P1's)
        (place("还款", 3, "案件编号"), "引用的案件DEMO-2025-999不在“案件”表中"),
        ("事件!第1行「经办人」（Z1）", "不是本表的列（本表的列为：案件编号、日期、事件类型、当事人、借款合同、期限截止日、"
                                      "执行日期、财产类别、案号/文书号、查封冻结财产、证据、备注）"),
        (place("事件", 3, "当事人"), "引用的当事人 'C1' 未定义"),
        (place("财产线索", 4, "所有人"), "引用的当事人 'C1' 未定义"),
        (place("财产线索", 5, "所有人"), "引用的当事人 'C1' 未定义"),
        (place("证据", 5, "证明身份"), "指向未定义的当事人 'C1'（或应为 creditor、agents）"),
    ]


def test_missing_sheets_and_columns_are_named(tmp_path):
    wb = demo_book()
    del wb["借据"]
    ws = wb["借款合同"]
    ws.delete_cols(int(openpyxl.utils.column_index_from_string(column("借款合同", "年利率"))))
    wb.create_sheet("说明")["A1"] = "填写说明：见 docs/ledger.md"
    found = problems(save(wb, tmp_path / "missing.xlsx"))
    assert ("借据", "缺少此工作表，台账必须有") in found
    assert ("借款合同!第1行", "缺少必填列“年利率”") in found
    assert not any(p.startswith("说明") for p, _m in found)


# -- hostile files ---------------------------------------------------------------------------------


def test_what_is_not_an_xlsx_is_refused_by_name(tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("案件编号,管辖法院\nX-1,某法院\n", encoding="utf-8")
    assert problems(text) == [("notes.xlsx", "不是.xlsx工作簿")]

    whole = ledger_workbook([demo_data()])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    assert problems(cut) == [("cut.xlsx", "不是.xlsx工作簿")]

    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert problems(other) == [("other.xlsx", "不是.xlsx工作簿")]

    missing = tmp_path / "nowhere.xlsx"
    assert problems(missing)[0][0] == "nowhere.xlsx" and problems(missing)[0][1].startswith("无法读取：")


def test_excel_97_and_encrypted_workbooks_are_refused_with_what_to_do(tmp_path):
    book = xlwt.Workbook()
    book.add_sheet("案件").write(0, 0, "案件编号")
    old = tmp_path / "old.xlsx"
    book.save(str(old))
    assert problems(old) == [("old.xlsx", "是Excel 97-2003工作簿（.xls）：请另存为.xlsx后导入")]

    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(ledger_workbook([demo_data()]))
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("secret", target)
    assert problems(locked) == [("locked.xlsx", "已设密码加密：请另存一份不设密码的副本后导入")]


def test_damaged_packages_are_refused(tmp_path):
    good = ledger_workbook([demo_data()])
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    # a sheet whose XML is cut off
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet2.xml" else data)
    found = problems(broken)
    assert found[0][0] == "当事人" and found[0][1].startswith("已损坏：")
    # an entry whose bytes were changed after it was zipped (CRC mismatch)
    crc = tmp_path / "crc.xlsx"
    with zipfile.ZipFile(crc, "w", zipfile.ZIP_STORED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    raw = bytearray(crc.read_bytes())
    at = raw.index(b"<sheetData>")
    raw[at + 1: at + 10] = b"sheetDatX"
    crc.write_bytes(bytes(raw))
    found = problems(crc)
    assert len(found) == 1 and found[0][0] == "crc.xlsx" and found[0][1].startswith("已损坏：xl/worksheets/sheet1.xml")


def test_a_zip_bomb_is_refused_before_it_is_parsed(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(io.BytesIO(ledger_workbook([demo_data()]))) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        with z.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _i in range(101):
                part.write(b" " * (1024 * 1024))
            part.write(b"</sst>")
    assert bomb.stat().st_size < 1024 * 1024
    assert problems(bomb) == [("bomb.xlsx", "解压后超过100 MiB，不予读取")]


def test_entity_declarations_are_refused(tmp_path):
    path = tmp_path / "entities.xlsx"
    path.write_bytes(ledger_workbook([demo_data()]))
    cell = f"{column('案件', '案件名称')}2"
    patch_cell(path, "案件", cell, f'<c r="{cell}" t="inlineStr"><is><t>&xxe;</t></is></c>')
    index = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    parts[index] = head + re.sub(rb"^<\?xml[^>]*\?>", b"", parts[index].lstrip())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert problems(path) == [("entities.xlsx", "含有非UTF-8编码或声明文档类型（DOCTYPE）的XML，不是Excel保存的工作簿")]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    assert problems(big) == [("big.xlsx", "有22020096字节，台账文件上限为20971520字节")]


def test_more_rows_or_cases_than_the_limits_are_refused(tmp_path):
    wb = openpyxl.Workbook(write_only=True)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        if sheet.name == "还款":
            for _i in range(MAX_ROWS + 1):
                ws.append(["DEMO-2025-001", "L1", dt.date(2024, 1, 1), 1])
    rows = tmp_path / "rows.xlsx"
    wb.save(rows)
    assert problems(rows) == [("还款", "表头以下超过10000行：请拆分台账")]

    wb = openpyxl.Workbook(write_only=True)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        if sheet.name == "案件":
            for i in range(MAX_CASES + 1):
                ws.append([f"C-{i}"])
    cases = tmp_path / "cases.xlsx"
    wb.save(cases)
    assert problems(cases) == [("案件", "超过2000件案件：请拆分台账")]


def test_a_stray_cell_far_below_is_refused_without_reading_a_million_rows(tmp_path):
    path = tmp_path / "stray.xlsx"
    wb = demo_book()
    wb["费用"]["A1048576"] = "x"
    save(wb, path)
    assert problems(path) == [("费用", "表头以下超过10000行：请拆分台账")]
