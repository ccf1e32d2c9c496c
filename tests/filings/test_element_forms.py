"""The courts' element-style forms (要素式, 法〔2025〕82号): the complaint (民事起诉状（金融借款合同
纠纷）) and the enforcement application (强制执行申请书（申请执行用）), rendered for every example
with the real templates and LibreOffice: every heading and row of the form in the form's order,
the figures of the filing, the resolved defendants, the ticks the case decides, the interest for
delayed performance against its formula, A4 pages with every font embedded, hostile case data."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.etree import ElementTree

import pikepdf
import pytest

from legaldocs.case.load import load_case
from legaldocs.chinese import date_in_chinese, format_amount, money_text
from legaldocs.documents.catalogue import context_problems, load_catalogue
from legaldocs.documents.consistency import docx_paragraphs
from legaldocs.documents.office import docx_to_pdf
from legaldocs.documents.render import render_docx
from legaldocs.filings.complaint import cited_laws
from legaldocs.filings.element import complaint_element_context, enforcement_element_context
from legaldocs.filings.filing import build_filing

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
EXAMPLES = sorted((ROOT / "examples").glob("*/case.yaml"))
DEMO = ROOT / "examples" / "demo" / "case.yaml"
ENFORCEMENT = ROOT / "examples" / "enforcement" / "case.yaml"

# The complaint form's headings and row labels in the form's order (法〔2025〕82号 金融借款合同纠纷;
# ../shared/reference/filing-forms.md §1.2-1.9). A label cell of two lines reads as one text.
PERSON = ["姓名：", "性别：男", "女", "出生日期：", "民族：", "工作单位：", "职务：", "联系电话：", "住所地（户籍所在地）：",
          "经常居住地：", "证件类型：", "证件号码："]
ENTITY = ["名称：", "住所地（主要办事机构所在地）：", "注册地 / 登记地：", "法定代表人 / 负责人：", "职务：", "联系电话：",
          "统一社会信用代码："]
TYPES = ["类型：有限责任公司", "股份有限公司", "上市公司", "其他企业法人", "事业单位", "社会团体", "基金会", "社会服务机构",
         "机关法人", "农村集体经济组织法人", "城镇农村的合作经济组织法人", "基层群众性自治组织法人", "个人独资企业", "合伙企业",
         "不具有法人资格的专业服务机构", "所有制性质：国有", "控股", "参股", "民营", "其他"]
AGENT = ["委托诉讼代理人", "有", "姓名：", "单位：", "职务：", "联系电话：", "代理权限：一般授权", "特别授权", "无"]
# the parties sued follow in the filing's order, a block each, as a person or an organisation:
# their rows are checked party by party (test_defendants_are_the_resolved_ones)
COMPLAINT_LABELS = [
    "民事起诉状", "（金融借款合同纠纷）", "说明：", "为了方便您更好地参加诉讼", "1. 起诉时需向人民法院提交证明您身份的材料",
    "2. 本表所列内容", "3. 本表有些内容可能与您的案件无关", "4. 本表word电子版填写时", "★特别提示★",
    "诉讼参加人应遵守诚信原则如实认真填写表格。", "虚假诉讼、恶意诉讼、滥用诉权",
    "当事人信息", "原告（自然人）", *PERSON, "原告（法人、非法人组织）", *ENTITY, *TYPES, *AGENT,
    "第三人（自然人）", *PERSON, "第三人（法人、非法人组织）", *ENTITY, *TYPES,
    "诉讼请求", "（可完整表述诉讼请求；为方便、准确梳理要点，相关内容请在下方要素式表格中填写）",
    "1. 本金", "截至", "尚欠本金",
    "2. 利息（期内利息、复利、罚息）", "欠利息", "期内利息", "复利", "罚息（违约金）", "计算方式：",
    "是否请求支付至实际清偿之日止：是", "否",
    "3. 是否要求提前还款或解除合同", "是", "提前还款（加速到期）", "解除合同", "否",
    "4. 是否主张担保权利", "是", "内容：", "否",
    "5. 是否主张实现债权的费用", "是", "明细：", "否",
    "6. 是否主张诉讼费用", "是", "否", "7. 其他请求", "8. 标的总额",
    "约定管辖和诉前保全", "1. 有无仲裁、法院管辖约定", "有", "合同条款及内容：", "无",
    "2. 是否已经诉前保全", "是", "保全法院：", "保全时间：", "保全案号：", "否",
    "（如申请诉讼保全，请另行提交诉讼保全申请及相关材料）",
    "事实与理由", "（可完整表述纠纷涉及的事实与理由；为方便、准确梳理要点，相关内容请在下方要素式表格中填写）",
    "1. 合同签订情况（名称、编号、签订时间、地点等）", "2. 合同主体", "贷款人：", "借款人：",
    "3. 借款金额", "约定：", "实际发放：", "4. 借款期限", "是否到期：是", "否", "约定期限：",
    "5. 借款利率", "利率", "逾期上浮", "复利", "罚息（违约金）", "6. 借款提供时间",
    "7. 还款方式", "等额本息", "等额本金", "到期一次性还本付息", "按月计息、到期一次性还本", "按季计息、到期一次性还本",
    "按年计息、到期一次性还本", "其他",
    "8. 还款情况", "已还本金：", "已还利息：", "还息至", "9. 是否存在逾期还款", "是", "逾期时间：", "否",
    "10. 是否签订物的担保（抵押、质押）合同", "是", "签订时间：", "否", "11. 担保人、担保物", "担保人：", "担保物：",
    "12. 是否最高额担保（抵押、质押）", "是", "否", "担保债权的确定时间：", "担保额度：",
    "13. 是否办理抵押、质押登记", "是", "正式登记", "预告登记", "否",
    "14. 是否签订保证合同 / 保函", "是", "签订时间：", "保证人：", "主要内容：", "否",
    "15. 保证方式", "一般保证", "连带责任保证", "16. 其他担保方式", "是", "形式：", "签订时间：", "否",
    "17. 请求承担责任的依据", "合同约定：", "法律规定：", "18. 其他需要说明的内容（可另附页）", "19. 证据清单（可另附页）",
    "对纠纷解决方式的意愿", "是否了解调解作为非诉讼纠纷解决方式，能及时、高效、低成本、不伤和气地解决纠纷", "了解□　不了解□",
    "是否了解先行调解解决纠纷的好处", "1. 立案后选择先行调解的", "了解□　不了解□", "2. 选择先行调解", "了解□　不了解□",
    "3. 首次调解不成功", "了解□　不了解□", "4. 依照法律规定，调解具有保密性要求", "了解□　不了解□",
    "5. 调解达成的协议具有法律效力", "了解□　不了解□",
    "是否考虑先行调解", "是□", "否□", "暂不确定，想要了解更多内容□", "具状人（签字、盖章）：", "日期：",
]
# The enforcement form's (强制执行申请书（申请执行用）; filing-forms.md §4.1): the types of entity
# have no 上市公司; both applicant blocks carry the account for payment.
TYPES_NO_LISTED = [t for t in TYPES if t != "上市公司"]
ACCOUNT = ["银行账号：", "开户名：", "开户行："]
ENFORCEMENT_LABELS = [
    "强制执行申请书", "（申请执行用）", "说明：", "1. 发生法律效力的民事、行政判决、裁定", "2. 申请执行时，除本申请书外",
    "3. 本表所涉内容系针对申请执行专用", "4. 本表word电子版填写时", "★特别提示★", "●诉讼参加人应遵守诚信原则",
    "●被执行人可能存在财产不足或无财产可供执行的情形", "●多份生效法律文书确定的多个债权人",
    "当事人信息", "申请执行人（自然人）", *PERSON, *ACCOUNT, "申请执行人（法人、非法人组织）", *ENTITY, *ACCOUNT,
    *TYPES_NO_LISTED, *AGENT,
    "执行依据信息", "文书类型", "（注：1. 行政处罚决定、行政处理决定，需先经人民法院裁定准予执行；",
    "2. 申请执行债权文书的，需一并提交执行证书）",
    "民事类：", "判决书", "裁定书", "调解书", "制裁决定", "支付令", "刑事类：", "刑事附带民事判决书", "刑事附带民事裁定书",
    "刑事附带民事调解书", "行政类：", "判决书", "裁定书", "调解书", "行政处罚决定", "行政处理决定", "仲裁、公证类：",
    "裁决书", "调解书", "财产保全裁定", "证据保全裁定", "赋予强制执行效力的债权文书", "其他",
    "执行依据作出机构", "案　由", "文书号", "生效日期", "执行依据判项主文",
    "申请执行事项", "（可概括描述申请执行的请求、事实与理由，相关具体内容请在下方要素式表格中填写）",
    "申请执行事项", "金钱给付", "本金", "一般债务利息", "迟延履行利息", "其他费用", "行为执行", "交付特定物", "其他",
    "是否有诉前 / 诉讼保全", "有", "保全案号：", "保全措施最早到期时间：", "无", "其他财产线索",
    "申请执行人（签字、盖章）：", "日期：",
]


def _in_order(text: str, labels: list[str]) -> None:
    """Every label found after the previous one; the message names the first one missing."""
    at = 0
    for label in labels:
        found = text.find(label, at)
        assert found >= 0, f"{label!r} missing after …{text[max(0, at - 60):at]!r}"
        at = found + len(label)


def _filing(path: Path, change=None):
    case = load_case(path, check_files=False).case
    if change is not None:
        case = change(case)
    return build_filing(case)


class Rendered:
    """Both forms of one case, as .docx (and .pdf once converted), with the filing."""

    def __init__(self, filing, folder: Path):
        self.filing = filing
        folder.mkdir(parents=True, exist_ok=True)
        self.complaint_context = complaint_element_context(filing)
        self.enforcement_context = enforcement_element_context(filing)
        self.complaint = render_docx(TEMPLATES / "complaint_element.docx", self.complaint_context,
                                     folder / f"{folder.name}-complaint.docx")
        self.enforcement = render_docx(TEMPLATES / "enforcement_element.docx", self.enforcement_context,
                                       folder / f"{folder.name}-enforcement.docx")

    def text(self, which: str) -> str:
        return "\n".join(docx_paragraphs(getattr(self, which)))

    def rows(self, which: str) -> list[list[str]]:
        """Table rows as their cells' texts."""
        return [r.split("\t") for r in docx_paragraphs(getattr(self, which)) if "\t" in r]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every example's two forms, rendered once; all converted to PDF in one LibreOffice run."""
    out = tmp_path_factory.mktemp("element")
    result = {p.parent.name: Rendered(_filing(p), out / p.parent.name) for p in EXAMPLES}
    docx = [d for r in result.values() for d in (r.complaint, r.enforcement)]
    pdf_dir = out / "pdf"
    pdfs = iter(docx_to_pdf(docx, pdf_dir))
    for r in result.values():
        r.complaint_pdf, r.enforcement_pdf = next(pdfs), next(pdfs)
    return result


