"""Write examples/ledger/ledger.xlsx: a case ledger (案件台账, docs/ledger.md) of three invented
cases of one branch, as its legal staff would keep them in Excel. All names, numbers and amounts
are invented (identity numbers and credit codes carry valid check digits); the evidence files it
names are not part of the example (the service takes them as uploads).

For classification and write-off: TZ-2025-001 has its pursuit records, the classes booked each
quarter (正常, 关注, 次级), a provision, its debts at every bank and a payment by its guarantor;
TZ-2025-002 its debts at this bank (a non-retail SME debtor); TZ-2025-003, a small consumer loan,
was written off on 2025-06-30 (small personal loan, simplified route) and is still pursued
(账销案存): a demand notice delivered and a payment received after the write-off.

The same script gives the same bytes every time (the workbook dated 2025-09-30, every zip entry
dated as legaldocs.documents.reproducible dates them), so the committed file can be checked:

    .venv/bin/python examples/ledger/make_ledger.py            # writes examples/ledger/ledger.xlsx
    .venv/bin/python examples/ledger/make_ledger.py OUT.xlsx   # elsewhere
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal as D
from pathlib import Path

from legaldocs.documents.reproducible import rezip
from legaldocs.files import atomic_path
from legaldocs.portfolio.ledger import ledger_workbook

HERE = Path(__file__).resolve().parent
DATE = dt.date(2025, 9, 30)
d = dt.date.fromisoformat

CREDITOR = {
    "name": "示例银行股份有限公司南京城南支行",
    "uscc": "91320104MA1N8K2P3L",
    "address": "江苏省南京市秦淮区中华路188号",
    "representative": "孙立新",
    "representative_title": "行长",
    "phone": "025-52000000",
    "entity_type": "股份有限公司",
    "account": {"number": "32001800000050000166", "name": "示例银行股份有限公司南京城南支行",
                "bank": "示例银行股份有限公司南京城南支行"},
    "service": {"recipient": "周敏", "id_number": "320106198811036029", "address": "江苏省南京市秦淮区中华路188号资产保全部",
                "phone": "13900001111", "postcode": "210001", "electronic": True, "email": "chengnan-legal@example.com"},
}
AGENT = {"name": "周敏", "employer": "示例银行股份有限公司南京城南支行", "position": "资产保全部主管", "phone": "13900001111",
         "authority": "特别授权"}


def _monthly_interest(loan: str, first: dt.date, last: dt.date, amount: D) -> list[dict]:
    """Interest paid on the 21st of each month from ``first`` to ``last`` (the statement's rows)."""
    out, day = [], first
    while day <= last:
        out.append({"date": day, "amount": amount, "loan": loan, "applied_to": "interest"})
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, day.day)
    return out


