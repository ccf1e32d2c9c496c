"""The case ledger (案件台账): cases kept in one .xlsx workbook, as a bank's legal staff keep them
in Excel, read into case data (``docs/case-file.md``) and written from it. The layout, every
sheet and column, is in ``docs/ledger.md`` and in :data:`SHEETS` below.

Layout: one sheet per kind of record (案件, 当事人, 代理人, 借款合同, 借据, 利率调整, 保证合同,
抵押质押, 还款, 事件, 费用, 财产线索, 证据; for classification and write-off 追索记录, 风险分类,
损失准备, 债务情况, 贷款重组, 核销, 核销人员, 财产调查, 人工确认), Chinese headers in row 1, one
record a row, every row naming its case by 案件编号. Rows of 借据 and 利率调整 name their loan by
its 编号 (``L1``); the other sheets refer to parties, loans and evidence by their 编号 as a case
file does. The sheet 核销 holds at most one row a case (the case's ``write_off``); 核销人员, 财产调查
and 人工确认 add to that write-off. A sheet named
说明 (or 填写说明) is skipped; any other sheet, and any column, the ledger does not know is an
error (a misspelt name must never drop data silently). Fields without a column take the case
model's defaults; what a ledger cannot hold (a judgment, stated figures, assumptions) needs a
case file.

Reading treats the file as hostile: at most :data:`MAX_FILE_BYTES`; an Excel 97-2003 or
password-protected file, anything that is not a zip package, a package unpacking to more than
:data:`MAX_UNPACKED_BYTES` (a zip bomb) or holding XML that is not UTF-8 or declares a document
type (entity expansion) is refused before any XML is parsed; at most :data:`MAX_ROWS` rows a
sheet, :data:`MAX_COLUMNS` columns and :data:`MAX_CASES` cases. The workbook is read with
openpyxl in read-only mode with formulas as their cached values (``data_only``); a formula
without a cached value, or with an error value (``#DIV/0!``), is an error naming the cell.

Values: dates are Excel dates or text (``2025-07-01``, ``2025/7/1``, ``2025年7月1日``), never
serial numbers; amounts and rates are ``Decimal``, read from the number Excel stored through its
shortest decimal text (``repr``: 500000.1 is ``Decimal('500000.1')``), at most the 15
significant digits Excel keeps, so binary noise (0.30000000000000004) is Excel's 0.3; text
amounts may have thousands separators (``500,000.00``) and rates a percent sign (``4.35%``).
Identity numbers (身份证号, 统一社会信用代码, 注册号, 组织机构代码) stored as numbers are refused
(Excel keeps 15 digits and no ``X``); so is any number longer than 15 digits in a text column
(an account number). Text is kept as written (template syntax such as ``{{ }}`` included: it
is data; documents render it as text).

Every problem is collected, not just the first, and names its place: the sheet, the row, the
column's header and the cell (``当事人!第3行「身份证号/统一社会信用代码」（F3）``), with what is
wrong in the reader's language. Each case assembled is then validated by the case loader
(:func:`legaldocs.case.load.load_case`, evidence files not read: they are uploaded apart), and
its problems are mapped back from field paths to the cells they came from.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from legaldocs.case.load import load_case
from legaldocs.case.model import RECOVERY_SOURCES, EventKind, PursuitChannel, RiskCategory
from legaldocs.errors import CaseValidationError
from legaldocs.i18n import _

__all__ = ["Column", "LedgerError", "MAX_CASES", "MAX_ROWS", "SHEETS", "Sheet", "ledger_workbook", "read_ledger"]

#: Largest ledger file read (the service takes at most as much).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total of a ledger's unpacked parts (a 10,000-row sheet of 40 columns is about 20 MiB).
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: Rows below the header row of one sheet, columns of one sheet, sheets, cases of one ledger.
MAX_ROWS = 10_000
MAX_COLUMNS = 100
MAX_SHEETS = 30
MAX_CASES = 2_000
#: Problems listed (the rest are counted).
MAX_PROBLEMS = 1_000
#: Excel's own limit of a cell's text.
MAX_TEXT = 32_767
#: Significant digits Excel keeps of a number (IEEE double shown to 15 digits).
EXCEL_DIGITS = 15

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an encrypted .xlsx
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_DOCTYPE = b"<!DOCTYPE"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_IGNORED_SHEETS = frozenset({"说明", "填写说明"})
_SPLIT_REFS = re.compile(r"[、,，;；\s]+")
_SPLIT_FILES = re.compile(r"[\n;；]+")
_DATE_TEXT = (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
              re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"), re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"))
_YES = frozenset({"是", "TRUE", "Y", "YES"})
_NO = frozenset({"否", "FALSE", "N", "NO"})


class LedgerError(CaseValidationError):
    """A ledger that cannot be taken. ``problems``: every problem as ``(place, message)``, the
    place naming the sheet, row, column header and cell (or the file, for the file as a whole)."""


# -- the layout -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its Chinese ``header``, the case-file ``field`` it fills (a dotted
    path inside the row's record; ``id_number|uscc``: the first for a natural person, the second
    for an organisation), the ``kind`` of value (text, ident, ref, refs, files, date, dates,
    amount, number, int, bool, choice, choices, texts), whether it is ``required``, the accepted
    ``choices`` as (label, value) pairs (the first label of a value is the one written; ``texts``:
    several texts in one cell, one a line or separated by ``；``), and
    ``only``: the kind of party the column is for (``person`` or ``organization``)."""

    header: str
    field: str
    kind: str = "text"
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()
    only: str | None = None


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, the record it holds (``target``: ``case``, ``parties``, ``agents``,
    ``loans``, ``draws``, ``rate_changes``, ``guarantees``, ``collateral``, ``repayments``,
    ``events``, ``costs``, ``property_leads``, ``evidence``, ``pursuits``, ``risk.history``,
    ``risk.provisions``, ``risk.exposures``, ``risk.restructurings``, ``write_off`` (one row a
    case), ``write_off.staff``, ``write_off.asset_searches``, ``write_off.confirmations``), whether
    a ledger must have it, and its columns (the first always 案件编号)."""

    name: str
    target: str
    columns: tuple[Column, ...]
    required: bool = False


def _c(header: str, field: str, kind: str = "text", *, required: bool = False, choices=(), only: str | None = None) -> Column:
    return Column(header, field, kind, required, tuple(choices), only)


def _same(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


CURRENCIES = (("人民币", "CNY"), ("美元", "USD"), ("欧元", "EUR"), ("港币", "HKD"), ("日元", "JPY"), ("英镑", "GBP"),
              ("港元", "HKD")) + _same("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
PARTY_KINDS = (("自然人", "person"), ("单位", "organization"), ("个人", "person"), ("法人", "organization"),
               ("非法人组织", "organization"), ("公司", "organization")) + _same("person", "organization")
REPAYMENT_METHODS = _same("等额本息", "等额本金", "到期一次性还本付息", "按月计息、到期一次性还本", "按季计息、到期一次性还本",
                          "按年计息、到期一次性还本", "其他")
EVENT_KINDS = _same(*(kind.value for kind in EventKind))
RECOVERY_SOURCE_CHOICES = (tuple((name, key) for key, name in RECOVERY_SOURCES.items())
                           + (("抵押物处置款", "collateral"), ("质物处置款", "collateral")) + _same(*RECOVERY_SOURCES))
PURSUIT_CHANNELS = _same(*(channel.value for channel in PursuitChannel))
RISK_CATEGORIES = _same(*(category.value for category in RiskCategory))
ALLOCATION = (("复利", "compound_interest"), ("罚息", "penalty_interest"), ("利息", "interest"), ("本金", "principal"))
CASE_ID = _c("案件编号", "case_id", required=True)

SHEETS: tuple[Sheet, ...] = (
    Sheet("案件", "case", (
        CASE_ID,
        _c("案件名称", "title"),
        _c("管辖法院", "court", required=True),
        _c("截止日", "claim.as_of", "date", required=True),
        _c("起诉日期", "claim.filing_date", "date"),
        _c("起诉状格式", "claim.form", "choice", choices=(("要素式", "element"), ("叙述式", "narrative"))
           + _same("element", "narrative")),
        _c("金额来源", "claim.amounts", "choice", choices=(("系统计算", "engine"), ("银行数据", "bank"))
           + _same("engine", "bank")),
        _c("本金", "claim.principal", "amount"),
        _c("利息", "claim.interest", "amount"),
        _c("罚息", "claim.penalty_interest", "amount"),
        _c("复利", "claim.compound_interest", "amount"),
        _c("币种", "claim.currency", "choice", choices=CURRENCIES),
        _c("诉请罚息利率", "claim.penalty_rate", "number"),
        _c("持续计收表述", "claim.continuing"),
        _c("请求确认提前到期", "claim.acceleration", "bool"),
        _c("请求被告承担诉讼费", "claim.claim_court_costs", "bool"),
        _c("标注超四倍LPR", "claim.court_caps_at_four_lpr", "bool"),
        _c("审理程序", "claim.procedure", "choice", choices=(("普通程序", "ordinary"), ("简易程序", "simplified"))
           + _same("ordinary", "simplified")),
        _c("受理费取整", "claim.fee_rounding", "choice", choices=(("元", "yuan"), ("分", "fen")) + _same("yuan", "fen")),
        _c("债权人", "creditor.name", required=True),
        _c("债权人统一社会信用代码", "creditor.uscc", "ident"),
        _c("债权人注册号", "creditor.registration_number", "ident"),
        _c("债权人组织机构代码", "creditor.organization_code", "ident"),
        _c("债权人住所", "creditor.address", required=True),
        _c("负责人", "creditor.representative", required=True),
        _c("负责人职务", "creditor.representative_title"),
        _c("负责人身份", "creditor.representative_role", "choice", choices=_same("负责人", "法定代表人")),
        _c("债权人电话", "creditor.phone"),
        _c("债权人类型", "creditor.entity_type"),
        _c("债权人所有制性质", "creditor.ownership"),
        _c("收款账号", "creditor.account.number"),
        _c("收款户名", "creditor.account.name"),
        _c("收款开户行", "creditor.account.bank"),
        _c("送达签收人", "creditor.service.recipient"),
        _c("签收人身份证号", "creditor.service.id_number", "ident"),
        _c("送达地址", "creditor.service.address"),
        _c("送达电话", "creditor.service.phone"),
        _c("送达邮政编码", "creditor.service.postcode"),
        _c("同意电子送达", "creditor.service.electronic", "bool"),
        _c("送达电子邮箱", "creditor.service.email"),
        _c("催收付款期限（日）", "notices.pay_within_days", "int"),
        _c("催收联系人", "notices.contact"),
        _c("催收联系电话", "notices.contact_phone"),
        _c("保全阶段", "preservation.stage", "choice", choices=(("诉讼中", "in_suit"), ("诉前", "before_suit"))
           + _same("in_suit", "before_suit")),
        _c("保全理由", "preservation.reason"),
        _c("保全金额", "preservation.amount", "amount"),
        _c("保全被申请人", "preservation.respondents", "refs"),
        _c("保全担保方式", "preservation.security", "choice",
           choices=_same("保全责任保险", "银行保函", "担保书", "现金", "财产")),
        _c("保全担保提供人", "preservation.security_provider"),
        _c("保全担保文书编号", "preservation.security_document"),
        _c("保全担保金额", "preservation.security_amount", "amount"),
        _c("事实来源", "source"),
        _c("风险客户类型", "risk.segment", "choice", choices=(("非零售", "non_retail"), ("零售", "retail"))
           + _same("non_retail", "retail")),
        _c("涉农或中小企业贷款", "risk.sme_or_agricultural", "bool"),
        _c("技术性逾期天数", "risk.technical_delay_days", "int"),
    ), required=True),
    Sheet("当事人", "parties", (
        CASE_ID,
        _c("编号", "", "ref", required=True),
        _c("类型", "kind", "choice", required=True, choices=PARTY_KINDS),
        _c("姓名/名称", "name", required=True),
        _c("性别", "gender", "choice", choices=_same("男", "女"), only="person"),
        _c("民族", "ethnicity", only="person"),
        _c("出生日期", "birth_date", "date", only="person"),
        _c("身份证号/统一社会信用代码", "id_number|uscc", "ident"),
        _c("注册号", "registration_number", "ident", only="organization"),
        _c("组织机构代码", "organization_code", "ident", only="organization"),
        _c("住所", "address", required=True),
        _c("经常居住地", "habitual_residence", only="person"),
        _c("工作单位", "employer", only="person"),
        _c("电话", "phone"),
        _c("法定代表人/负责人", "representative", only="organization"),
        _c("代表人职务", "representative_title", only="organization"),
        _c("单位类型", "entity_type", only="organization"),
        _c("所有制性质", "ownership", only="organization"),
    ), required=True),
    Sheet("代理人", "agents", (
        CASE_ID,
        _c("姓名", "name", required=True),
        _c("身份", "kind", "choice", choices=(("本单位工作人员", "employee"), ("律师", "lawyer")) + _same("employee", "lawyer")),
        _c("工作单位", "employer", required=True),
        _c("职务", "position"),
        _c("电话", "phone"),
        _c("授权", "authority", "choice", choices=_same("特别授权", "一般授权")),
    )),
    Sheet("借款合同", "loans", (
        CASE_ID,
        _c("编号", "id", "ref", required=True),
        _c("合同名称", "title"),
        _c("合同编号", "number", required=True),
        _c("借款人", "borrowers", "refs", required=True),
        _c("签订日期", "signed_on", "date", required=True),
        _c("签订地", "signed_at"),
        _c("借款金额", "principal", "amount", required=True),
        _c("币种", "currency", "choice", choices=CURRENCIES),
        _c("年利率", "annual_rate", "number", required=True),
        _c("罚息上浮比例", "penalty_uplift", "number"),
        _c("计收复利", "compound_interest", "bool"),
        _c("罚息计入未付利息", "penalty_on_unpaid_interest", "bool"),
        _c("还款方式", "repayment_method", "choice", required=True, choices=REPAYMENT_METHODS),
        _c("计息天数", "day_count", "int"),
        _c("结息日", "interest_day", "int"),
        _c("逾期天数起算", "overdue_anchor", "choice",
           choices=(("到期日", "due_date"), ("逾期首日", "first_overdue_day")) + _same("due_date", "first_overdue_day")),
        _c("到期后罚息利率", "penalty_rate_basis", "choice",
           choices=(("到期时利率", "rate_at_maturity"), ("随利率调整", "floating")) + _same("rate_at_maturity", "floating")),
        _c("复利利率", "compound_rate", "number"),
        _c("LPR期限", "lpr.term", "choice", choices=(("1年", "1y"), ("5年", "5y"), ("一年", "1y"), ("五年", "5y"))
           + _same("1y", "5y")),
        _c("LPR加点", "lpr.spread", "number"),
        _c("LPR重定价方式", "lpr.repricing", "choice",
           choices=(("放款周年日", "anniversary"), ("每年1月1日", "january_first"), ("指定日期", "dates"))
           + _same("anniversary", "january_first", "dates")),
        _c("LPR重定价日", "lpr.dates", "dates"),
        _c("还款冲抵顺序", "allocation_order", "choices", choices=ALLOCATION + _same(*(v for _l, v in ALLOCATION))),
        _c("利率条款", "rate_clause"),
        _c("罚息条款", "penalty_clause"),
        _c("复利条款", "compound_clause"),
        _c("管辖条款", "jurisdiction_clause"),
    ), required=True),
    Sheet("借据", "draws", (
        CASE_ID,
        _c("借款合同", "", "ref", required=True),
        _c("借据编号", "receipt_number"),
        _c("放款日期", "date", "date", required=True),
        _c("放款金额", "amount", "amount", required=True),
        _c("到期日", "maturity", "date", required=True),
    ), required=True),
    Sheet("利率调整", "rate_changes", (
        CASE_ID,
        _c("借款合同", "", "ref", required=True),
        _c("调整日期", "date", "date", required=True),
        _c("年利率", "annual_rate", "number", required=True),
    )),
    Sheet("保证合同", "guarantees", (
        CASE_ID,
        _c("编号", "id", "ref", required=True),
        _c("合同名称", "title"),
        _c("合同编号", "number", required=True),
        _c("保证人", "guarantor", "ref", required=True),
        _c("担保的借款合同", "secures", "refs", required=True),
        _c("保证方式", "kind", "choice", required=True, choices=_same("连带责任保证", "一般保证", "未约定")),
        _c("签订日期", "signed_on", "date", required=True),
        _c("保证期间", "period"),
        _c("最高债权额", "maximum_amount", "amount"),
        _c("债权确定日", "claims_fixed_on", "date"),
        _c("保证限额", "liability_cap", "amount"),
        _c("保证份额", "share", "number"),
        _c("保证范围", "scope"),
        _c("仍予主张的理由", "override_release"),
    )),
    Sheet("抵押质押", "collateral", (
        CASE_ID,
        _c("编号", "id", "ref", required=True),
        _c("类型", "kind", "choice", required=True, choices=(("抵押", "mortgage"), ("质押", "pledge"))
           + _same("mortgage", "pledge")),
        _c("合同编号", "contract_number", required=True),
        _c("合同名称", "contract_title"),
        _c("签订日期", "signed_on", "date", required=True),
        _c("抵押人/出质人", "owner", "ref", required=True),
        _c("担保的借款合同", "secures", "refs", required=True),
        _c("担保财产", "description", required=True),
        _c("登记证明号", "certificate_number"),
        _c("登记日期", "registered_on", "date"),
        _c("登记状态", "registration_kind", "choice", choices=_same("正式登记", "预告登记", "未登记")),
        _c("最高债权额", "maximum_amount", "amount"),
    )),
    Sheet("还款", "repayments", (
        CASE_ID,
        _c("借款合同", "loan", "ref", required=True),
        _c("还款日期", "date", "date", required=True),
        _c("还款金额", "amount", "amount", required=True),
        _c("冲抵", "applied_to", "choice", choices=(("本息", "mixed"), ("本金", "principal"), ("利息", "interest"),
                                                     ("混合", "mixed")) + _same("mixed", "principal", "interest")),
        _c("证据", "evidence", "refs"),
        _c("来源", "source", "choice", choices=RECOVERY_SOURCE_CHOICES),
        _c("付款人", "party", "ref"),
    )),
    Sheet("事件", "events", (
        CASE_ID,
        _c("日期", "date", "date", required=True),
        _c("事件类型", "kind", "choice", required=True, choices=EVENT_KINDS),
        _c("当事人", "parties", "refs"),
        _c("借款合同", "loans", "refs"),
        _c("期限截止日", "until", "date"),
        _c("执行日期", "executed_on", "date"),
        _c("财产类别", "asset", "choice", choices=(("存款", "deposit"), ("动产", "movable"), ("不动产", "real_property"),
                                                   ("其他财产权", "other_right"))
           + _same("deposit", "movable", "real_property", "other_right")),
        _c("案号/文书号", "case_number"),
        _c("查封冻结财产", "property"),
        _c("证据", "evidence", "refs"),
        _c("备注", "note"),
    )),
    Sheet("费用", "costs", (
        CASE_ID,
        _c("费用名称", "name", required=True),
        _c("金额", "amount", "amount", required=True),
        _c("币种", "currency", "choice", choices=CURRENCIES),
        _c("证据", "evidence", "refs"),
        _c("合同条款", "clause"),
    )),
    Sheet("财产线索", "property_leads", (
        CASE_ID,
        _c("所有人", "owner", "ref", required=True),
        _c("类型", "kind", "choice", required=True, choices=(
            ("银行账户", "bank_account"), ("不动产", "real_property"), ("车辆", "vehicle"), ("股权", "equity"),
            ("应收账款", "receivable"), ("其他", "other"))
            + _same("bank_account", "real_property", "vehicle", "equity", "receivable", "other")),
        _c("描述", "description", required=True),
        _c("标识", "identifier"),
        _c("价值", "value", "amount"),
    )),
    Sheet("证据", "evidence", (
        CASE_ID,
        _c("编号", "id", "ref", required=True),
        _c("证据名称", "title", required=True),
        _c("文件", "files", "files", required=True),
        _c("证明目的", "purpose", required=True),
        _c("原件/复印件", "original", "choice", choices=(("原件", True), ("复印件", False))),
        _c("分组", "group"),
        _c("证据来源", "source"),
        _c("证明身份", "identity_of", "choice_or_ref", choices=(("原告", "creditor"), ("代理人", "agents"))
           + _same("creditor", "agents")),
    )),
    Sheet("追索记录", "pursuits", (
        CASE_ID,
        _c("日期", "date", "date", required=True),
        _c("被追索人", "party", "ref", required=True),
        _c("追索方式", "channel", "choice", required=True, choices=PURSUIT_CHANNELS),
        _c("追索内容", "content", required=True),
        _c("追索结果", "outcome", required=True),
        _c("经办人", "handler"),
        _c("负责人", "responsible"),
        _c("共同签章", "cosigned", "bool"),
        _c("证据", "evidence", "refs"),
    )),
    Sheet("风险分类", "risk.history", (
        CASE_ID,
        _c("分类日期", "date", "date", required=True),
        _c("风险分类", "category", "choice", required=True, choices=RISK_CATEGORIES),
        _c("借款合同", "loan", "ref"),
        _c("分类依据", "basis"),
    )),
    Sheet("损失准备", "risk.provisions", (
        CASE_ID,
        _c("日期", "date", "date", required=True),
        _c("损失准备", "allowance", "amount", required=True),
        _c("借款合同", "loan", "ref"),
        _c("减值阶段", "stage", "choice", choices=(("第一阶段", 1), ("第二阶段", 2), ("第三阶段", 3), ("1", 1), ("2", 2),
                                                   ("3", 3))),
        _c("账面余额", "carrying_amount", "amount"),
        _c("已发生信用减值", "credit_impaired", "bool"),
    )),
    Sheet("债务情况", "risk.exposures", (
        CASE_ID,
        _c("日期", "date", "date", required=True),
        _c("范围", "scope", "choice", required=True, choices=(("本行", "this_bank"), ("全部银行", "all_banks"))
           + _same("this_bank", "all_banks")),
        _c("债务总额", "total", "amount", required=True),
        _c("不良债务", "non_performing", "amount"),
        _c("逾期90天以上债务", "overdue_90", "amount"),
        _c("数据来源", "source"),
    )),
    Sheet("贷款重组", "risk.restructurings", (
        CASE_ID,
        _c("借款合同", "loan", "ref", required=True),
        _c("合同变更日", "changed_on", "date", required=True),
        _c("重组后首次还款日", "first_repayment", "date", required=True),
        _c("观察期还款间隔（月）", "period_months", "int"),
        _c("重组措施", "measures", "texts"),
        _c("重组前分类", "category_before", "choice", choices=RISK_CATEGORIES),
        _c("未按时还款日", "missed", "dates"),
        _c("认定困难未解决日", "unresolved_on", "dates"),
        _c("证据", "evidence", "refs"),
    )),
    Sheet("核销", "write_off", (
        CASE_ID,
        _c("核销认定条件", "criterion"),
        _c("申报日期", "proposed_on", "date"),
        _c("核销日期", "written_off_on", "date"),
        _c("批复文号", "approval"),
        _c("机构类型", "institution", "choice", choices=(("银行", "bank"), ("农村信用社或村镇银行", "rural"),
                                                       ("农村信用社", "rural"), ("村镇银行", "rural"))
           + _same("bank", "rural")),
        _c("贷款类型", "loan_type", "choice", choices=(("对公贷款", "corporate"), ("个人经营贷款", "personal_business"),
                                                    ("个人消费贷款", "personal_consumer"))
           + _same("corporate", "personal_business", "personal_consumer")),
        _c("形成原因", "cause"),
        _c("采取的措施及结果", "remedies"),
        _c("核销理由", "why_now"),
        _c("责任认定及处理", "responsibility"),
        _c("完全终结日期", "ended.date", "date"),
        _c("完全终结原因", "ended.reason", "choice", choices=(("已清偿", "paid"), ("已转让", "transferred"),
                                                          ("权利消灭", "extinguished"))
           + _same("paid", "transferred", "extinguished")),
        _c("完全终结说明", "ended.note"),
        _c("完全终结证据", "ended.evidence", "refs"),
    )),
    Sheet("核销人员", "write_off.staff", (
        CASE_ID,
        _c("职责", "role", required=True),
        _c("姓名", "name", required=True),
        _c("备注", "note"),
    )),
    Sheet("财产调查", "write_off.asset_searches", (
        CASE_ID,
        _c("日期", "date", "date", required=True),
        _c("被调查人", "party", "ref", required=True),
        _c("调查途径", "by", required=True),
        _c("调查结果", "result", required=True),
        _c("证据", "evidence", "refs"),
    )),
    Sheet("人工确认", "write_off.confirmations", (
        CASE_ID,
        _c("规则", "rule", required=True),
        _c("确认人", "by", required=True),
        _c("确认日期", "date", "date", required=True),
        _c("说明", "note"),
    )),
)
_BY_NAME = {s.name: s for s in SHEETS}
_SHEET_ORDER = {s.name: i for i, s in enumerate(SHEETS)}
# where each kind of record lives in a case's data
_LISTS = {"agents": "agents", "loans": "loans", "guarantees": "guarantees", "collateral": "collateral",
          "repayments": "repayments", "events": "events", "property_leads": "property_leads", "evidence": "evidence",
          "pursuits": "pursuits", "risk.history": "risk.history", "risk.provisions": "risk.provisions",
          "risk.exposures": "risk.exposures", "risk.restructurings": "risk.restructurings",
          "write_off.staff": "write_off.staff", "write_off.asset_searches": "write_off.asset_searches",
          "write_off.confirmations": "write_off.confirmations"}


# -- places ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a value or a problem is: a sheet, a row (1-based, as Excel numbers it), a column
    (1-based) with its header; without a row, the sheet itself."""

    sheet: str
    row: int | None = None
    column: int | None = None
    header: str | None = None

    def __str__(self) -> str:
        if self.row is None:
            return self.sheet
        if self.column is None:
            return _("{sheet}!row {row}").format(sheet=self.sheet, row=self.row)
        return _("{sheet}!row {row} 「{header}」 ({cell})").format(
            sheet=self.sheet, row=self.row, header=self.header, cell=f"{get_column_letter(self.column)}{self.row}")