NAMES = [p.parent.name for p in EXAMPLES]


@pytest.mark.parametrize("name", NAMES)
def test_every_heading_and_row_of_the_forms_in_order(rendered, name):
    r = rendered[name]
    _in_order(r.text("complaint"), COMPLAINT_LABELS)
    _in_order(r.text("enforcement"), ENFORCEMENT_LABELS)


@pytest.mark.parametrize("name", NAMES)
def test_complaint_figures_are_the_filings(rendered, name):
    r = rendered[name]
    t, text = r.filing.totals, r.text("complaint")
    cur = t.currency
    row = {cells[0]: cells[1] for cells in r.rows("complaint") if len(cells) == 2}
    assert f"截至{date_in_chinese(t.as_of)}止，尚欠本金{money_text(t.principal, cur)}" in row["1. 本金"]
    owed = t.interest + t.penalty_interest + t.compound_interest
    assert (f"欠利息{money_text(owed, cur)}、期内利息{money_text(t.interest, cur)}、复利{money_text(t.compound_interest, cur)}、"
            f"罚息（违约金）{money_text(t.penalty_interest, cur)}") in row["2. 利息（期内利息、复利、罚息）"]
    assert row["8. 标的总额"].startswith(f"{money_text(t.total, cur)}（暂计至{date_in_chinese(t.as_of)}）")
    # the claims in full are the narrative complaint's, with the same total of principal and interest
    assert f"借款本金{money_text(t.principal, cur)}" in text
    # the laws of item 17 are those the narrative complaint cites
    assert "法律规定：" + cited_laws(r.filing) in row["17. 请求承担责任的依据"]
    assert "见《证据目录》" in row["19. 证据清单（可另附页）"]
    # one set of rows 1-9 per loan contract, 10-13 per collateral, 14-15 per guarantee
    labels = [cells[0] for cells in r.rows("complaint")]
    case = r.filing.case
    assert labels.count("1. 合同签订情况（名称、编号、签订时间、地点等）") == len(case.loans)
    assert labels.count("11. 担保人、担保物") == max(1, len(case.collateral))
    assert labels.count("15. 保证方式") == max(1, len(case.guarantees))


