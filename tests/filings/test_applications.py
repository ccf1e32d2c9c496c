"""The applications after the complaint (legaldocs/filings/applications.py): 财产保全申请书 with its
财产线索清单, 续行查封（冻结、扣押）申请书 and 申请执行书, rendered from real case files with the
real templates and converted to PDF by the real LibreOffice, then read back.

Every document of the module is rendered once (one LibreOffice run for all of them) by the
``rendered`` fixture; the tests read the PDFs' text, page size and fonts, and the review items
the contexts added to their filings.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pikepdf
import pytest
import yaml

from legaldocs.case.load import load_case
from legaldocs.chinese import amount_in_capitals, format_amount
from legaldocs.documents.catalogue import context_problems, load_catalogue
from legaldocs.documents.office import docx_to_pdf
from legaldocs.documents.render import DocumentProperties, render_docx, template_variables
from legaldocs.errors import CaseValidationError
from legaldocs.filings import applications as A
from legaldocs.filings.filing import Filing, build_filing
from legaldocs.filings.stages import Extras, stage_documents

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
DEMO = ROOT / "examples" / "demo" / "case.yaml"
RC18 = ROOT / "examples" / "rc18" / "case.yaml"
ENFORCEMENT = ROOT / "examples" / "enforcement" / "case.yaml"
CATALOGUE = load_catalogue(TEMPLATES / "catalogue.toml")
A4 = (595.3, 841.9)

# the judgment of the demo case, as a court would give it (amounts in 元)
JUDGMENT = {
    "court": "上海市浦东新区人民法院",
    "case_number": "（2025）沪0115民初12345号",
    "effective_on": dt.date(2025, 10, 20),
    "performance_due": dt.date(2025, 10, 30),
    "operative": [
        "被告陈立于本判决生效之日起十日内偿还原告示例银行股份有限公司滨江支行借款本金500,000元、利息3,564.59元、罚息9,334.38元、复利76.34元",
        "被告上海恒远贸易有限公司对被告陈立的上述第一项债务承担连带清偿责任",
        "原告对被告陈立抵押的位于上海市浦东新区花木路200弄5号602室的房屋（沪（2023）浦字不动产证明第0012345号）折价或者拍卖、变卖所得价款在最高债权额600,000元范围内优先受偿",
    ],
    "principal": Decimal("500000.00"),
    "interest": Decimal("12975.31"),
    "interest_until": dt.date(2025, 6, 30),
    "costs": Decimal("24300.00"),
    "continuing": "以500,000元为基数，自2025年7月1日起按年利率6.525%计算至实际清偿之日止的罚息",
}
ACCOUNT = {"number": "31001500000000001234", "name": "示例银行股份有限公司滨江支行", "bank": "示例银行股份有限公司滨江支行"}
SEIZURES = [  # deposit frozen 2025-07-10 (expires 2026-07-09), flat sealed 2025-07-11 (expires 2028-07-10),
    # car seized 2024-03-01 (two years: expired 2026-02-28)
    {"date": dt.date(2025, 7, 8), "kind": "财产保全裁定", "parties": ["P1"], "case_number": "（2025）沪0115财保678号"},
    {"date": dt.date(2025, 7, 10), "kind": "查封冻结", "asset": "deposit", "parties": ["P1"],
     "property": "在示例银行股份有限公司滨江支行开立的账户内的存款（账号：6217000000001234567）500,000元"},
    {"date": dt.date(2025, 7, 10), "executed_on": dt.date(2025, 7, 11), "kind": "查封冻结", "asset": "real_property",
     "parties": ["P1"], "case_number": "（2025）沪0115财保678号之一",
     "property": "位于上海市浦东新区花木路200弄5号602室的房屋（沪（2023）浦字不动产证明第0012345号）"},
    {"date": dt.date(2024, 3, 1), "kind": "查封冻结", "asset": "movable", "parties": ["P1"],
     "case_number": "（2024）沪0115执保12号", "property": "小型轿车一辆（号牌号码：沪A·12345）"},
]


class _Dumper(yaml.SafeDumper):
    """Writes Decimal amounts as the plain numbers a case file holds, and no aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