class _Problems:
    """Problems collected once each, listed in the order of the ledger: the file's own first,
    then sheets the ledger does not know, then sheet by sheet in the order of :data:`SHEETS`, row
    by row, column by column; the cells that have one."""

    def __init__(self, source: str):
        self.source = source
        self.found: dict[tuple[str, str], tuple] = {}
        self.cells: set[Place] = set()

    def add(self, place: Place | str, message: str) -> None:
        item = (str(place), message)
        if item not in self.found:
            if isinstance(place, Place):
                order = _SHEET_ORDER.get(place.sheet.strip(), -1)
                key = (order, place.row or 0, place.column or 0)
            else:
                key = (-2, 0, 0)
            self.found[item] = key + (len(self.found),)
        if isinstance(place, Place) and place.column is not None:
            self.cells.add(place)

    @property
    def items(self) -> list[tuple[str, str]]:
        return sorted(self.found, key=self.found.__getitem__)

    def raise_if_any(self) -> None:
        if self.found:
            raise self.error()

    def error(self) -> LedgerError:
        items = self.items
        if len(items) > MAX_PROBLEMS:
            items = items[:MAX_PROBLEMS] + [(self.source, _("{count} more problems are not listed").format(
                count=len(items) - MAX_PROBLEMS))]
        return LedgerError(self.source, items)