CASE_1 = {  # a personal business loan, interest monthly, guaranteed by a company, the flat mortgaged
    "case_id": "TZ-2025-001",
    "title": "示例银行南京城南支行诉赵明、南京示例建材有限公司金融借款合同纠纷",
    "court": "南京市秦淮区人民法院",
    "creditor": CREDITOR,
    "agents": [AGENT],
    "parties": {
        "P1": {"kind": "person", "name": "赵明", "gender": "男", "ethnicity": "汉族", "birth_date": d("1985-04-12"),
               "id_number": "320104198504123015", "address": "江苏省南京市秦淮区长乐路66号2幢301室", "phone": "13900002222"},
        "C1": {"kind": "organization", "name": "南京示例建材有限公司", "uscc": "91320115MA1Y7Q5T61",
               "address": "江苏省南京市江宁区示例大道9号", "representative": "吴强", "entity_type": "有限责任公司"},
    },
    "loans": [{
        "id": "L1", "title": "个人经营性借款合同", "number": "CN-JY-2023-0612", "borrowers": ["P1"],
        "signed_on": d("2023-06-10"), "signed_at": "江苏省南京市秦淮区", "principal": D("800000.00"),
        "draws": [{"date": d("2023-06-12"), "amount": D("800000.00"), "maturity": d("2025-06-11"),
                   "receipt_number": "CN-JJ-2023-0612-01"}],
        "annual_rate": D("0.048"), "penalty_uplift": D("0.5"), "repayment_method": "按月计息、到期一次性还本",
        "interest_day": 21, "rate_clause": "第四条", "penalty_clause": "第九条", "compound_clause": "第九条",
        "jurisdiction_clause": "第十五条 由贷款人住所地人民法院管辖",
    }],
    "guarantees": [{"id": "G1", "number": "CN-BZ-2023-0612", "guarantor": "C1", "secures": ["L1"], "kind": "连带责任保证",
                    "signed_on": d("2023-06-10"), "period": "主债务履行期限届满之日起三年"}],
    "collateral": [{"id": "M1", "kind": "mortgage", "contract_number": "CN-DY-2023-0612", "signed_on": d("2023-06-10"),
                    "owner": "P1", "secures": ["L1"], "description": "位于江苏省南京市秦淮区长乐路66号2幢301室的房屋",
                    "certificate_number": "苏（2023）宁秦不动产证明第0061234号", "registered_on": d("2023-06-11")}],
    "repayments": _monthly_interest("L1", d("2023-07-21"), d("2024-12-21"), D("3200.00")) + [
        {"date": d("2025-08-25"), "amount": D("30000.00"), "loan": "L1", "source": "guarantor", "party": "C1",
         "evidence": ["E7"]},
    ],
    "events": [
        {"date": d("2025-07-08"), "kind": "催收通知书送达", "parties": ["P1"], "evidence": ["E5"], "note": "邮寄送达，本人签收"},
        {"date": d("2025-07-10"), "kind": "履行保证责任通知书送达", "parties": ["C1"], "evidence": ["E5"]},
    ],
    "pursuits": [
        {"date": d("2025-02-10"), "party": "P1", "channel": "电话追索", "content": "电话催收1月21日到期未付的利息",
         "outcome": "借款人称经营资金紧张，承诺3月底前补付", "handler": "周敏", "responsible": "孙立新", "cosigned": True},
        {"date": d("2025-02-12"), "party": "C1", "channel": "上门追索", "content": "到保证人经营场所告知借款人欠息情况",
         "outcome": "保证人法定代表人吴强表示将督促借款人还款", "handler": "周敏", "responsible": "孙立新", "cosigned": True},
        {"date": d("2025-07-08"), "party": "P1", "channel": "信函追索", "content": "邮寄催收通知书", "outcome": "本人签收，未还款",
         "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E5"]},
        {"date": d("2025-07-10"), "party": "C1", "channel": "信函追索", "content": "邮寄履行保证责任通知书", "outcome": "签收",
         "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E5"]},
        {"date": d("2025-08-25"), "party": "C1", "channel": "上门追索", "content": "与保证人协商代偿",
         "outcome": "保证人代偿30000元，余款未付", "handler": "周敏", "evidence": ["E7"]},
    ],
    "risk": {
        "segment": "retail",
        "history": [
            {"date": d("2024-12-31"), "category": "正常", "loan": "L1", "basis": "按时付息"},
            {"date": d("2025-03-31"), "category": "关注", "loan": "L1", "basis": "利息逾期69天"},
            {"date": d("2025-06-30"), "category": "次级", "loan": "L1", "basis": "利息逾期超过90天，本金到期未还"},
        ],
        "provisions": [{"date": d("2025-06-30"), "allowance": D("200000.00"), "loan": "L1", "stage": 3,
                        "carrying_amount": D("800000.00"), "credit_impaired": True}],
        "exposures": [{"date": d("2025-06-30"), "scope": "all_banks", "total": D("1350000.00"),
                       "overdue_90": D("800000.00"), "source": "个人信用报告（2025年6月30日查询）"}],
    },
    "claim": {"as_of": DATE, "costs": [{"name": "律师费", "amount": D("20000.00"), "evidence": ["E6"],
                                        "clause": "《个人经营性借款合同》第十一条"}]},
    "notices": {"pay_within_days": 10, "contact": "周敏", "contact_phone": "13900001111"},
    "property_leads": [{"owner": "C1", "kind": "bank_account", "description": "在示例农村商业银行江宁支行开立的基本存款账户内的存款",
                        "identifier": "32011500000012345678"}],
    "evidence": [
        {"id": "E1", "title": "《个人经营性借款合同》", "files": ["TZ-2025-001/01-loan-contract.pdf"],
         "purpose": "借款关系及借款金额、期限、利率、罚息和复利的约定", "group": "借款事实"},
        {"id": "E2", "title": "借款借据", "files": ["TZ-2025-001/02-receipt.pdf"], "purpose": "原告已发放借款800000元",
         "group": "借款事实"},
        {"id": "E3", "title": "《保证合同》", "files": ["TZ-2025-001/03-guarantee.pdf"], "purpose": "连带责任保证及保证期间",
         "group": "担保事实"},
        {"id": "E4", "title": "《抵押合同》及不动产登记证明", "files": ["TZ-2025-001/04-mortgage.pdf", "TZ-2025-001/04-certificate.jpg"],
         "purpose": "抵押权已设立", "group": "担保事实"},
        {"id": "E5", "title": "催收通知书、履行保证责任通知书及送达回执", "files": ["TZ-2025-001/05-notices.pdf"],
         "purpose": "原告已向被告催收并在保证期间内主张权利", "group": "催收事实"},
        {"id": "E6", "title": "委托代理合同及律师费发票", "files": ["TZ-2025-001/06-lawyer-fee.ofd"],
         "purpose": "原告为实现债权支出律师费20000元", "group": "实现债权的费用"},
        {"id": "E7", "title": "保证人代偿回单", "files": ["TZ-2025-001/07-guarantor-payment.pdf"],
         "purpose": "保证人已代偿30000元", "group": "还款事实"},
    ],
}