def _blocks(rows: list[list[str]], role: str, listed: bool = True) -> list[tuple[str, str, str]]:
    """(label, kind, name) of each party block of ``role`` (被告, 被执行人) in order; kind is 自然人
    or 法人、非法人组织, name "" for a blank block. Every field of the form's block is checked."""
    out = []
    for cells in rows:
        m = re.fullmatch(rf"({role}[一二三四五六七八九十]*)(?:（[^）]*）)?（(自然人|法人、非法人组织)）", cells[0])
        if len(cells) == 2 and m:
            _in_order(cells[1], PERSON if m.group(2) == "自然人" else [*ENTITY, *(TYPES if listed else TYPES_NO_LISTED)])
            name = re.match(r"(?:姓名|名称)：(.*?)(?:性别：|住所地（主要办事机构所在地）：)", cells[1]).group(1)
            out.append((m.group(1), m.group(2), name))
    return out


def _block_names(rows: list[list[str]], role: str, listed: bool = True) -> list[str]:
    return [name for _, _, name in _blocks(rows, role, listed) if name]


@pytest.mark.parametrize("name", NAMES)
def test_defendants_are_the_resolved_ones(rendered, name):
    r = rendered[name]
    filing = r.filing
    blocks = _blocks(r.rows("complaint"), "被告")
    # each defendant under the label the claims use (被告一 …), as a person or an organisation
    assert [(label, name) for label, _, name in blocks if name] == [(d.label, d.name) for d in filing.defendants]
    assert all((kind == "自然人") == d.is_person for (_, kind, _), d in zip(blocks, filing.defendants))
    # the form keeps a block of each kind: a blank one for the kind nobody is of
    assert {kind for _, kind, _ in blocks} == {"自然人", "法人、非法人组织"}
    j = filing.case.judgment
    refs = list(j.respondents) if j is not None and j.respondents else [d.id for d in filing.defendants]
    assert _block_names(r.rows("enforcement"), "被执行人", False) == [filing.recorded.parties[x].name for x in refs]
    for label, _, name in _blocks(r.rows("enforcement"), "被执行人", False):
        assert label == "被执行人" if len(refs) == 1 or not name else re.fullmatch("被执行人[一二三四五六七八九十]+", label)