_Dumper.add_representer(Decimal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:float", str(value)))


def _yaml(data: dict, path: Path) -> Path:
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _variant(folder: Path, name: str, change) -> Path:
    """The demo case changed by ``change(data)``, written to ``folder/name.yaml``."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    change(data)
    return _yaml(data, folder / f"{name}.yaml")


def _filing(path: Path, filing_date: dt.date) -> Filing:
    return build_filing(load_case(path, check_files=False).case, filing_date=filing_date, source=str(path))


def _pre_suit(data: dict) -> None:
    data["preservation"] = {"stage": "before_suit", "reason": "陈立正在出售其名下车辆并已停止使用原联系电话"}


def _pre_suit_secured(data: dict) -> None:
    data["preservation"] = {"stage": "before_suit", "reason": "陈立正在出售其名下车辆", "security": "保全责任保险",
                            "security_provider": "示例财产保险股份有限公司上海分公司",
                            "security_document": "BQ-2025-000123", "security_amount": Decimal("527975.31")}


def _seized(data: dict) -> None:
    data["events"] = data["events"] + [dict(e) for e in SEIZURES]


def _judged(judgment: dict, effective_event: bool = True):
    def change(data: dict) -> None:
        data["judgment"] = dict(judgment)
        data["creditor"]["account"] = dict(ACCOUNT)
        if effective_event:
            data["events"] = data["events"] + [{"date": judgment["effective_on"], "kind": "判决生效",
                                                "until": judgment["performance_due"], "parties": ["P1", "C1"],
                                                "case_number": judgment["case_number"]}]
    return change


LONG_NAME = "上海" + "恒远国际供应链管理与跨境贸易" * 12 + "有限公司"  # 172 characters


def _hostile(data: dict) -> None:
    data["parties"]["C1"]["name"] = LONG_NAME
    data["parties"]["P1"]["name"] = "陈{{ 7*7 }}立"
    data["parties"]["P1"]["address"] = "北京市朝阳区<w:p>建国路8号&amp;{% for x in range(3) %}院"
    data["property_leads"][0]["description"] = "在{{ creditor }}开立的账户内的存款{%p endfor %}"
    data["judgment"] = dict(JUDGMENT, operative=["被告陈{{ 7*7 }}立偿还借款本金500,000元"])


def _rc18_enforced(data: dict) -> None:
    """rc18 after its appeal (served 2026-01-30; performance within 10 days), with the mortgaged
    plant sealed on 2025-04-09 under the preservation ruling of 2025-04-07 (dates assumed)."""
    data["judgment"] = {
        "court": "福建省厦门市中级人民法院", "case_number": "（2025）闽02民初558号",
        "effective_on": dt.date(2026, 1, 30), "performance_due": dt.date(2026, 2, 9),
        "operative": ["被告厦门某某实业有限公司偿还原告借款本金418,676,500元及利息、罚息、复利",
                      "被告某某集团有限公司、某某股份有限公司对上述债务承担连带清偿责任",
                      "原告对被告厦门某某实业有限公司抵押的不动产（闽（2024）厦门市不动产证明第0041526号）折价或者拍卖、变卖所得价款优先受偿"],
        "principal": Decimal("418676500.00"), "interest": Decimal("12953500.00"),
        "interest_until": dt.date(2025, 4, 10), "costs": Decimal("2205000.00"),
    }
    data["events"] = data["events"] + [
        {"date": dt.date(2025, 4, 9), "kind": "查封冻结", "asset": "real_property", "parties": ["C1"],
         "case_number": "（2025）闽02财保31号",
         "property": "位于厦门市湖里区高崎南五路18号的工业厂房及其占用范围内的国有建设用地使用权（闽（2024）厦门市不动产证明第0041526号）"},
    ]


@dataclass
class Doc:
    filing: Filing
    context: dict
    docx: Path
    pdf: Path | None = None

    def text(self) -> str:
        """The PDF's text with every space and line break removed (CJK lines break anywhere), and the
        page numbers of the footers (— 2 —) that fall inside a paragraph split over two pages."""
        out = subprocess.run(["pdftotext", str(self.pdf), "-"], check=True, capture_output=True, text=True).stdout
        return re.sub(r"—\d+—", "", re.sub(r"\s+", "", out))

    def pages(self) -> list[str]:
        out = subprocess.run(["pdftotext", str(self.pdf), "-"], check=True, capture_output=True, text=True).stdout
        return [re.sub(r"\s+", "", p) for p in out.split("\f") if p.strip()]

    def review(self, severity: str) -> list:
        return self.filing.review_by(severity)


SCENARIOS = {  # name -> (case maker, filing date, document kind, stage)
    "demo_preservation": (None, dt.date(2025, 7, 3), "preservation", "preservation"),
    "demo_leads": (None, dt.date(2025, 7, 3), "property_leads", "preservation"),
    "pre_suit": (_pre_suit, dt.date(2025, 7, 3), "preservation", "preservation"),
    "pre_suit_secured": (_pre_suit_secured, dt.date(2025, 7, 3), "preservation", "preservation"),
    "renewal_late": (_seized, dt.date(2026, 7, 5), "seizure_renewal", "preservation"),
    "enforcement": (_judged(JUDGMENT), dt.date(2026, 3, 2), "enforcement", "enforcement"),
    "enforcement_leads": (_judged(JUDGMENT), dt.date(2026, 3, 2), "property_leads", "enforcement"),
    "enforcement_expired": (_judged(dict(JUDGMENT, effective_on=dt.date(2025, 7, 31), performance_due=dt.date(2025, 8, 10)),
                                    effective_event=False), dt.date(2027, 9, 1), "enforcement", "enforcement"),
    "hostile_preservation": (_hostile, dt.date(2026, 3, 2), "preservation", "preservation"),
    "hostile_enforcement": (_hostile, dt.date(2026, 3, 2), "enforcement", "enforcement"),
    "rc18_preservation": ("rc18", dt.date(2025, 4, 10), "preservation", "preservation"),
    "rc18_renewal": ("rc18", dt.date(2026, 3, 20), "seizure_renewal", "enforcement"),
    "rc18_enforcement": ("rc18", dt.date(2026, 3, 20), "enforcement", "enforcement"),
    "example_enforcement": ("enforcement", None, "enforcement", "enforcement"),
    "example_renewal": ("enforcement", None, "seizure_renewal", "enforcement"),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Doc]:
    """Every scenario's document rendered (core properties set) and converted in one run."""
    folder = tmp_path_factory.mktemp("applications")
    docs: dict[str, Doc] = {}
    for name, (maker, on, kind, stage) in SCENARIOS.items():
        if maker == "enforcement":
            if not ENFORCEMENT.is_file():
                continue
            path = ENFORCEMENT
        elif maker == "rc18":
            if not RC18.is_file():
                continue
            data = yaml.safe_load(RC18.read_text(encoding="utf-8"))
            if name != "rc18_preservation":
                _rc18_enforced(data)
            path = _yaml(data, folder / f"{name}.yaml")
        else:
            path = _variant(folder, name, maker or (lambda data: None))
        filing = _filing(path, on)
        title, template, context_of = A.DOCUMENTS[kind]
        context = context_of(filing, Extras(stage=stage))
        out = render_docx(TEMPLATES / template, context, folder / f"{name}.docx",
                          DocumentProperties(author=filing.case.creditor.name, title=title, date=filing.filing_date))
        docs[name] = Doc(filing, context, out)
    pdfs = docx_to_pdf([d.docx for d in docs.values()], folder / "pdf")
    for doc, pdf in zip(docs.values(), pdfs):
        doc.pdf = pdf
    return docs


def _doc(rendered, name: str) -> Doc:
    if name not in rendered:
        example = ENFORCEMENT if SCENARIOS[name][0] == "enforcement" else RC18
        pytest.skip(f"{example} is absent: that example is not in this checkout")
    return rendered[name]


def _money_in(text: str, amount: Decimal) -> bool:
    return f"{format_amount(amount)}元" in text


def _expected_delay(base: Decimal, due: dt.date, until: dt.date) -> tuple[int, Decimal]:
    """法释〔2014〕8号 art 1, computed here from the formula: base × 0.0175 % a day × days."""
    days = (until - due).days
    return days, (base * Decimal("0.000175") * days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- layout of every PDF ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_pdf_is_a4_with_every_font_embedded(rendered, name, tmp_path):
    doc = _doc(rendered, name)
    with pikepdf.open(doc.pdf) as pdf:
        for page in pdf.pages:
            box = [float(x) for x in page.mediabox]
            size = sorted((round(box[2] - box[0], 1), round(box[3] - box[1], 1)))
            assert size == sorted(A4), f"{name}: page size {size}"
            landscape = box[2] - box[0] > box[3] - box[1]
            assert landscape == (doc.context.get("leads") is not None), name  # only the list of leads is landscape
            for font in page.Resources.Font.values():
                described = font.DescendantFonts[0] if font.Subtype == "/Type0" else font
                descriptor = described.get("/FontDescriptor")
                assert descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                    f"{name}: font {font.get('/BaseFont')} is not embedded")
    # the pages as images, as a reader sees them; the signature block and its date share a page
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(doc.pdf), str(tmp_path / name)], check=True)
    assert len(list(tmp_path.glob(f"{name}*.png"))) == len(doc.pages())
    signed = [p for p in doc.pages() if doc.context["applicant_name"][:20] + "（盖章）" in p]
    assert signed and doc.context["date_cn"] in signed[-1], f"{name}: the seal line and the date are on different pages"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_context_is_what_the_catalogue_declares(rendered, name):
    doc = _doc(rendered, name)
    entry = CATALOGUE.entry(A.DOCUMENTS[SCENARIOS[name][2]][1])
    assert context_problems(entry, doc.context) == []
    assert template_variables(TEMPLATES / entry.file) <= set(entry.variables)