CASE_2 = {  # a working-capital loan in two draws, interest quarterly, repriced once; a general guarantee
    "case_id": "TZ-2025-002",
    "title": "示例银行南京城南支行诉南京示例电子科技有限公司、钱芳金融借款合同纠纷",
    "court": "南京市秦淮区人民法院",
    "creditor": CREDITOR,
    "agents": [AGENT, {"name": "李文博", "kind": "lawyer", "employer": "江苏示例律师事务所", "position": "律师",
                       "phone": "13900003333", "authority": "一般授权"}],
    "parties": {
        "C1": {"kind": "organization", "name": "南京示例电子科技有限公司", "uscc": "91320106MA20C3LD7J",
               "address": "江苏省南京市鼓楼区示例路100号5层", "representative": "郑凯", "entity_type": "有限责任公司",
               "phone": "025-83000000"},
        "P1": {"kind": "person", "name": "钱芳", "gender": "女", "ethnicity": "汉族", "birth_date": d("1990-03-08"),
               "id_number": "320102199003084021", "address": "江苏省南京市玄武区示例街12号401室",
               "employer": "南京示例电子科技有限公司"},
    },
    "loans": [{
        "id": "L1", "title": "流动资金借款合同", "number": "CN-LD-2024-0115", "borrowers": ["C1"],
        "signed_on": d("2024-01-12"), "principal": D("1000000.00"),
        "draws": [
            {"date": d("2024-01-15"), "amount": D("600000.00"), "maturity": d("2025-01-14"), "receipt_number": "CN-LD-JJ-01"},
            {"date": d("2024-03-01"), "amount": D("400000.00"), "maturity": d("2025-02-28"), "receipt_number": "CN-LD-JJ-02"},
        ],
        "annual_rate": D("0.0385"), "repayment_method": "按季计息、到期一次性还本",
        "rate_changes": [{"date": d("2024-07-01"), "annual_rate": D("0.0375")}],
    }],
    "guarantees": [{"id": "G1", "title": "最高额保证合同", "number": "CN-ZGBZ-2024-0115", "guarantor": "P1", "secures": ["L1"],
                    "kind": "一般保证", "signed_on": d("2024-01-12"), "period": "主债务履行期限届满之日起三年",
                    "maximum_amount": D("1200000.00")}],
    "repayments": [
        {"date": d("2024-03-20"), "amount": D("4106.67"), "loan": "L1", "applied_to": "interest"},
        {"date": d("2024-06-20"), "amount": D("9790.00"), "loan": "L1", "applied_to": "interest"},
    ],
    "events": [
        {"date": d("2025-03-10"), "kind": "债务人确认债务", "parties": ["C1"], "evidence": ["E4"],
         "note": "借款人出具还款计划确认书"},
    ],
    "claim": {"as_of": DATE, "procedure": "ordinary"},
    "risk": {
        "segment": "non_retail",
        "sme_or_agricultural": True,
        "exposures": [{"date": d("2025-06-30"), "scope": "this_bank", "total": D("1500000.00"),
                       "non_performing": D("1000000.00"), "source": "信贷管理系统"}],
    },
    "evidence": [
        {"id": "E1", "title": "《流动资金借款合同》", "files": ["TZ-2025-002/01-loan-contract.pdf"],
         "purpose": "借款关系及借款金额、期限、利率的约定", "group": "借款事实"},
        {"id": "E2", "title": "借款借据两份", "files": ["TZ-2025-002/02-receipt-1.pdf", "TZ-2025-002/02-receipt-2.pdf"],
         "purpose": "原告已分两笔发放借款1000000元", "group": "借款事实"},
        {"id": "E3", "title": "《最高额保证合同》", "files": ["TZ-2025-002/03-guarantee.pdf"],
         "purpose": "被告钱芳提供一般保证及最高债权额", "group": "担保事实"},
        {"id": "E4", "title": "还款计划确认书", "files": ["TZ-2025-002/04-acknowledgment.pdf"],
         "purpose": "借款人确认债务，诉讼时效中断", "group": "催收事实"},
    ],
}