def test_a_released_guarantor_is_claimed_in_neither_form(tmp_path):
    from legaldocs.filings.complaint import claims as filing_claims

    def add_released(case):
        data = case.model_dump()
        data["parties"]["P3"] = {"kind": "person", "name": "赵小保", "gender": "男", "ethnicity": "汉族",
                                 "birth_date": dt.date(1985, 8, 16), "id_number": "330205198508160319",
                                 "address": "浙江省宁波市江北区示例路1号"}
        data["guarantees"].append({"id": "G2", "number": "SLB-BZ-2023-0099", "guarantor": "P3", "secures": ["L1"],
                                   "kind": "连带责任保证", "signed_on": dt.date(2023, 3, 18),
                                   "period": "主债务履行期限届满之日起两个月"})
        return type(case).model_validate(data)

    filing = _filing(DEMO, add_released)
    assert list(filing.released) == ["G2"]
    r = Rendered(filing, tmp_path)
    assert "赵小保" not in r.text("enforcement") and "SLB-BZ-2023-0099" not in r.text("enforcement")
    # the complaint states the contract was signed (item 14 is a fact), says why it is not claimed,
    # and never names the guarantor as a party
    complaint = r.text("complaint")
    assert "SLB-BZ-2023-0099" in complaint and "保证人已免除保证责任，本案未将其列为被告" in complaint
    assert not re.search(r"被告[一二三四五六七八九十]*[（(]?[^）)]*[）)]?：?赵小保", complaint)
    assert all("赵小保" not in c for c in filing_claims(filing))
    assert _block_names(r.rows("complaint"), "被告") == ["陈立", "上海恒远贸易有限公司"]