def test_core_properties_name_the_bank_and_the_date(rendered, tmp_path):
    import docx

    doc = rendered["demo_preservation"]
    props = docx.Document(str(doc.docx)).core_properties
    assert props.author == props.last_modified_by == "示例银行股份有限公司滨江支行"
    assert props.title == "财产保全申请书"
    assert props.created.date() == props.modified.date() == dt.date(2025, 7, 3)
    # rendering alone already names the bank as author (the template's property is filled)
    for kind, (title, template, _) in A.DOCUMENTS.items():
        plain = render_docx(TEMPLATES / template, rendered["enforcement_leads" if kind == "property_leads" else
                                                           {"preservation": "demo_preservation",
                                                            "seizure_renewal": "renewal_late",
                                                            "enforcement": "enforcement"}[kind]].context,
                            tmp_path / template)
        assert docx.Document(str(plain)).core_properties.author == "示例银行股份有限公司滨江支行", kind


# --- preservation ----------------------------------------------------------------------------------


def test_demo_in_suit_preservation_by_a_bank_needs_no_security(rendered):
    doc = rendered["demo_preservation"]
    text, t = doc.text(), doc.filing.totals
    assert text.startswith("财产保全申请书")
    assert "诉前" not in text
    # respondents: exactly the defendants of the filing, in order, with their identity
    names = [d.name for d in A.preservation_respondents(doc.filing)]
    assert names == [d.name for d in doc.filing.defendants] == ["陈立", "上海恒远贸易有限公司"]
    assert "被申请人一（借款人、抵押人）：陈立，男，1979年4月12日出生" in text
    assert "公民身份号码：110105197904120131" in text
    assert "被申请人二（保证人）：上海恒远贸易有限公司" in text and "被申请人三" not in text
    assert "申请人：示例银行股份有限公司滨江支行" in text and "负责人：周明" in text
    # the amount is the amount in dispute, in figures and capitals, "以…为限"
    assert t.total == Decimal("527975.31")
    assert f"价值{format_amount(t.total)}元（大写：人民币{amount_in_capitals(t.total)}）的财产，以{format_amount(t.total)}元为限" in text
    # each lead with its identifier
    for lead in doc.filing.case.property_leads:
        assert lead.identifier in text
    assert "冻结被申请人一陈立名下在示例银行股份有限公司滨江支行开立的个人结算账户内的存款（账号：6217000000001234567）" in text
    # facts from the case: the suit, its amount, the loan and the bank's reason
    assert "金融借款合同纠纷一案" in text and "SLB-2023-0088" in text and "更换联系电话" in text
    assert "《中华人民共和国民事诉讼法》第一百零三条" in text
    # no security: the bank's exemption, cited
    assert "《最高人民法院关于人民法院办理财产保全案件若干问题的规定》（2020年修正）第九条第一款第六项" in text
    assert "三十日内" not in text
    assert doc.review("blocking") == []
    assert "财产线索清单1份" in text or "财产线索清单" in text