CASE_3 = {  # a consumer loan in equal instalments, unpaid from its eighth instalment
    "case_id": "TZ-2025-003",
    "title": "示例银行南京城南支行诉孙浩金融借款合同纠纷",
    "court": "南京市秦淮区人民法院",
    "creditor": CREDITOR,
    "parties": {
        "P1": {"kind": "person", "name": "孙浩", "gender": "男", "ethnicity": "汉族", "birth_date": d("1987-09-11"),
               "id_number": "320102198709115016", "address": "江苏省南京市江宁区示例花园3幢1202室", "phone": "13900004444",
               "habitual_residence": "江苏省南京市秦淮区示例路8号"},
    },
    "loans": [{
        "id": "L1", "title": "个人消费借款合同", "number": "CN-XF-2023-0905", "borrowers": ["P1"],
        "signed_on": d("2023-09-04"), "principal": D("120000.00"),
        "draws": [{"date": d("2023-09-05"), "amount": D("120000.00"), "maturity": d("2026-09-05")}],
        "annual_rate": D("0.0588"), "repayment_method": "等额本息", "interest_day": 5,
    }],
    "repayments": [{"date": d(f"2023-{m:02d}-05"), "amount": D("3643.66"), "loan": "L1"} for m in (10, 11, 12)]
    + [{"date": d(f"2024-{m:02d}-05"), "amount": D("3643.66"), "loan": "L1"} for m in (1, 2, 3, 4)]
    + [{"date": d("2025-09-25"), "amount": D("2000.00"), "loan": "L1", "source": "borrower", "party": "P1",
        "evidence": ["E6"]}],  # received after the write-off: a recovery after write-off (核销后收回)
    "events": [
        {"date": d("2024-11-15"), "kind": "宣布提前到期", "parties": ["P1"], "loans": ["L1"], "evidence": ["E3"]},
        {"date": d("2025-08-20"), "kind": "催收通知书送达", "parties": ["P1"], "evidence": ["E3"], "note": "{{ 本人签收 }}"},
    ],
    "claim": {"as_of": DATE, "procedure": "simplified", "acceleration": True},
    "pursuits": [
        {"date": d("2024-05-10"), "party": "P1", "channel": "电话追索", "content": "电话催收5月5日到期的第八期还款",
         "outcome": "借款人称餐饮店歇业，暂无收入", "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E4"]},
        {"date": d("2024-08-15"), "party": "P1", "channel": "短信追索", "content": "短信提示逾期金额及后果", "outcome": "未回复",
         "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E4"]},
        {"date": d("2024-11-15"), "party": "P1", "channel": "信函追索", "content": "邮寄提前到期通知书", "outcome": "本人签收，未还款",
         "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E3"]},
        {"date": d("2025-01-20"), "party": "P1", "channel": "上门追索", "content": "到借款人住所催收", "outcome": "借款人无力还款，无可供清偿的财产",
         "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E4"]},
        {"date": d("2025-08-20"), "party": "P1", "channel": "信函追索", "content": "核销后继续追索：邮寄催收通知书", "outcome": "本人签收",
         "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E3"]},
        {"date": d("2025-09-15"), "party": "P1", "channel": "电话追索", "content": "核销后继续追索：电话催收", "outcome": "借款人承诺每月还款",
         "handler": "周敏", "responsible": "孙立新", "cosigned": True, "evidence": ["E4"]},
    ],
    "risk": {
        "history": [
            {"date": d("2024-06-30"), "category": "关注", "basis": "逾期56天"},
            {"date": d("2024-09-30"), "category": "次级", "basis": "逾期超过90天"},
            {"date": d("2025-03-31"), "category": "可疑", "basis": "逾期超过270天"},
            {"date": d("2025-06-30"), "category": "损失", "basis": "逾期超过360天，经追索无法收回"},
        ],
        "provisions": [{"date": d("2025-06-30"), "allowance": D("98293.40"), "loan": "L1", "stage": 3,
                        "carrying_amount": D("98293.40"), "credit_impaired": True}],
    },
    "write_off": {
        "criterion": "14", "proposed_on": d("2025-06-10"), "written_off_on": d("2025-06-30"),
        "approval": "宁城南核〔2025〕6号", "institution": "bank", "loan_type": "personal_consumer",
        "cause": "借款人经营的餐饮店于2024年4月歇业，收入中断，无力按期还款",
        "remedies": "电话、短信、上门及信函追索，查询不动产和车辆登记，未发现可供清偿的财产",
        "why_now": "借款逾期超过一年，经追索180天以上仍无法收回，符合小额个人贷款核销条件",
        "responsibility": "经调查，贷前调查、贷时审查和贷后管理均已尽职，不追究有关人员责任",
        "staff": [{"role": "经办人", "name": "周敏"}, {"role": "部门负责人", "name": "钱卫东", "note": "资产保全部"},
                  {"role": "单位负责人", "name": "孙立新"}],
        "asset_searches": [
            {"date": d("2025-01-22"), "party": "P1", "by": "不动产登记中心", "result": "名下无不动产", "evidence": ["E5"]},
            {"date": d("2025-01-22"), "party": "P1", "by": "车辆管理所", "result": "名下无机动车", "evidence": ["E5"]},
        ],
        # the small-amount route and its threshold are unverified rule values (law/data/writeoff.toml):
        # a person confirmed them against the bank's own write-off rules
        "confirmations": [
            {"rule": "writeoff.annex1.14", "by": "孙立新", "date": d("2025-06-20"), "note": "已按总行呆账核销实施细则核对小额简易核销条件"},
            {"rule": "writeoff.small_amount.personal_consumer.bank", "by": "孙立新", "date": d("2025-06-20"),
             "note": "已核对单户余额标准"},
        ],
    },
    "evidence": [
        {"id": "E1", "title": "《个人消费借款合同》", "files": ["TZ-2025-003/01-loan-contract.pdf"],
         "purpose": "借款关系及借款金额、期限、利率的约定", "group": "借款事实"},
        {"id": "E2", "title": "放款凭证", "files": ["TZ-2025-003/02-disbursement.ofd"], "purpose": "原告已发放借款120000元",
         "original": False, "group": "借款事实"},
        {"id": "E3", "title": "提前到期通知书、催收通知书及送达回执", "files": ["TZ-2025-003/03-notices.pdf"],
         "purpose": "原告已宣布借款提前到期并催收", "group": "催收事实"},
        {"id": "E4", "title": "电话、短信及上门追索记录", "files": ["TZ-2025-003/04-pursuit-records.pdf"],
         "purpose": "原告持续追索，借款人未还款", "group": "催收事实"},
        {"id": "E5", "title": "不动产及车辆登记查询结果", "files": ["TZ-2025-003/05-asset-search.pdf"],
         "purpose": "借款人名下无不动产和机动车", "group": "财产调查"},
        {"id": "E6", "title": "还款回单", "files": ["TZ-2025-003/06-repayment.pdf"], "purpose": "借款人于核销后还款2000元",
         "group": "还款事实"},
    ],
}

CASES = [CASE_1, CASE_2, CASE_3]


def main(out: Path = HERE / "ledger.xlsx") -> Path:
    data = ledger_workbook(CASES, date=DATE)
    with atomic_path(out) as tmp:
        rezip(data, tmp)
    return out


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "ledger.xlsx"))
