"""The case ledger's sheets for classification and write-off (docs/ledger.md): 追索记录, 风险分类,
损失准备, 债务情况, 贷款重组, 核销, 核销人员, 财产调查, 人工确认, the 案件 sheet's risk columns and the
还款 sheet's 来源 and 付款人. A case with every one of them written to a ledger and read back is
the same case; a wrong reference or choice in any of them is reported at its cell; the example
ledger's written-off case reads with its write-off, pursuits and recoveries."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from legaldocs.case.load import load_case, read_case_data
from legaldocs.case.model import RECOVERY_SOURCES, EventKind
from legaldocs.portfolio.ledger import EVENT_KINDS, SHEETS, LedgerError, ledger_workbook, read_ledger

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
EXAMPLE = ROOT / "examples" / "ledger" / "ledger.xlsx"
NEW_SHEETS = ("追索记录", "风险分类", "损失准备", "债务情况", "贷款重组", "核销", "核销人员", "财产调查", "人工确认")
d = dt.date.fromisoformat


def column(sheet: str, header: str) -> str:
    found = next(s for s in SHEETS if s.name == sheet)
    return get_column_letter([c.header for c in found.columns].index(header) + 1)


def place(sheet: str, row: int, header: str) -> str:
    return f"{sheet}!第{row}行「{header}」（{column(sheet, header)}{row}）"


def full_case() -> dict:
    """The demo case with every section the ledger gained, every column of them filled."""
    data = read_case_data(DEMO)
    data["risk"] = {
        "segment": "retail", "sme_or_agricultural": True, "technical_delay_days": 3,
        "history": [
            {"date": d("2025-03-31"), "category": "关注", "loan": "L1", "basis": "利息逾期"},
            {"date": d("2025-06-30"), "category": "次级"},
        ],
        "provisions": [
            {"date": d("2025-06-30"), "allowance": Decimal("125000.00"), "loan": "L1", "stage": 3,
             "carrying_amount": Decimal("500000.00"), "credit_impaired": True},
            {"date": d("2025-03-31"), "allowance": Decimal("0"), "stage": 2, "credit_impaired": False},
        ],
        "exposures": [
            {"date": d("2025-06-30"), "scope": "this_bank", "total": Decimal("800000.00"),
             "non_performing": Decimal("500000.00"), "overdue_90": Decimal("0"), "source": "信贷管理系统"},
            {"date": d("2025-06-30"), "scope": "all_banks", "total": Decimal("1200000.00"),
             "non_performing": Decimal("0"), "overdue_90": Decimal("500000.00"), "source": "个人信用报告"},
        ],
        "restructurings": [
            {"loan": "L1", "changed_on": d("2024-06-01"), "first_repayment": d("2024-07-20"), "period_months": 3,
             "measures": ["展期", "调整还款计划、减免部分罚息"], "category_before": "关注",
             "missed": [d("2024-10-20"), d("2025-01-20")], "unresolved_on": [d("2025-01-31")], "evidence": ["E3"]},
        ],
    }
    data["repayments"].append({"date": d("2025-06-20"), "amount": Decimal("5000.00"), "loan": "L1", "applied_to": "mixed",
                               "evidence": ["E5"], "source": "guarantor", "party": "C1"})
    data["events"].append({"date": d("2025-06-25"), "kind": "终结本次执行程序", "parties": ["P1", "C1"],
                           "case_number": "（2025）沪0115执1234号", "evidence": ["E7"]})
    data["pursuits"] = [
        {"date": d("2025-05-09"), "party": "P1", "channel": "信函追索", "content": "邮寄催收通知书", "outcome": "本人签收，未还款",
         "handler": "王晓", "responsible": "周明", "cosigned": True, "evidence": ["E7"]},
        {"date": d("2025-05-12"), "party": "C1", "channel": "上门追索", "content": "上门送达履行保证责任通知书", "outcome": "拒绝还款",
         "cosigned": False},
    ]
    data["write_off"] = {
        "criterion": "7", "proposed_on": d("2025-07-01"), "written_off_on": d("2025-07-15"), "approval": "示银核〔2025〕12号",
        "institution": "rural", "loan_type": "personal_business", "cause": "经营失败", "remedies": "诉讼及强制执行",
        "why_now": "法院裁定终结本次执行程序", "responsibility": "不追究责任",
        "staff": [{"role": "经办人", "name": "王晓"}, {"role": "部门负责人", "name": "周明", "note": "资产保全部"}],
        "asset_searches": [{"date": d("2025-06-10"), "party": "P1", "by": "法院网络查控", "result": "无可供执行的财产",
                            "evidence": ["E7"]}],
        "confirmations": [{"rule": "writeoff.annex1.7", "by": "周明", "date": d("2025-07-05"), "note": "已核对"}],
        "ended": {"date": d("2025-09-20"), "reason": "transferred", "note": "批量转让", "evidence": ["E8"]},
    }
    return data


def loaded(data: dict, tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")
    return load_case(path, check_files=False).case


def problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(LedgerError) as info:
        read_ledger(path)
    return info.value.problems


def book(data: dict) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(ledger_workbook([data])))


def cell(wb: openpyxl.Workbook, sheet: str, row: int, header: str):
    return wb[sheet][f"{column(sheet, header)}{row}"].value


def test_a_case_with_every_new_section_is_the_same_case_after_a_ledger(tmp_path):
    data = full_case()
    path = tmp_path / "full.xlsx"
    path.write_bytes(ledger_workbook([data]))
    wb = openpyxl.load_workbook(path)
    for name in NEW_SHEETS:  # every column of every new sheet holds a value
        ws = wb[name]
        headers = [c.value for c in ws[1]]
        assert headers == [c.header for c in next(s for s in SHEETS if s.name == name).columns]
        for index, header in enumerate(headers):
            assert any(row[index] is not None for row in ws.iter_rows(min_row=2, values_only=True)), (name, header)
    # written as legal staff read them: Chinese labels, dates as dates, amounts as numbers
    last = wb["还款"].max_row
    assert (cell(wb, "还款", last, "来源"), cell(wb, "还款", last, "付款人")) == ("保证人代偿", "C1")
    assert cell(wb, "还款", 2, "来源") is None  # left out in the case data: left empty (the default, 借款人还款)
    assert cell(wb, "事件", wb["事件"].max_row, "事件类型") == "终结本次执行程序"
    assert (cell(wb, "损失准备", 2, "减值阶段"), cell(wb, "损失准备", 2, "损失准备")) == ("第三阶段", 125000)
    assert cell(wb, "核销", 2, "机构类型") == "农村信用社或村镇银行"
    assert cell(wb, "核销", 2, "完全终结原因") == "已转让"
    assert cell(wb, "核销", 2, "核销日期") == dt.datetime(2025, 7, 15)
    assert cell(wb, "贷款重组", 2, "重组措施") == "展期；调整还款计划、减免部分罚息"
    assert cell(wb, "贷款重组", 2, "未按时还款日") == "2024-10-20、2025-01-20"
    assert (cell(wb, "案件", 2, "风险客户类型"), cell(wb, "案件", 2, "涉农或中小企业贷款")) == ("零售", "是")
    assert cell(wb, "债务情况", 3, "范围") == "全部银行" and cell(wb, "追索记录", 3, "共同签章") == "否"

    (where, back), = read_ledger(path)
    assert where == "案件!第2行"
    for key in ("pursuits", "risk", "write_off", "repayments", "events"):
        assert back[key] == data[key], key
    assert back["risk"]["restructurings"][0]["measures"] == ["展期", "调整还款计划、减免部分罚息"]
    assert back["risk"]["provisions"][0]["stage"] == 3 and back["risk"]["provisions"][1]["allowance"] == Decimal("0")
    assert loaded(back, tmp_path, "back.json") == loaded(data, tmp_path, "data.json")  # every field, defaults included


def test_a_write_off_given_only_by_its_staff_and_a_case_without_any_new_section(tmp_path):
    data = read_case_data(DEMO)
    data["write_off"] = {"staff": [{"role": "经办人", "name": "王晓"}]}
    path = tmp_path / "staff.xlsx"
    path.write_bytes(ledger_workbook([data]))
    (_where, back), = read_ledger(path)
    assert back["write_off"] == {"staff": [{"role": "经办人", "name": "王晓"}]}
    case = loaded(back, tmp_path, "staff.json")
    assert case.write_off.written_off_on is None and case.write_off.institution == "bank"

    plain = read_case_data(DEMO)
    path.write_bytes(ledger_workbook([plain]))
    wb = openpyxl.load_workbook(path)
    assert all(wb[name].max_row == 1 for name in NEW_SHEETS)  # headers only
    (_where, back), = read_ledger(path)
    assert not {"pursuits", "risk", "write_off"} & set(back)
    case = loaded(back, tmp_path, "plain.json")
    assert case.write_off is None and case.risk.history == [] and case.pursuits == []


def test_event_kinds_and_recovery_sources_are_those_of_the_case_format():
    assert [value for _label, value in EVENT_KINDS] == [kind.value for kind in EventKind]
    assert ("终结本次执行程序", "终结本次执行程序") in EVENT_KINDS and ("发生信用减值", "发生信用减值") in EVENT_KINDS
    source = next(c for c in next(s for s in SHEETS if s.name == "还款").columns if c.header == "来源")
    assert dict(source.choices)["保证人代偿"] == "guarantor" and dict(source.choices)["guarantor"] == "guarantor"
    assert {v for _l, v in source.choices} == set(RECOVERY_SOURCES)


def test_a_wrong_reference_or_choice_in_each_new_sheet_is_reported_at_its_cell(tmp_path):
    data = full_case()
    wb = book(data)
    last_repayment = wb["还款"].max_row
    cells = [
        ("案件", 2, "风险客户类型", "个人"),
        ("案件", 2, "技术性逾期天数", "三天"),
        ("还款", last_repayment, "来源", "代偿"),
        ("还款", last_repayment, "付款人", "P9"),
        ("事件", wb["事件"].max_row, "事件类型", "终本"),
        ("追索记录", 2, "被追索人", "P9"),
        ("追索记录", 2, "证据", "E7、E99"),
        ("追索记录", 3, "追索方式", "微信追索"),
        ("风险分类", 2, "借款合同", "L9"),
        ("风险分类", 3, "风险分类", "不良"),
        ("损失准备", 2, "借款合同", "L9"),
        ("损失准备", 3, "减值阶段", "第四阶段"),
        ("债务情况", 2, "范围", "他行"),
        ("债务情况", 3, "债务总额", "一百二十万"),
        ("贷款重组", 2, "借款合同", "L9"),
        ("贷款重组", 2, "重组前分类", "不良"),
        ("贷款重组", 2, "未按时还款日", "2024-10-20、2025-02-30"),
        ("核销", 2, "机构类型", "信用社"),
        ("核销", 2, "完全终结证据", "E99"),
        ("核销人员", 3, "姓名", None),
        ("财产调查", 2, "被调查人", "P9"),
        ("人工确认", 2, "确认日期", "下周"),
    ]
    for sheet, row, header, value in cells:
        wb[sheet][f"{column(sheet, header)}{row}"] = value
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    assert problems(path) == [  # in the order of the ledger: sheet, row, column
        (place("案件", 2, "风险客户类型"), "应为以下之一：非零售、零售"),
        (place("案件", 2, "技术性逾期天数"), "应为整数"),
        (place("还款", last_repayment, "来源"), "应为以下之一：借款人还款；保证人代偿；抵押物、质物处置款；破产财产分配；以物抵债；"
                                                 "保险赔款；遗产清偿；强制执行款；债权转让价款；其他；抵押物处置款；质物处置款"),
        (place("还款", last_repayment, "付款人"), "引用的当事人 'P9' 未定义"),
        (place("事件", wb["事件"].max_row, "事件类型"), "应为以下之一：" + "、".join(k.value for k in EventKind)),
        (place("追索记录", 2, "被追索人"), "引用的当事人 'P9' 未定义"),
        (place("追索记录", 2, "证据"), "引用的证据 'E99' 未定义"),
        (place("追索记录", 3, "追索方式"), "应为以下之一：司法追索、电话追索、信函追索、短信追索、上门追索、公告催收、其他"),
        (place("风险分类", 2, "借款合同"), "引用的借款合同 'L9' 未定义"),
        (place("风险分类", 3, "风险分类"), "应为以下之一：正常、关注、次级、可疑、损失"),
        (place("损失准备", 2, "借款合同"), "引用的借款合同 'L9' 未定义"),
        (place("损失准备", 3, "减值阶段"), "应为以下之一：第一阶段、第二阶段、第三阶段"),
        (place("债务情况", 2, "范围"), "应为以下之一：本行、全部银行"),
        (place("债务情况", 3, "债务总额"), "一百二十万不是数字"),
        (place("贷款重组", 2, "借款合同"), "引用的借款合同 'L9' 未定义"),
        (place("贷款重组", 2, "重组前分类"), "应为以下之一：正常、关注、次级、可疑、损失"),
        (place("贷款重组", 2, "未按时还款日"), "2025-02-30不是有效的日期"),
        (place("核销", 2, "机构类型"), "应为以下之一：银行、农村信用社或村镇银行、农村信用社、村镇银行"),
        (place("核销", 2, "完全终结证据"), "引用的证据 'E99' 未定义"),
        (place("核销人员", 3, "姓名"), "必须填写"),
        (place("财产调查", 2, "被调查人"), "引用的当事人 'P9' 未定义"),
        (place("人工确认", 2, "确认日期"), "应为日期（日期格式的单元格，或2025-07-01、2025年7月1日这样的文本）"),
    ]


def test_what_the_case_loader_finds_in_the_new_sections_is_reported_at_its_cell(tmp_path):
    data = full_case()
    data["write_off"]["written_off_on"] = d("2025-06-30")  # before it was proposed (2025-07-01)
    data["risk"]["restructurings"][0]["first_repayment"] = d("2024-05-20")  # before the contract was changed
    path = tmp_path / "dates.xlsx"
    path.write_bytes(ledger_workbook([data]))
    assert problems(path) == [
        (place("贷款重组", 2, "重组后首次还款日"), "2024-05-20早于合同变更日（2024-06-01）"),
        (place("核销", 2, "核销日期"), "2025-06-30早于核销申报日期（2025-07-01）"),
    ]

    data = full_case()
    del data["write_off"]["written_off_on"]  # an end of a claim never written off
    wb = book(data)
    wb["核销"].append([data["case_id"], "9"])  # and a second write-off row for the case
    path = tmp_path / "twice.xlsx"
    wb.save(path)
    assert problems(path) == [
        (place("核销", 2, "完全终结日期"), "已填写，但未填写核销日期（write_off.written_off_on）：只有已核销的债权才以此方式完全终结"),
        (place("核销", 3, "案件编号"), "案件DEMO-2025-001的核销已在第2行"),
    ]


def test_the_example_ledger_holds_a_written_off_case_still_pursued_and_classes_booked(tmp_path):
    cases = dict((data["case_id"], data) for _where, data in read_ledger(EXAMPLE))
    first = loaded(cases["TZ-2025-001"], tmp_path, "first.json")
    assert [r.category.value for r in first.risk.history] == ["正常", "关注", "次级"]
    assert [(p.allowance, p.stage) for p in first.risk.provisions] == [(Decimal("200000.00"), 3)]
    assert {p.party for p in first.pursuits} == {"P1", "C1"}  # the borrower and the guarantor pursued
    assert all(p.cosigned for p in first.pursuits if p.channel.value == "信函追索")
    assert [(r.source, r.party, r.amount) for r in first.repayments if r.source != "borrower"] == [
        ("guarantor", "C1", Decimal("30000.00"))]
    assert first.write_off is None

    second = loaded(cases["TZ-2025-002"], tmp_path, "second.json")
    assert second.risk.segment == "non_retail" and second.risk.sme_or_agricultural
    assert [(e.scope, e.total, e.non_performing) for e in second.risk.exposures] == [
        ("this_bank", Decimal("1500000.00"), Decimal("1000000.00"))]

    third = loaded(cases["TZ-2025-003"], tmp_path, "third.json")
    write_off = third.write_off
    assert (write_off.criterion, write_off.proposed_on, write_off.written_off_on) == ("14", d("2025-06-10"), d("2025-06-30"))
    assert (write_off.loan_type, write_off.institution, write_off.ended) == ("personal_consumer", "bank", None)  # 账销案存
    assert [s.role for s in write_off.staff] == ["经办人", "部门负责人", "单位负责人"]
    assert {c.rule for c in write_off.confirmations} == {"writeoff.annex1.14", "writeoff.small_amount.personal_consumer.bank"}
    assert [a.by for a in write_off.asset_searches] == ["不动产登记中心", "车辆管理所"]
    assert [r.category.value for r in third.risk.history][-1] == "损失"
    after = [p for p in third.pursuits if p.date > write_off.written_off_on]
    assert [p.channel.value for p in after] == ["信函追索", "电话追索"]  # still pursued after the write-off
    recovered = [r for r in third.repayments if r.date > write_off.written_off_on]
    assert [(r.date, r.amount, r.source, r.party) for r in recovered] == [(d("2025-09-25"), Decimal("2000.00"), "borrower", "P1")]
    first_pursuit = min(p.date for p in third.pursuits)
    assert (write_off.written_off_on - first_pursuit).days >= 180  # pursued 180 days and more before the write-off