def test_list_of_leads_for_preservation_and_for_enforcement(rendered):
    doc = rendered["demo_leads"]
    text = doc.text()
    assert text.startswith("财产线索清单")
    assert [r["owner"] for r in doc.context["leads"]] == ["被申请人一陈立", "被申请人一陈立", "被申请人二上海恒远贸易有限公司",
                                                         "被申请人二上海恒远贸易有限公司"]
    import docx

    table = docx.Document(str(doc.docx)).tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert cells == [[str(r["number"]), r["owner"], r["kind"], r["description"], r["identifier"], r["value"]]
                     for r in doc.context["leads"]]
    assert cells[3][4] == "上海恒远物流有限公司，持股30%" and cells[1][5] == "120,000.00" and cells[0][5] == "不详"
    assert "6217000000001234567" in text and "31001500000050012345" in text and "120,000.00" in text
    later = rendered["enforcement_leads"]
    assert later.context["respondent_role"] == "被执行人" and "被执行人一陈立" in later.text()


def test_pre_suit_preservation_without_security_is_blocking(rendered):
    doc = rendered["pre_suit"]
    text = doc.text()
    assert text.startswith("诉前财产保全申请书")
    blocking = doc.review("blocking")
    assert len(blocking) == 1 and "没有提供担保" in blocking[0].text
    assert "第一百零四条第一款" in blocking[0].source and "第五条第二款" in blocking[0].source
    assert "陈立正在出售其名下车辆" in text and "情况紧急" in text
    assert "《中华人民共和国民事诉讼法》第一百零四条的规定，在起诉前向贵院申请财产保全" in text
    assert "采取保全措施后三十日内依法提起诉讼或者申请仲裁（《中华人民共和国民事诉讼法》第一百零四条第三款）" in text
    assert "第九条第一款第六项" not in text  # the exemption is for applications in suit only
    assert "证明债权的证据材料" in text