def test_demo_ticks(rendered):
    r = rendered["demo"]
    row = {cells[0]: cells[1] for cells in r.rows("complaint") if len(cells) == 2}
    assert "一般保证□" in row["15. 保证方式"] and "连带责任保证☑" in row["15. 保证方式"]
    assert row["4. 借款期限"].startswith("是否到期：是☑　否□")
    assert "按月计息、到期一次性还本☑" in row["7. 还款方式"] and row["7. 还款方式"].count("☑") == 1
    assert row["12. 是否最高额担保（抵押、质押）"].startswith("是☑　否□")
    assert "担保额度：600,000.00元" in row["12. 是否最高额担保（抵押、质押）"]
    assert "是☑　正式登记☑　预告登记□" in row["13. 是否办理抵押、质押登记"]
    assert row["6. 是否主张诉讼费用"] == "是☑否□"
    assert row["2. 是否已经诉前保全"].startswith("是□") and "否☑" in row["2. 是否已经诉前保全"]
    assert row["3. 是否要求提前还款或解除合同"].endswith("否☑")
    assert "是否请求支付至实际清偿之日止：是☑　否□" in row["2. 利息（期内利息、复利、罚息）"]
    assert "有☑" in row["1. 有无仲裁、法院管辖约定"] and "第十二条" in row["1. 有无仲裁、法院管辖约定"]
    assert "律师费15,000.00元" in row["5. 是否主张实现债权的费用"]
    agents = row["委托诉讼代理人"]
    assert agents.startswith("有☑") and "代理权限：一般授权□　特别授权☑" in agents and agents.endswith("无□")
    # the borrower missed part of the interest due on 2025-01-20, then the principal due on 2025-03-19
    assert "还息至2024年12月20日" in row["8. 还款情况"]
    assert "2025年1月21日起，至起诉时已逾期161天" in row["9. 是否存在逾期还款"]
    text = r.text("complaint")
    mediation = text[text.index("对纠纷解决方式的意愿"):text.index("具状人")]
    assert "☑" not in mediation and mediation.count("□") == 15  # six 了解/不了解 pairs and three choices
    entity = next(c[1] for c in r.rows("complaint") if c[0] == "原告（法人、非法人组织）")
    assert "股份有限公司☑" in entity and entity.count("☑") == 1