# -- the file, before any XML is parsed -----------------------------------------------------------


def _read_bytes(path: Path, problems: _Problems) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            problems.add(problems.source, _("is not a regular file"))
            problems.raise_if_any()
        if size > MAX_FILE_BYTES:
            problems.add(problems.source, _("is {size} bytes; a ledger is limited to {limit}").format(
                size=size, limit=MAX_FILE_BYTES))
            problems.raise_if_any()
        return path.read_bytes()
    except OSError as exc:
        problems.add(problems.source, _("cannot be read: {reason}").format(reason=exc.strerror or exc))
        raise problems.error() from exc


def _check_package(content: bytes, problems: _Problems) -> bool:
    """Refuse what is not a plain .xlsx package before openpyxl parses anything. Returns whether
    any worksheet holds a formula."""
    source = problems.source
    if content.startswith(_CFB_MAGIC):
        message = (_("is encrypted with a password: save a copy without a password and import that")
                   if _ENCRYPTION_INFO in content else _("is an Excel 97-2003 workbook (.xls): save it as .xlsx"))
        problems.add(source, message)
        problems.raise_if_any()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        problems.add(source, _("is not an .xlsx workbook"))
        raise problems.error() from exc
    formulas = False
    with archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            problems.add(source, _("is not an .xlsx workbook"))
            problems.raise_if_any()
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:  # as declared; the real sizes are counted below
            problems.add(source, _("unpacks to more than {limit} MiB; a ledger this large is refused").format(
                limit=MAX_UNPACKED_BYTES // (1024 * 1024)))
            problems.raise_if_any()
        total = 0
        for member in members:
            if not member.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(member) as part:
                    head, tail = b"", b""
                    while chunk := part.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_UNPACKED_BYTES:
                            problems.add(source, _("unpacks to more than {limit} MiB; a ledger this large is refused").format(
                                limit=MAX_UNPACKED_BYTES // (1024 * 1024)))
                            problems.raise_if_any()
                        if not head:
                            head = chunk[:200]
                            if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
                                raise _Refused
                        window = tail + chunk
                        if _DOCTYPE in window:
                            raise _Refused
                        if member.filename.startswith("xl/worksheets/") and _FORMULA.search(window):
                            formulas = True
                        tail = chunk[-16:]
            except _Refused:
                problems.add(source, _("holds XML that is not UTF-8 or that declares a document type (DOCTYPE), "
                                       "which Excel never writes"))
                problems.raise_if_any()
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
                # a damaged entry, a CRC mismatch, an encrypted entry, an unknown compression
                problems.add(source, _("is damaged: {reason}").format(reason=f"{member.filename}: {exc}"))
                raise problems.error() from exc
    return formulas


class _Refused(Exception):
    pass


def _open(content: bytes, data_only: bool, problems: _Problems):
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=data_only, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken package
        problems.add(problems.source, _("is damaged: {reason}").format(reason=_reason(exc)))
        raise problems.error() from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


# -- cells to values ------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell that cannot be read as its column's kind; the message says why."""


def decimal_of_number(value: int | float) -> Decimal:
    """The number Excel stored as an exact Decimal: an int as it is; a float through its
    shortest decimal text (``repr``), cut to the 15 significant digits Excel keeps, so that
    500000.1 is ``Decimal('500000.1')`` and 0.1 + 0.2 is ``Decimal('0.3')``, never binary noise.
    Raises :class:`ValueError` for infinity or NaN."""
    if isinstance(value, int):
        return Decimal(value)
    exact = Decimal(repr(value))
    if not exact.is_finite():
        raise ValueError(repr(value))
    if len(exact.as_tuple().digits) > EXCEL_DIGITS:
        exact = Decimal(format(value, f".{EXCEL_DIGITS}g"))
    return exact


def _text_of(value: Any) -> str:
    if isinstance(value, bool):
        raise _Bad(_("must be text"))
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        raise _Bad(_("must be text, not a date"))
    if isinstance(value, int):
        if abs(value) >= 10 ** EXCEL_DIGITS:
            raise _Bad(_("is a number of more than 15 digits, which Excel does not keep: format the column as text "
                         "and enter it again"))
        return str(value)
    if isinstance(value, float):
        try:
            number = decimal_of_number(value)
        except ValueError as exc:
            raise _Bad(_("must be text")) from exc
        if abs(number) >= 10 ** EXCEL_DIGITS:
            raise _Bad(_("is a number of more than 15 digits, which Excel does not keep: format the column as text "
                         "and enter it again"))
        return str(int(number)) if number == number.to_integral_value() else str(number)
    return str(value).strip()


def _date_of(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise _Bad(_("must be a date without a time of day"))
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in _DATE_TEXT:
            found = pattern.fullmatch(text)
            if found:
                try:
                    return dt.date(*(int(g) for g in found.groups()))
                except ValueError as exc:
                    raise _Bad(_("{value} is not a date of the calendar").format(value=text)) from exc
    raise _Bad(_("must be a date (a date cell, or text such as 2025-07-01 or 2025年7月1日)"))


def _decimal_of(value: Any, *, percent: bool) -> Decimal:
    if isinstance(value, bool) or isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        raise _Bad(_("must be a number"))
    if isinstance(value, (int, float)):
        try:
            return decimal_of_number(value)
        except ValueError as exc:
            raise _Bad(_("must be a number")) from exc
    text = str(value).strip()
    compact = re.sub(r"(?<=\d)[,，](?=\d{3})", "", text).replace(" ", "")
    scale = Decimal(1)
    if percent and compact.endswith(("%", "％")):
        compact, scale = compact[:-1], Decimal("0.01")
    elif not percent and compact.endswith("元"):
        compact = compact[:-1]
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?", compact):
        raise _Bad(_("{value} is not a number").format(value=text[:40]))
    try:
        number = Decimal(compact) * scale
    except InvalidOperation as exc:
        raise _Bad(_("{value} is not a number").format(value=text[:40])) from exc
    return number


def _int_of(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad(_("must be a whole number"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        try:
            number = decimal_of_number(value)
        except ValueError as exc:
            raise _Bad(_("must be a whole number")) from exc
        if number == number.to_integral_value():
            return int(number)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,9}\s*", value):
        return int(value)
    raise _Bad(_("must be a whole number"))


def _bool_of(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().upper()
        if text in _YES:
            return True
        if text in _NO:
            return False
    raise _Bad(_("must be 是 or 否"))


def _choice_of(value: Any, column: Column) -> Any:
    try:
        text = _text_of(value)
    except _Bad:
        text = None
    for label, chosen in column.choices:
        if text == label:
            return chosen
    labels = []
    for label, _chosen in column.choices:
        if label not in labels and not label.isascii():
            labels.append(label)
    labels = labels or [lb for lb, _v in column.choices]
    separator = "；" if any("、" in label for label in labels) else "、"  # 抵押物、质物处置款 is one choice
    raise _Bad(_("must be one of {choices}").format(choices=separator.join(labels)))


def _convert(value: Any, column: Column) -> Any:
    """The value of a cell as its column's kind (None for an empty cell); raises :class:`_Bad`."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _Bad(_("is longer than {limit} characters").format(limit=MAX_TEXT))
        if not value.strip():
            return None
    kind = column.kind
    if kind == "ident":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise _Bad(_("is stored as a number, which loses digits or the final X: format the column as text "
                         "and enter it again"))
        return _text_of(value)
    if kind in ("text", "ref"):
        return _text_of(value)
    if kind == "refs":
        return [part for part in _SPLIT_REFS.split(_text_of(value)) if part]
    if kind in ("files", "texts"):
        return [part.strip() for part in _SPLIT_FILES.split(_text_of(value)) if part.strip()]
    if kind == "date":
        return _date_of(value)
    if kind == "dates":
        if isinstance(value, (dt.date, dt.datetime)):
            return [_date_of(value)]
        return [_date_of(part) for part in _SPLIT_REFS.split(_text_of(value)) if part]
    if kind == "amount":
        return _decimal_of(value, percent=False)
    if kind == "number":
        return _decimal_of(value, percent=True)
    if kind == "int":
        return _int_of(value)
    if kind == "bool":
        return _bool_of(value)
    if kind == "choice":
        return _choice_of(value, column)
    if kind == "choice_or_ref":
        text = _text_of(value)
        return dict(column.choices).get(text, text)
    if kind == "choices":
        return [_choice_of(part, column) for part in _SPLIT_REFS.split(_text_of(value)) if part]
    raise AssertionError(kind)


# -- reading the sheets ---------------------------------------------------------------------------


@dataclass
class _Row:
    """One row read: its number, the values of its known columns by header (empty ones left
    out) and where each column is."""

    sheet: Sheet
    number: int
    values: dict[str, Any]
    columns: dict[str, int]

    def place(self, header: str | None = None) -> Place:
        if header is None or header not in self.columns:
            return Place(self.sheet.name, self.number)
        return Place(self.sheet.name, self.number, self.columns[header], header)


def _cell_rows(ws) -> Iterator[tuple]:
    ws.reset_dimensions()  # the dimension a file declares is not trusted: rows end where they end
    return ws.iter_rows(min_row=1, max_col=MAX_COLUMNS + 1)


def _read_sheet(sheet: Sheet, ws, ws_formulas, problems: _Problems) -> list[_Row]:
    """The rows of one sheet with their values converted; every problem recorded."""
    by_header = {c.header: c for c in sheet.columns}
    rows_iter = _cell_rows(ws)
    formulas_iter = _cell_rows(ws_formulas) if ws_formulas is not None else None
    header_cells = next(rows_iter, ())
    if formulas_iter is not None:
        next(formulas_iter, ())
    columns: dict[int, Column] = {}
    where: dict[str, int] = {}
    blank_headers: set[int] = set()
    for index, cell in enumerate(header_cells, start=1):
        text = cell.value
        if index > MAX_COLUMNS:
            if text is not None:
                problems.add(Place(sheet.name, 1), _("has a value beyond column {limit}; a ledger sheet has at most {limit} "
                                                     "columns").format(limit=MAX_COLUMNS))
            continue
        header = re.sub(r"\s+", "", str(text)) if text is not None else ""
        if not header:
            blank_headers.add(index)
            continue
        column = by_header.get(header)
        place = Place(sheet.name, 1, index, header)
        if column is None:
            problems.add(place, _("is not a column of this sheet (its columns are {names})").format(
                names="、".join(by_header)))
        elif header in where:
            problems.add(place, _("the column appears twice"))
        else:
            columns[index] = column
            where[header] = index
    rows: list[_Row] = []
    for number, cells in enumerate(rows_iter, start=2):
        formula_cells = next(formulas_iter, ()) if formulas_iter is not None else ()
        if number > MAX_ROWS + 1:  # refused outright: nothing else is read
            raise LedgerError(problems.source, [(str(Place(sheet.name)), _(
                "has more than {limit} rows below its headers; split the ledger").format(limit=MAX_ROWS))])
        values: dict[str, Any] = {}
        for index, cell in enumerate(cells, start=1):
            value = cell.value
            if value is None:
                formula = formula_cells[index - 1] if index <= len(formula_cells) else None
                if formula is not None and getattr(formula, "data_type", None) == "f":
                    header = columns[index].header if index in columns else None
                    problems.add(Place(sheet.name, number, index, header or get_column_letter(index)),
                                 _("the formula has no saved value: open the workbook in Excel, let it calculate and "
                                   "save it"))
                continue
            if isinstance(value, str) and not value.strip():
                continue
            if index > MAX_COLUMNS:
                problems.add(Place(sheet.name, number), _("has a value beyond column {limit}; a ledger sheet has at most "
                                                          "{limit} columns").format(limit=MAX_COLUMNS))
                continue
            column = columns.get(index)
            if column is None:
                if index in blank_headers or index > len(header_cells):
                    problems.add(Place(sheet.name, number, index, get_column_letter(index)),
                                 _("has a value in a column without a header"))
                continue  # a column already reported
            place = Place(sheet.name, number, index, column.header)
            if getattr(cell, "data_type", None) == "e":
                problems.add(place, _("holds the error value {value}").format(value=value))
                continue
            try:
                converted = _convert(value, column)
            except _Bad as exc:
                problems.add(place, str(exc))
                continue
            if converted is not None and converted != []:
                values[column.header] = converted
        if values:
            rows.append(_Row(sheet, number, values, where))
    if where or rows:  # a sheet left blank is no problem; one in use needs its required columns
        for column in sheet.columns:
            if column.required and column.header not in where:
                problems.add(Place(sheet.name, 1), _("the required column {header} is missing").format(
                    header=column.header))
    return rows


def _read_workbook(content: bytes, formulas: bool, problems: _Problems) -> dict[str, list[_Row]]:
    values_wb = _open(content, True, problems)
    formulas_wb = _open(content, False, problems) if formulas else None
    found: dict[str, list[_Row]] = {}
    try:
        names = list(values_wb.sheetnames)
        if len(names) > MAX_SHEETS:
            problems.add(problems.source, _("has {count} sheets; a ledger has at most {limit}").format(
                count=len(names), limit=MAX_SHEETS))
            problems.raise_if_any()
        for name in names:
            key = name.strip()
            if key in _IGNORED_SHEETS:
                continue
            sheet = _BY_NAME.get(key)
            if sheet is None:
                problems.add(Place(name), _("is not a sheet of the ledger (the sheets are {names}; a sheet named 说明 "
                                            "is skipped)").format(names="、".join(_BY_NAME)))
                continue
            if key in found:
                problems.add(Place(name), _("the sheet appears twice"))
                continue
            ws = values_wb[name]
            if not hasattr(ws, "iter_rows"):
                problems.add(Place(name), _("is not a worksheet"))
                continue
            ws_formulas = formulas_wb[name] if formulas_wb is not None else None
            try:
                found[key] = _read_sheet(sheet, ws, ws_formulas, problems)
            except LedgerError:
                raise
            except Exception as exc:  # noqa: BLE001 - a malformed sheet part, whatever openpyxl raises for it
                raise LedgerError(problems.source, [(name, _("is damaged: {reason}").format(reason=_reason(exc)))]) from exc
    finally:
        values_wb.close()
        if formulas_wb is not None:
            formulas_wb.close()
    for sheet in SHEETS:
        if sheet.required and sheet.name not in found:
            problems.add(Place(sheet.name), _("the sheet is missing; a ledger needs it"))
    return found


# -- rows to cases --------------------------------------------------------------------------------


def _put(record: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record.setdefault(part, {})
    record[last] = value


@dataclass
class _Case:
    """A case being assembled: its data, its row in 案件, where each field came from, and the
    row of each loan (by id) and party (by id)."""

    data: dict
    row: _Row
    origins: dict[str, Place]
    loans: dict[str, int]
    party_rows: dict[str, int]
    explained: set[str] = dataclasses.field(default_factory=set)
    write_off_row: int | None = None


def _fill(row: _Row, prefix: str, case: _Case, *, party_kind: str | None = None) -> dict:
    """The record of one row: each column's value at its field; every field's place noted (an
    organisation's own check, that it is identified, at its 统一社会信用代码 cell)."""
    record: dict = {}
    join = "." if prefix else ""
    case.origins[prefix] = row.place()
    if row.sheet.target == "case":
        case.origins["creditor"] = row.place("债权人统一社会信用代码")
    elif party_kind == "organization":
        case.origins[prefix] = row.place("身份证号/统一社会信用代码")
    for column in row.sheet.columns:
        if not column.field or column is CASE_ID and row.sheet.target != "case":
            continue
        field = column.field
        if "|" in field:
            field = field.split("|")[0 if party_kind == "person" else 1]
        case.origins[f"{prefix}{join}{field}"] = row.place(column.header)
        if "." in field and row.sheet.target == "write_off":  # write_off.ended as a whole: at its first column
            case.origins.setdefault(f"{prefix}{join}{field.rsplit('.', 1)[0]}", row.place(column.header))
        if column.header in row.values:
            _put(record, field, row.values[column.header])
    return record


def _assemble(rows: dict[str, list[_Row]], problems: _Problems) -> list[_Case]:
    """The cases of the rows, each row attached to its case by 案件编号 (and to its loan by 借款合同);
    a case without parties, loans or draws is reported here (the case loader's words for it
    are then left out: :attr:`_Case.explained`)."""
    cases: dict[str, _Case] = {}
    for row in rows.get("案件", []):
        case_id = row.values.get(CASE_ID.header)
        if case_id is None:
            problems.add(row.place(CASE_ID.header), _("is required"))
            continue
        if case_id in cases:
            problems.add(row.place(CASE_ID.header), _("case {case_id} is already in row {row}").format(
                case_id=case_id, row=cases[case_id].row.number))
            continue
        if len(cases) == MAX_CASES:  # refused outright
            raise LedgerError(problems.source, [("案件", _("holds more than {limit} cases; split the ledger").format(
                limit=MAX_CASES))])
        case = _Case({}, row, {}, {}, {})
        case.data = _fill(row, "", case)
        cases[case_id] = case
    if "案件" not in rows:  # reported as missing; its cases' rows elsewhere cannot be placed
        return []
    if not cases:
        problems.add(Place("案件"), _("the ledger holds no case"))

    for sheet in SHEETS[1:]:
        for row in rows.get(sheet.name, []):
            case_id = row.values.get(CASE_ID.header)
            if case_id is None:
                problems.add(row.place(CASE_ID.header), _("is required"))
                continue
            case = cases.get(case_id)
            if case is None:
                problems.add(row.place(CASE_ID.header), _("refers to case {case_id}, which is not in the sheet 案件").format(
                    case_id=case_id))
                continue
            _attach(sheet, row, case, problems)

    for case in cases.values():
        data = case.data
        if not data.get("parties"):
            problems.add(case.row.place(), _("the case has no row in the sheet {sheet}").format(sheet="当事人"))
            case.explained.add("parties")
        if not data.get("loans"):
            problems.add(case.row.place(), _("the case has no row in the sheet {sheet}").format(sheet="借款合同"))
            case.explained.add("loans")
        for i, loan in enumerate(data.get("loans", [])):
            if not loan.get("draws"):
                problems.add(case.origins[f"loans[{i}]"], _("the loan has no draw: give its disbursements in the sheet 借据"))
                case.explained.add(f"loans[{i}].draws")
    return list(cases.values())


def _attach(sheet: Sheet, row: _Row, case: _Case, problems: _Problems) -> None:
    data = case.data
    target = sheet.target
    if target == "parties":
        ref = row.values.get("编号")
        if ref is None:
            problems.add(row.place("编号"), _("is required"))
            return
        parties = data.setdefault("parties", {})
        if ref in parties:
            problems.add(row.place("编号"), _("party {ref} of case {case_id} is already in row {row}").format(
                ref=ref, case_id=data.get("case_id"), row=case.party_rows[ref]))
            return
        kind = row.values.get("类型")
        for column in sheet.columns:
            if column.only and kind and column.only != kind and column.header in row.values:
                problems.add(row.place(column.header), _("is for {kind} only; leave it empty").format(
                    kind="自然人" if column.only == "person" else "单位"))
                row.values.pop(column.header)
        prefix = f"parties.{ref}"
        record = _fill(row, prefix, case, party_kind=kind)
        case.origins[f"{prefix} (id)"] = row.place("编号")
        parties[ref] = record
        case.party_rows[ref] = row.number
        return
    if target in ("draws", "rate_changes"):
        ref = row.values.get("借款合同")
        if ref is None:
            problems.add(row.place("借款合同"), _("is required"))
            return
        index = case.loans.get(ref)
        if index is None:
            problems.add(row.place("借款合同"), _("refers to loan {ref}, which case {case_id} does not have in the sheet "
                                              "借款合同").format(ref=ref, case_id=data.get("case_id")))
            return
        items = data["loans"][index].setdefault(target, [])
        items.append(_fill(row, f"loans[{index}].{target}[{len(items)}]", case))
        return
    if target == "costs":
        items = data.setdefault("claim", {}).setdefault("costs", [])
        items.append(_fill(row, f"claim.costs[{len(items)}]", case))
        return
    if target == "write_off":
        if case.write_off_row is not None:
            problems.add(row.place(CASE_ID.header), _("the write-off of case {case_id} is already in row {row}").format(
                case_id=data.get("case_id"), row=case.write_off_row))
            return
        case.write_off_row = row.number
        record = _fill(row, "write_off", case)
        data.setdefault("write_off", {}).update(record)
        return
    path = _LISTS[target]
    *parents, last = path.split(".")
    holder = data
    for part in parents:  # risk, write_off: the mapping the list is in
        holder = holder.setdefault(part, {})
    items = holder.setdefault(last, [])
    record = _fill(row, f"{path}[{len(items)}]", case)
    if target == "loans" and record.get("id") is not None:
        case.loans.setdefault(record["id"], len(items))
    items.append(record)


# -- the case loader's verdict, mapped back to cells ----------------------------------------------

_PATH_TOKEN = re.compile(r"\[\d+\]| \(id\)|\.?[^.\[ ]+")


def _place_of(path: str, case: _Case) -> Place:
    """The place a field path of the case came from: the cell of the field, else of the nearest
    record holding it, else the case's row."""
    tokens = _PATH_TOKEN.findall(path)
    for n in range(len(tokens), 0, -1):
        found = case.origins.get("".join(tokens[:n]))
        if found is not None:
            return found
    return case.row.place()


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _validate(cases: list[_Case], problems: _Problems) -> None:
    """Each case through the case loader; its problems at the cells they came from (a cell
    already reported, or a gap already explained, is not reported again)."""
    read_cells = set(problems.cells)
    with tempfile.TemporaryDirectory(prefix="legaldocs-ledger-") as tmp:
        path = Path(tmp) / "case.json"
        for case in cases:
            path.write_text(json.dumps(case.data, default=_json_value, ensure_ascii=False), encoding="utf-8")
            try:
                load_case(path, check_files=False)
            except CaseValidationError as exc:
                for field, message in exc.problems:
                    place = _place_of(field, case)
                    if place not in read_cells and field not in case.explained:
                        problems.add(place, message)


def read_ledger(path: Path | str) -> list[tuple[str, dict]]:
    """The cases of the ledger at ``path``, in the order of the sheet 案件, each as ``(where,
    data)``: ``where`` its row (``案件!第2行``), ``data`` the case's fields as a case file holds
    them (``Decimal`` amounts and rates, ``datetime.date`` dates), validated by the case loader
    (evidence files not read).

    Raises :class:`LedgerError` with every problem (the file is not a readable .xlsx, too large,
    a sheet or column unknown or missing, a cell of the wrong kind, a formula without its value,
    a reference to an unknown case or loan, or what the case loader finds in a case), each by
    sheet, row, column header and cell."""
    path = Path(path)
    problems = _Problems(path.name)
    content = _read_bytes(path, problems)
    formulas = _check_package(content, problems)
    rows = _read_workbook(content, formulas, problems)
    cases = _assemble(rows, problems)
    _validate(cases, problems)
    problems.raise_if_any()
    return [(str(case.row.place()), case.data) for case in cases]


# -- writing --------------------------------------------------------------------------------------

_FORMATS = {"date": "yyyy-mm-dd", "amount": "#,##0.00", "number": "0.00##%", "ident": "@", "text": "@", "ref": "@",
            "refs": "@", "files": "@", "texts": "@"}


def _label(column: Column, value: Any) -> Any:
    for label, chosen in column.choices:
        if chosen == value and type(chosen) is type(value):
            return label
    return value


def _cell_value(column: Column, value: Any) -> Any:
    kind = column.kind
    if kind in ("refs",):
        return "、".join(str(v) for v in value)
    if kind == "files":
        return "\n".join(str(v) for v in value)
    if kind == "texts":
        return "；".join(str(v) for v in value)
    if kind == "dates":
        return "、".join(_as_date(v).isoformat() for v in value)
    if kind == "choices":
        return "、".join(str(_label(column, v)) for v in value)
    if kind in ("choice", "choice_or_ref"):
        return _label(column, value)
    if kind == "bool":
        return "是" if value else "否"
    if kind == "date":
        return _as_date(value)
    if kind in ("amount", "number"):
        return Decimal(str(value))
    if kind == "int":
        return int(value)
    return str(value)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _get(record: dict, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(record, dict) or part not in record:
            return None
        record = record[part]
    return record


def _leaves(value: Any, path: str, out: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _leaves(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            _leaves(item, f"{path}[{i}]", out)
    elif value is not None and value != []:
        out.add(path)


def _records(sheet: Sheet, data: dict) -> Iterator[tuple[str, dict, dict[str, Any]]]:
    """(path prefix, record, values of the join columns) of every record ``sheet`` holds."""
    target = sheet.target
    if target == "case":
        yield "", data, {}
    elif target == "parties":
        for ref, party in (data.get("parties") or {}).items():
            yield f"parties.{ref}", party, {"编号": ref}
    elif target in ("draws", "rate_changes"):
        for i, loan in enumerate(data.get("loans") or []):
            for j, item in enumerate(loan.get(target) or []):
                yield f"loans[{i}].{target}[{j}]", item, {"借款合同": loan.get("id")}
    elif target == "costs":
        for i, item in enumerate((data.get("claim") or {}).get("costs") or []):
            yield f"claim.costs[{i}]", item, {}
    elif target == "write_off":
        if isinstance(data.get("write_off"), dict):
            yield "write_off", data["write_off"], {}
    else:
        for i, item in enumerate(_get(data, _LISTS[target]) or []):
            yield f"{_LISTS[target]}[{i}]", item, {}


def ledger_rows(cases: Iterable[dict]) -> dict[str, list[list[Any]]]:
    """The rows of each sheet (headers first) holding ``cases`` (case data as a case file holds
    it). Raises :class:`LedgerError` naming each field of a case that no column holds (a
    judgment, stated figures, assumptions ...: such a case needs a case file)."""
    sheets = {s.name: [[c.header for c in s.columns]] for s in SHEETS}
    problems = _Problems("ledger")
    for data in cases:
        used: set[str] = set()
        for sheet in SHEETS:
            for prefix, record, joins in _records(sheet, data):
                join = "." if prefix else ""
                kind = record.get("kind") if sheet.target == "parties" else None
                row: list[Any] = []
                for column in sheet.columns:
                    if column is CASE_ID:
                        row.append(str(data.get("case_id")))
                        used.add("case_id")
                        continue
                    if column.header in joins and not column.field:
                        row.append(joins[column.header])
                        continue
                    field = column.field
                    if "|" in field:
                        field = field.split("|")[0 if kind == "person" else 1]
                    value = _get(record, field)
                    if value is None or value == []:
                        row.append(None)
                        continue
                    row.append(_cell_value(column, value))
                    used.add(f"{prefix}{join}{field}")
                sheets[sheet.name].append(row)
        leaves: set[str] = set()
        _leaves(data, "", leaves)
        for path in sorted(leaves - used):
            problems.add(f"{data.get('case_id')}: {path}", _("has no column in the ledger"))
    problems.raise_if_any()
    return sheets


def ledger_workbook(cases: Iterable[dict], *, date: dt.date | None = None) -> bytes:
    """An .xlsx ledger (bytes) holding ``cases``, every sheet with its headers (a blank template
    when ``cases`` is empty): dates as date cells, amounts as numbers to the 分, rates as
    percentages, identity numbers and other codes as text. The workbook is dated ``date``
    (default 1980-01-01), never by the clock; its zip entries are dated by the library (rezip it
    for the same bytes every time). Raises :class:`LedgerError` as :func:`ledger_rows` does."""
    rows = ledger_rows(cases)
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        for values in rows[sheet.name]:
            ws.append(values)
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(10, min(40, 2 * len(column.header) + 4))
            ws.cell(1, index).font = bold
            fmt = _FORMATS.get(column.kind)
            if fmt:
                for r in range(2, ws.max_row + 1):
                    ws.cell(r, index).number_format = fmt
        ws.freeze_panes = "A2"
    stamp = dt.datetime.combine(date or dt.date(1980, 1, 1), dt.time())
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title = "案件台账"
    out = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)).save()
    return out.getvalue()