def test_pre_suit_preservation_with_full_security(rendered):
    doc = rendered["pre_suit_secured"]
    text = doc.text()
    assert doc.review("blocking") == []
    assert ("申请人提供示例财产保险股份有限公司上海分公司出具的诉讼财产保全责任保险保单保函（编号：BQ-2025-000123）"
            "为本次保全提供担保，担保数额为527,975.31元") in text


def test_rc18_preservation_before_its_suit(rendered):
    doc = _doc(rendered, "rc18_preservation")
    text, t = doc.text(), doc.filing.totals
    # rc18 records the application (2025-04-03) before the suit (2025-04-10): a pre-suit application
    assert text.startswith("诉前财产保全申请书")
    assert [d.name for d in A.preservation_respondents(doc.filing)] == ["厦门某某实业有限公司", "某某集团有限公司", "某某股份有限公司"]
    assert "被申请人三（保证人）：某某股份有限公司" in text and "被申请人四" not in text
    assert _money_in(text, t.total) and t.total == Decimal("431640000.00")
    assert any("没有提供担保" in r.text for r in doc.review("blocking"))


# --- renewal ----------------------------------------------------------------------------------------


def test_renewal_less_than_seven_days_before_expiry_is_blocking(rendered):
    doc = rendered["renewal_late"]
    text = doc.text()
    assert text.startswith("续行查封（冻结、扣押）申请书")
    requests = doc.context["requests"]
    assert len(requests) == 3
    # the car (2024-03-01, two years): expired 2026-02-28, a check; the deposit (2025-07-10, one
    # year): expires 2026-07-09, four days after the application, blocking; the flat: three years
    car, deposit, flat = requests
    assert "原查封、扣押期限自2024年3月1日起至2026年2月28日止" in car
    assert "原冻结期限自2025年7月10日起至2026年7月9日止，依据（2025）沪0115财保678号裁定" in deposit
    assert "续行期限一年，自2026年7月10日起至2027年7月9日止" in deposit
    assert "原查封期限自2025年7月11日起至2028年7月10日止" in flat
    assert "续行期限三年，自2028年7月11日起至2031年7月10日止" in flat
    blocking = doc.review("blocking")
    assert len(blocking) == 1 and "2026年7月9日届满" in blocking[0].text and "不足七日" in blocking[0].text
    assert "第十八条" in blocking[0].source
    assert any("2026年2月28日届满" in r.text for r in doc.review("check"))
    assert "第四百八十五条" in text and "第十八条" in text
    assert "被申请人（借款人、抵押人）：陈立" in text and "上海恒远贸易有限公司" not in text.split("请求事项")[0]
    assert "（2025）沪0115财保678号之一" in text