def test_enforcement_form_of_the_enforcement_example(rendered):
    r = rendered["enforcement"]
    filing, text = r.filing, r.text("enforcement")
    j = filing.case.judgment
    row = {cells[0]: cells[1] for cells in r.rows("enforcement") if len(cells) == 2}
    # the interest for delayed performance, computed here from its formula (法释〔2014〕8号 art 1):
    # the money debt other than general interest x 0.0175 % a day x the days after the last day of
    # performance up to the application date
    base = j.principal + j.costs
    days = (filing.filing_date - j.performance_due).days
    amount = (base * Decimal("0.000175") * days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert (base, days, amount) == (Decimal("1019019.00"), 357, Decimal("63663.21"))
    money = row["申请执行事项"]
    assert f"{format_amount(base)}元×0.0175%×{days}日＝{money_text(amount)}" in money
    assert "《中华人民共和国民事诉讼法》第二百六十四条" in money and "第一条" in money
    assert "同期" not in money and "倍" not in money.replace("加倍", "")  # no multiple of a lending rate
    assert f"自{date_in_chinese(j.performance_due + dt.timedelta(days=1))}起至实际履行之日止" in money
    assert "金钱给付☑" in money and "本金☑：1,000,000.00元" in money and "一般债务利息☑：24,302.20元" in money
    assert "迟延履行利息☑" in money and "其他费用☑" in money and "其他☑" in money and "行为执行□" in money
    kinds = row["文书类型（注：1. 行政处罚决定、行政处理决定，需先经人民法院裁定准予执行；2. 申请执行债权文书的，需一并提交执行证书）"]
    assert kinds.count("☑") == 1 and kinds.startswith("民事类：判决书☑")
    assert row["执行依据作出机构"] == "浙江省宁波市江北区人民法院"
    assert row["文书号"] == "（2023）浙0205民初3456号" and row["生效日期"] == "2024年4月8日"
    assert "二、被告孙建华、李梅对上述第一项债务承担连带清偿责任；" in row["执行依据判项主文"]
    kept = row["是否有诉前 / 诉讼保全"]
    assert kept.startswith("有☑") and "保全案号：（2023）浙0205民初3456号之一" in kept
    # the deposit freeze of 2024-06-17 (one year) lapses first; the factory's seizure runs to 2026
    assert "保全措施最早到期时间：2025年6月16日" in kept and kept.endswith("无□")
    expiry = sorted(c.date for c in filing.clocks if c.kind == "seizure_expiry" and c.date >= filing.filing_date)
    assert expiry[0] == dt.date(2025, 6, 16)
    leads = row["其他财产线索"]
    assert leads.startswith("1. ") and "浙B·D12345" in leads and "4. " in leads
    applicant = next(c[1] for c in r.rows("enforcement") if c[0] == "申请执行人（法人、非法人组织）")
    account = filing.case.creditor.account
    assert f"银行账号：{account.number}" in applicant and f"开户行：{account.bank}" in applicant
    assert "申请执行人（签字、盖章）：郑海　示例银行股份有限公司宁波江北支行" in text
    assert "日期：2025年4月10日" in text


def test_enforcement_form_without_a_judgment_keeps_its_rows_blank(rendered):
    r = rendered["demo"]
    assert r.filing.case.judgment is None
    row = {cells[0]: cells[1] for cells in r.rows("enforcement") if len(cells) == 2}
    assert row["文书号"] == "" and "☑" not in row["申请执行事项"]
    assert any(x.severity == "blocking" and x.topic == "执行依据" for x in r.filing.review)


def test_pre_suit_preservation_is_ticked(rendered):
    r = rendered["rc18"]  # preservation ruled on 2025-04-07, suit filed on 2025-04-10
    row = {cells[0]: cells[1] for cells in r.rows("complaint") if len(cells) == 2}
    assert row["2. 是否已经诉前保全"].startswith("是☑") and "保全时间：2025年4月7日" in row["2. 是否已经诉前保全"]


@pytest.mark.parametrize("name", NAMES)
def test_contexts_match_the_catalogue(rendered, name):
    catalogue = load_catalogue(TEMPLATES / "catalogue.toml")
    r = rendered[name]
    assert context_problems(catalogue.entry("complaint_element.docx"), r.complaint_context) == []
    assert context_problems(catalogue.entry("enforcement_element.docx"), r.enforcement_context) == []


def _check_pdf(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) > 0
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            assert abs((x1 - x0) - 595.3) < 1.5 and abs((y1 - y0) - 841.9) < 1.5, f"{path.name}: not A4"
        fonts = 0
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                fonts += 1
                assert any(k in obj for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    f"{path.name}: font {obj.get('/FontName')} not embedded"
        assert fonts > 0
        return len(pdf.pages)


@pytest.mark.parametrize("name", NAMES)
def test_pdfs_are_a4_with_every_font_embedded(rendered, name):
    r = rendered[name]
    assert _check_pdf(r.complaint_pdf) >= 4
    assert _check_pdf(r.enforcement_pdf) >= 3


def test_hostile_case_data_gives_correct_documents(tmp_path):
    hostile = "陈{{ x }}<w:t>&amp;立" + "长" * 290

    def change(case):
        data = case.model_dump()
        data["parties"]["P1"]["name"] = hostile
        data["parties"]["C1"]["address"] = "上海市{% for a in b %}x{% endfor %}路</w:t></w:r>1号"
        return type(case).model_validate(data)

    filing = _filing(DEMO, change)
    r = Rendered(filing, tmp_path / "hostile")
    for which in ("complaint", "enforcement"):
        with zipfile.ZipFile(getattr(r, which)) as z:
            ElementTree.fromstring(z.read("word/document.xml"))  # well-formed
        text = r.text(which)
        assert hostile in text
        assert "上海市{% for a in b %}x{% endfor %}路</w:t></w:r>1号" in text
    assert _block_names(r.rows("complaint"), "被告") == [hostile, "上海恒远贸易有限公司"]
    # control characters cannot come from a case file (the model refuses them); the renderer
    # still removes them from any value rather than write an unreadable document
    context = dict(r.complaint_context, other_claims="无\x00\x07\x0b\x0c\x1b其他")
    out = render_docx(TEMPLATES / "complaint_element.docx", context, tmp_path / "hostile" / "control.docx")
    row = {c[0]: c[1] for c in (x.split("\t") for x in docx_paragraphs(out)) if len(c) == 2}
    assert row["7. 其他请求"] == "无其他"
    pdfs = docx_to_pdf([r.complaint, r.enforcement, out], tmp_path / "pdf")
    for pdf in pdfs:
        _check_pdf(pdf)