def test_renewal_in_time_has_no_blocking_item(tmp_path):
    filing = _filing(_variant(tmp_path, "renewal", _seized), dt.date(2026, 6, 20))
    A.renewal_context(filing)
    assert filing.review_by("blocking") == []
    measures = A.seizure_measures(filing)
    assert [m.days_left for m in measures] == [-112, 19, 751]
    assert [m.measure for m in measures] == ["查封、扣押", "冻结", "查封"]


def test_renewal_of_a_measure_without_its_kind(tmp_path):
    def change(data):
        data["events"].append({"date": dt.date(2025, 7, 10), "kind": "查封冻结", "parties": ["P1"],
                               "property": "机器设备一批"})
    filing = _filing(_variant(tmp_path, "no-asset", change), dt.date(2026, 6, 20))
    context = A.renewal_context(filing)
    assert "原查封、扣押、冻结期限自2025年7月10日起（届满日以协助执行通知书为准）" in context["requests"][0]
    assert any("无法计算" in r.text for r in filing.review_by("check"))
    assert any("裁定书文号" in r.text for r in filing.review_by("check"))


def test_renewal_needs_a_seizure(tmp_path):
    filing = _filing(DEMO, dt.date(2025, 7, 3))
    with pytest.raises(CaseValidationError, match="查封冻结"):
        A.renewal_context(filing)


def test_rc18_renewal_during_enforcement(rendered):
    doc = _doc(rendered, "rc18_renewal")
    text = doc.text()
    assert "被申请人（借款人、抵押人）：厦门某某实业有限公司" in text
    assert "原查封期限自2025年4月9日起至2028年4月8日止，依据（2025）闽02财保31号裁定" in text
    assert "续行期限三年，自2028年4月9日起至2031年4月8日止" in text
    assert doc.review("blocking") == []


# --- enforcement -------------------------------------------------------------------------------------


def test_enforcement_requests_match_the_judgment(rendered):
    doc = rendered["enforcement"]
    text, j = doc.text(), doc.filing.case.judgment
    assert text.startswith("申请执行书")
    assert [d.name for d in A.enforcement_respondents(doc.filing)] == ["陈立", "上海恒远贸易有限公司"]
    assert "被执行人一（借款人、抵押人）：陈立" in text and "被执行人二（保证人）：上海恒远贸易有限公司" in text
    assert "收款账户：开户名示例银行股份有限公司滨江支行，账号31001500000000001234" in text
    assert ("上海市浦东新区人民法院作出的（2025）沪0115民初12345号民事判决书已于2025年10月20日发生法律效力" in text)
    assert "《中华人民共和国民事诉讼法》第二百四十七条" in text
    assert "借款本金500,000.00元、利息12,975.31元（计至2025年6月30日）" in text
    assert j.continuing in text
    assert "其他款项（实现债权的费用、诉讼费用等）24,300.00元" in text
    # the doubled interest: (500,000 + 24,300) × 0.0175 % × days from 2025-10-31 to 2026-03-02
    days, amount = _expected_delay(Decimal("524300.00"), dt.date(2025, 10, 30), dt.date(2026, 3, 2))
    assert (days, amount) == (123, Decimal("11285.56"))
    assert A.delay_interest(doc.filing).doubled_interest == amount
    assert f"自2025年10月31日起至实际履行之日止；暂计至2026年3月2日共{days}日，为524,300.00元×0.0175%×{days}日＝{format_amount(amount)}元" in text
    assert "按日万分之一点七五（0.0175%）计算" in text
    assert "加倍支付迟延履行期间的债务利息（《中华人民共和国民事诉讼法》第二百六十四条" in text
    assert "此后继续计算至实际履行之日止" in text
    assert "被执行人二上海恒远贸易有限公司在民事判决书第二项确定的范围内对上述债务承担连带清偿责任" in text
    assert "申请执行人依照民事判决书第三项就所得价款优先受偿" in text
    assert "本案执行费用由各被执行人负担" in text
    assert f"以上金钱债务合计{format_amount(j.principal + j.interest + j.costs)}元" in text
    assert "6217000000001234567" in text  # the property leads
    for item in ("民事判决书副本1份", "生效证明1份", "原告营业执照及负责人身份证明"):
        assert item in text
    assert doc.review("blocking") == []


def test_enforcement_after_the_two_year_period_is_blocking(rendered):
    doc = rendered["enforcement_expired"]
    blocking = doc.review("blocking")
    assert len(blocking) == 1 and "申请执行期间已于2027年8月10日届满" in blocking[0].text
    assert "第二百五十条" in blocking[0].source
    clock = A.enforcement_period(doc.filing)
    assert clock.status == "expired" and clock.date == dt.date(2027, 8, 10)
    days, amount = _expected_delay(Decimal("524300.00"), dt.date(2025, 8, 10), dt.date(2027, 9, 1))
    assert days == 752 and _money_in(doc.text(), amount)
    assert any("判决生效" in r.text for r in doc.review("note"))  # the clock came from the judgment section


def test_enforcement_before_the_performance_period_ends(tmp_path):
    filing = _filing(_variant(tmp_path, "early", _judged(JUDGMENT)), dt.date(2025, 10, 25))
    context = A.enforcement_context(filing)
    assert A.delay_interest(filing) is None
    assert any("尚未届满" in r.text for r in filing.review_by("blocking"))
    assert "自2025年10月31日起至实际履行之日止" in context["requests"][2]


def test_payment_after_the_performance_period_stops_its_part(tmp_path):
    def change(data):
        _judged(JUDGMENT)(data)
        data["repayments"].append({"date": dt.date(2025, 12, 30), "amount": Decimal("100000.00"), "loan": "L1"})
    filing = _filing(_variant(tmp_path, "paid", change), dt.date(2026, 3, 2))
    d = A.delay_interest(filing)
    first = (Decimal("524300") * Decimal("0.000175") * 61).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    second = (Decimal("424300") * Decimal("0.000175") * 62).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert d.doubled_interest == first + second
    context = A.enforcement_context(filing)
    assert "仅部分履行" in context["opening"]
    assert any("扣减" in r.text for r in filing.review_by("check"))


def test_delay_before_2014_is_left_to_the_old_rule(tmp_path):
    old = dict(JUDGMENT, effective_on=dt.date(2014, 3, 1), performance_due=dt.date(2014, 3, 11))

    def change(data):
        _judged(old)(data)
        for loan in data["loans"]:  # a loan old enough for that judgment
            loan["signed_on"] = dt.date(2012, 3, 18)
            loan["draws"][0].update(date=dt.date(2012, 3, 20), maturity=dt.date(2013, 3, 19))
        data["guarantees"][0]["signed_on"] = data["collateral"][0]["signed_on"] = dt.date(2012, 3, 18)
        data["collateral"][0]["registered_on"] = dt.date(2012, 3, 19)
        data["repayments"] = []
        data["events"] = [e for e in data["events"] if e["kind"] == "判决生效"]
        data["claim"].update(as_of=dt.date(2014, 3, 31), amounts="bank")
    filing = _filing(_variant(tmp_path, "old", change), dt.date(2014, 6, 30))
    d = A.delay_interest(filing)
    assert d.doubled_interest == 0 and d.flags
    text = A.delay_interest_text(filing)
    assert "2014年6月30日前的迟延履行期间适用原规定（" in text and text.endswith("数额另行计算")
    A.enforcement_context(filing)
    assert any("2014-08-01" in r.text for r in filing.review_by("check"))


def test_rc18_enforcement(rendered):
    doc = _doc(rendered, "rc18_enforcement")
    text = doc.text()
    assert [d.name for d in A.enforcement_respondents(doc.filing)] == ["厦门某某实业有限公司", "某某集团有限公司", "某某股份有限公司"]
    days, amount = _expected_delay(Decimal("420881500.00"), dt.date(2026, 2, 9), dt.date(2026, 3, 20))
    assert days == 39 and _money_in(text, amount)
    assert "被执行人二某某集团有限公司在民事判决书第二项确定的范围内" in text
    assert "被执行人三某某股份有限公司在民事判决书第二项确定的范围内" in text
    assert "依照民事判决书第三项就所得价款优先受偿" in text


def test_enforcement_example(rendered):
    doc = _doc(rendered, "example_enforcement")
    text = doc.text()
    # (1,000,000 + 19,019) × 0.0175 % × 357 days (2024-04-19 to 2025-04-10)
    days, amount = _expected_delay(Decimal("1019019.00"), dt.date(2024, 4, 18), dt.date(2025, 4, 10))
    assert (days, amount) == (357, Decimal("63663.21"))
    assert f"共{days}日，为1,019,019.00元×0.0175%×{days}日＝63,663.21元" in text
    assert [d.name for d in A.enforcement_respondents(doc.filing)] == ["宁波示例机械制造有限公司", "孙建华", "李梅"]
    assert "被执行人三（保证人）：李梅" in text and "被执行人四" not in text
    assert "收款账户：开户名示例银行股份有限公司宁波江北支行，账号33050110002200000088" in text
    assert doc.review("blocking") == []
    renewal = _doc(rendered, "example_renewal")
    assert "续行冻结孙建华在示例农村商业银行洪塘支行开立的账户" in renewal.text()  # the owner is named once
    assert "续行期限一年，自2025年6月17日起至2026年6月16日止" in renewal.text()


def test_enforcement_needs_a_judgment():
    filing = _filing(DEMO, dt.date(2025, 7, 3))
    with pytest.raises(CaseValidationError, match="judgment"):
        A.enforcement_context(filing)


def test_shared_functions_for_the_element_form(rendered):
    doc = rendered["enforcement"]
    requests = A.enforcement_requests(doc.filing)
    assert requests == doc.context["requests"]
    assert A.enforcement_base(doc.filing) == Decimal("524300.00")
    assert "万分之一点七五" in A.delay_interest_text(doc.filing)


# --- hostile data ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hostile_preservation", "hostile_enforcement"])
def test_hostile_names_are_printed_as_written(rendered, name):
    doc = _doc(rendered, name)
    text = doc.text()
    assert "陈{{7*7}}立" in text and "陈49立" not in text  # template syntax in data is text
    assert "北京市朝阳区<w:p>建国路8号&amp;{%forxinrange(3)%}院" in text
    assert LONG_NAME in text  # a very long name is printed whole, wrapped
    if name == "hostile_preservation":
        assert "{{creditor}}开立的账户内的存款{%pendfor%}" in text
    assert len(doc.pages()) < 8


def test_control_characters_are_refused_with_the_field(tmp_path):
    def change(data):
        data["parties"]["P1"]["name"] = "陈\u202e立"
        data["property_leads"][0]["description"] = "存款\x07"
    with pytest.raises(CaseValidationError) as err:
        load_case(_variant(tmp_path, "control", change), check_files=False)
    fields = [f for f, _ in err.value.problems]
    assert "parties.P1.name" in fields and "property_leads[0].description" in fields


# --- the stage table ----------------------------------------------------------------------------------


def test_documents_are_known_to_the_stages(rendered):
    filing = rendered["demo_preservation"].filing
    kinds = [d.kind for d in stage_documents("preservation", filing)]
    assert kinds[:2] == ["preservation", "property_leads"]
    assert set(A.DOCUMENTS) == {"preservation", "property_leads", "seizure_renewal", "enforcement"}
    for kind, (title, template, context) in A.DOCUMENTS.items():
        assert (TEMPLATES / template).is_file() and CATALOGUE.entry(template) is not None
        assert CATALOGUE.entry(template).context == f"legaldocs.filings.applications.{context.__name__}"
