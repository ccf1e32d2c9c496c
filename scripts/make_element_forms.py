"""Writes the element-style forms (要素式文书, 法〔2025〕82号) in templates/:

- complaint_element.docx: 民事起诉状（金融借款合同纠纷）
- enforcement_element.docx: 强制执行申请书（申请执行用）

Each is the form's title, its 说明 box (the form's own words, kept as the court issued them) and
one two-column table per section (label | what is filled in), the section's heading as the
table's first row, repeated on each page the section runs over; rows are never split across
pages. A4, table text 五号 (10.5 pt) 宋体, title 二号 (22 pt) bold, subtitle 小二 (18 pt), section
headings 小三 (15 pt) as Word heading styles. Run by scripts/make_templates.py, or alone:
    .venv/bin/python scripts/make_element_forms.py
The variables are declared in templates/catalogue.toml (context functions in
legaldocs/filings/element.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_templates import HEI, OUT, SONG, _document, _east_asia, _fonts  # noqa: E402

XIAOBIAOSONG = "方正小标宋简体"
TEXT_PT = 10.5  # 五号
LINE_PT = 15  # exact line height of table text
LABEL_CM, CONTENT_CM = 3.9, 11.7  # the label column about a quarter of the 15.6 cm text width
BOX = "□"

COMPLAINT_NOTES = [
    "为了方便您更好地参加诉讼，保护您的合法权利，请填写本表。",
    "1. 起诉时需向人民法院提交证明您身份的材料，如身份证复印件、营业执照复印件等。",
    "2. 本表所列内容是您参加诉讼以及人民法院查明案件事实所需，请务必如实填写。",
    "3. 本表有些内容可能与您的案件无关，您认为与案件无关的项目可以填“无”或不填；对于本表中勾选项可以在对应项打“√”；"
    "您认为另有重要内容需要列明的，可以另附页填写。",
    "4. 本表word电子版填写时，相关栏目可复制粘贴或扩容，但不得改变要素内容、格式设置。例如，多原告、多被告或多委托诉讼代理人等情况，"
    "可根据实际情况复制粘贴；需填写文字较多时，可根据实际对栏目进行扩容等。",
]
COMPLAINT_WARNING = [
    "诉讼参加人应遵守诚信原则如实认真填写表格。",
    "如果诉讼参加人违反有关规定，虚假诉讼、恶意诉讼、滥用诉权，人民法院将视违法情形依法追究责任。",
]
ENFORCEMENT_NOTES = [
    "1. 发生法律效力的民事、行政判决、裁定，刑事判决、裁定中的财产部分，以及法律规定由人民法院执行的其他法律文书，当事人必须履行。"
    "一方拒绝履行的，当事人可以向人民法院申请执行。为了方便您申请执行，保护您的合法权利，请如实填写本表。",
    "2. 申请执行时，除本申请书外，还需向人民法院提供以下材料：（1）证明您身份的材料，如身份证复印件、营业执照复印件、"
    "法定代表人身份证明或负责人身份证明等；（2）生效法律文书副本及生效证明；（3）继承人或权利承受人继承或承受权利的证明文件；"
    "（4）其他应当提交的文件或证件。",
    "3. 本表所涉内容系针对申请执行专用，有些内容可能与您的具体申请无关，您认为与申请无关的项目可以填“无”或不填；"
    "对于本表中勾选项可以在对应项打“√”；您认为另有重要内容需要列明的，可以另附页填写。",
    "4. 本表word电子版填写时，相关栏目可复制粘贴或扩容，但不得改变要素内容、格式设置。例如，多原告、多被告或多委托诉讼代理人等情况，"
    "可根据实际情况复制粘贴；需填写文字较多时，可根据实际对栏目进行扩容等。",
]
ENFORCEMENT_WARNING = [
    "●诉讼参加人应遵守诚信原则如实认真填写表格。如果申请执行人违反民事诉讼法的规定，基于捏造的事实获取的仲裁裁决或者调解书、"
    "公证债权文书、支付令等生效法律文书申请执行，或者通过捏造事实等导致人民法院错误执行的，人民法院将依法追究责任。",
    "●被执行人可能存在财产不足或无财产可供执行的情形，执行过程中，申请执行人应当向执行法院积极提供被执行人的财产线索。",
    "●多份生效法律文书确定的多个债权人分别对同一被执行人申请执行，且该被执行人为法人的，被执行人财产按照执行法院采取执行措施的"
    "先后顺序受偿。当作为被执行人的法人财产不足以清偿全部债务时，各债权人可以向人民法院提出被执行人破产、重整等申请。",
]
MEDIATION_BENEFITS = [
    "1. 立案后选择先行调解的，可以很快启动调解程序。如不同意调解，法院将依程序开庭审理案件，但可能需要经过较长一段时间的排期等待，"
    "且审理、执行周期相对较长。",
    "2. 选择先行调解，调解成功且自动履行的免交诉讼费用，申请司法确认的不交纳诉讼费用，要求出具调解书的减半交纳诉讼费用。",
    "3. 首次调解不成功，但仍有继续调解意愿的，可以选择更换调解组织和调解员再进行调解。调解无法达成一致意见的，法院将依程序排期开庭。",
    "4. 依照法律规定，调解具有保密性要求，调解过程不公开，调解协议未经当事人同意不得公开。",
    "5. 调解达成的协议具有法律效力，可以依照法律规定申请司法确认，具有强制执行效力。",
]


# --- styles ------------------------------------------------------------------------------------

def _plain_fonts(rpr, east_asia: str) -> None:
    """Explicit fonts (Times New Roman for Latin text, ``east_asia`` for Chinese), no theme fonts."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), "Times New Roman")
    fonts.set(qn("w:eastAsia"), east_asia)


def _heading_style(doc, name: str, font: str, size: float, bold: bool) -> None:
    style = doc.styles[name]
    rpr = style.element.get_or_add_rPr()
    _plain_fonts(rpr, font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    color = rpr.find(qn("w:color"))
    for attr in ("w:themeColor", "w:themeShade"):
        color.attrib.pop(qn(attr), None)
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf.keep_with_next = True
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(size * 1.5)


def _form_document(author: str, title: str):
    """A4 document with the form's styles: Normal 五号宋体 justified (两端对齐) with widow control;
    Heading 1 (the title) 二号 bold; Heading 2 (section headings) 小三 方正小标宋."""
    doc = _document(body_pt=TEXT_PT)
    section = doc.sections[0]  # the courts' Word forms use narrower top and bottom margins than GB/T 9704
    section.top_margin, section.bottom_margin = Cm(2.54), Cm(2.54)
    normal = doc.styles["Normal"]
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.widow_control = True
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    _heading_style(doc, "Heading 1", SONG, 22, True)
    _heading_style(doc, "Heading 2", XIAOBIAOSONG, 15, False)
    props = doc.core_properties
    props.author, props.title, props.last_modified_by = author, title, ""
    core = doc.part.package._core_properties_part._element
    for tag in ("dcterms:created", "dcterms:modified"):  # python-docx's default dates (2013): left unset
        for old in core.findall(qn(tag)):
            core.remove(old)
    return doc


def _run(p, text: str, *, font: str = SONG, size: float = TEXT_PT, bold: bool = False) -> None:
    if text:
        _fonts(p.add_run(text), font, size, bold)


def _line(container, text: str = "", *, align=None, font: str = SONG, size: float = TEXT_PT, bold: bool = False,
          first: bool = False):
    """A paragraph of table text in ``container`` (a cell or the document); ``first`` reuses the
    cell's own empty paragraph."""
    p = container.paragraphs[0] if first else container.add_paragraph()
    if align is not None:
        p.alignment = align
    _run(p, text, font=font, size=size, bold=bold)
    return p


# --- tables ------------------------------------------------------------------------------------

def _row_props(row) -> None:
    """A row never split across pages (cantSplit)."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def _width(cell, cm: float) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    for old in tcpr.findall(qn("w:tcW")):
        tcpr.remove(old)
    width = OxmlElement("w:tcW")
    width.set(qn("w:w"), str(int(cm * 567)))
    width.set(qn("w:type"), "dxa")
    tcpr.insert(0, width)


def _table_layout(table, widths: list[float]) -> None:
    """Fixed layout, explicit grid, centred, with cell margins (Word and LibreOffice honour these)."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tblpr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout"):
        for old in tblpr.findall(qn(tag)):
            tblpr.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths) * 567)))
    width.set(qn("w:type"), "dxa")
    tblpr.append(width)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side, value in (("top", 40), ("left", 85), ("bottom", 40), ("right", 85)):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(value))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tblpr.append(margins)
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(int(w * 567)))


class Section:
    """One section of a form: a two-column table whose first row, the section's heading across
    both columns, repeats on every page the table runs over."""

    def __init__(self, doc, heading: str | None):
        self.doc = doc
        self.table = doc.add_table(rows=0, cols=2)
        self.table.style = "Table Grid"
        _table_layout(self.table, [LABEL_CM, CONTENT_CM])
        if heading:
            cell = self._merged()
            p = cell.paragraphs[0]
            p.style = doc.styles["Heading 2"]
            p.add_run(heading)
            trpr = self.table.rows[-1]._tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:tblHeader"))

    def _merged(self, keep: bool = True):
        row = self.table.add_row()
        if keep:
            _row_props(row)
        cell = row.cells[0].merge(row.cells[1])
        _width(cell, LABEL_CM + CONTENT_CM)
        return cell

    def wide(self, lines: list[str]) -> None:
        """A row across both columns (free text before a section's elements); a long text may
        run on to the next page."""
        cell = self._merged(keep=False)
        for i, text in enumerate(lines):
            _line(cell, text, first=i == 0)

    def tag(self, text: str) -> None:
        """A row holding only a docxtpl row tag ({%tr for … %} / {%tr endfor %})."""
        row = self.table.add_row()
        _row_props(row)
        _line(row.cells[0], text, first=True)
        _width(row.cells[0], LABEL_CM)
        _width(row.cells[1], CONTENT_CM)

    def row(self, label: list[str] | str, lines: list[str], *, merge_label: str | None = None) -> None:
        """A label | content row; ``merge_label`` 'restart' or 'continue' merges the label cell
        with the rows above or below (one label over several rows)."""
        row = self.table.add_row()
        _row_props(row)
        left, right = row.cells
        _width(left, LABEL_CM)
        _width(right, CONTENT_CM)
        left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        labels = [label] if isinstance(label, str) else label
        if merge_label == "continue":
            labels = [""]
        for i, text in enumerate(labels):
            _line(left, text, align=WD_ALIGN_PARAGRAPH.LEFT, first=i == 0)
        if merge_label:
            vmerge = OxmlElement("w:vMerge")
            if merge_label == "restart":
                vmerge.set(qn("w:val"), "restart")
            left._tc.get_or_add_tcPr().append(vmerge)
        for i, text in enumerate(lines):
            _line(right, text, first=i == 0)

    def keep_with_next(self, rows: int = 1) -> None:
        """Keep the last ``rows`` rows on the page of what follows the table (the signature)."""
        for row in self.table.rows[-rows:]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True

    def end(self) -> None:
        """A small gap after the table (two tables in a row would merge into one in Word)."""
        p = self.doc.add_paragraph()
        p.paragraph_format.line_spacing = Pt(6)


def _title(doc, title: str, subtitle: str) -> None:
    p = doc.add_paragraph(style=doc.styles["Heading 1"])
    p.add_run(title)
    s = _line(doc, subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, font=XIAOBIAOSONG, size=18)
    s.paragraph_format.line_spacing = Pt(30)
    s.paragraph_format.space_after = Pt(8)
    s.paragraph_format.keep_with_next = True


def _notes_box(doc, notes: list[str], warning: list[str]) -> None:
    """The form's 说明 box with its ★特别提示★, in the form's own words."""
    table = doc.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    _table_layout(table, [LABEL_CM + CONTENT_CM])
    _row_props(table.rows[0])
    cell = table.rows[0].cells[0]
    _width(cell, LABEL_CM + CONTENT_CM)
    _line(cell, "说明：", font=HEI, bold=True, first=True)
    for text in notes:
        _line(cell, text).paragraph_format.first_line_indent = Pt(TEXT_PT * 2)
    _line(cell, "★特别提示★", align=WD_ALIGN_PARAGRAPH.CENTER, font=HEI, bold=True)
    for text in warning:
        _line(cell, text).paragraph_format.first_line_indent = Pt(TEXT_PT * 2)
    p = doc.add_paragraph()
    p.paragraph_format.line_spacing = Pt(8)


# --- party blocks ------------------------------------------------------------------------------

def _person_lines(v: str, account: bool = False) -> list[str]:
    lines = [
        f"姓名：{{{{ {v}.name }}}}",
        f"性别：男{{{{ {v}.male }}}}　女{{{{ {v}.female }}}}",
        f"出生日期：{{{{ {v}.birth_date }}}}　　民族：{{{{ {v}.ethnicity }}}}",
        f"工作单位：{{{{ {v}.employer }}}}　　职务：{{{{ {v}.position }}}}　　联系电话：{{{{ {v}.phone }}}}",
        f"住所地（户籍所在地）：{{{{ {v}.domicile }}}}",
        f"经常居住地：{{{{ {v}.residence }}}}",
        f"证件类型：{{{{ {v}.id_type }}}}",
        f"证件号码：{{{{ {v}.id_number }}}}",
    ]
    if account:
        lines += [f"银行账号：{{{{ {v}.account_number }}}}",
                  f"开户名：{{{{ {v}.account_name }}}}　　开户行：{{{{ {v}.account_bank }}}}"]
    return lines


def _entity_lines(v: str, *, listed: bool = True, account: bool = False) -> list[str]:
    t = f"{v}.type"
    lines = [
        f"名称：{{{{ {v}.name }}}}",
        f"住所地（主要办事机构所在地）：{{{{ {v}.domicile }}}}",
        f"注册地 / 登记地：{{{{ {v}.registered }}}}",
        f"法定代表人 / 负责人：{{{{ {v}.representative }}}}　　职务：{{{{ {v}.title }}}}　　联系电话：{{{{ {v}.phone }}}}",
        f"统一社会信用代码：{{{{ {v}.uscc }}}}",
    ]
    if account:
        lines += [f"银行账号：{{{{ {v}.account_number }}}}",
                  f"开户名：{{{{ {v}.account_name }}}}　　开户行：{{{{ {v}.account_bank }}}}"]
    if listed:
        lines += [
            f"类型：有限责任公司{{{{ {t}.llc }}}}　股份有限公司{{{{ {t}.jsc }}}}　上市公司{{{{ {t}.listed }}}}",
            f"其他企业法人{{{{ {t}.other_enterprise }}}}　事业单位{{{{ {t}.institution }}}}　社会团体{{{{ {t}.social_group }}}}"
            f"　基金会{{{{ {t}.foundation }}}}",
            f"社会服务机构{{{{ {t}.social_service }}}}　机关法人{{{{ {t}.organ }}}}　农村集体经济组织法人{{{{ {t}.rural_collective }}}}",
        ]
    else:
        lines += [
            f"类型：有限责任公司{{{{ {t}.llc }}}}　股份有限公司{{{{ {t}.jsc }}}}　其他企业法人{{{{ {t}.other_enterprise }}}}",
            f"事业单位{{{{ {t}.institution }}}}　社会团体{{{{ {t}.social_group }}}}　基金会{{{{ {t}.foundation }}}}"
            f"　社会服务机构{{{{ {t}.social_service }}}}",
            f"机关法人{{{{ {t}.organ }}}}　农村集体经济组织法人{{{{ {t}.rural_collective }}}}",
        ]
    lines += [
        f"城镇农村的合作经济组织法人{{{{ {t}.cooperative }}}}　基层群众性自治组织法人{{{{ {t}.grassroots }}}}",
        f"个人独资企业{{{{ {t}.sole }}}}　合伙企业{{{{ {t}.partnership }}}}　不具有法人资格的专业服务机构{{{{ {t}.professional }}}}",
        f"所有制性质：国有{{{{ {v}.own.state }}}}（控股{{{{ {v}.own.controlling }}}}　参股{{{{ {v}.own.minority }}}}）"
        f"　民营{{{{ {v}.own.private }}}}　其他{{{{ {v}.own.other }}}}{{{{ {v}.own.other_text }}}}",
    ]
    return lines


AGENT_LINES = [
    "有{{ agents.present }}",
    "{%p for a in agents.blocks %}",
    "姓名：{{ a.name }}",
    "单位：{{ a.employer }}　　职务：{{ a.position }}　　联系电话：{{ a.phone }}",
    "代理权限：一般授权{{ a.general }}　特别授权{{ a.special }}",
    "{%p endfor %}",
    "无{{ agents.absent }}",
]


def _parties(s: Section, rows: str, *, listed: bool = True) -> None:
    """The blocks of the parties sued, in the order and with the labels of the claims (被告一 …):
    a natural person's block or an organisation's, as the party is."""
    s.tag(f"{{%tr for d in {rows} %}}")
    s.tag("{%tr if d.is_person %}")
    s.row(["{{ d.label }}{{ d.roles }}", "（自然人）"], _person_lines("d.p"))
    s.tag("{%tr else %}")
    s.row(["{{ d.label }}{{ d.roles }}", "（法人、非法人组织）"], _entity_lines("d.o", listed=listed))
    s.tag("{%tr endif %}")
    s.tag("{%tr endfor %}")


# --- the forms ---------------------------------------------------------------------------------

def complaint_element() -> None:
    doc = _form_document("{{ plaintiff.name }}", "民事起诉状（金融借款合同纠纷）")
    _title(doc, "民事起诉状", "（金融借款合同纠纷）")
    _notes_box(doc, COMPLAINT_NOTES, COMPLAINT_WARNING)

    s = Section(doc, "当事人信息")
    s.row(["原告", "（自然人）"], _person_lines("plaintiff_person"))
    s.row(["原告", "（法人、非法人组织）"], _entity_lines("plaintiff"))
    s.row("委托诉讼代理人", AGENT_LINES)
    _parties(s, "defendants")
    s.row(["第三人", "（自然人）"], _person_lines("third_person"))
    s.row(["第三人", "（法人、非法人组织）"], _entity_lines("third_entity"))
    s.end()

    s = Section(doc, "诉讼请求")
    s.wide(["（可完整表述诉讼请求；为方便、准确梳理要点，相关内容请在下方要素式表格中填写）",
            "{%p for c in claims_text %}", "{{ loop.index }}. {{ c }}", "{%p endfor %}"])
    s.row("1. 本金", ["截至{{ principal.as_of }}止，尚欠本金{{ principal.amount }}（{{ principal.currency }}）"])
    s.row("2. 利息（期内利息、复利、罚息）", [
        "截至{{ interest.as_of }}止，欠利息{{ interest.total }}、期内利息{{ interest.contract }}、"
        "复利{{ interest.compound }}、罚息（违约金）{{ interest.penalty }}；",
        "计算方式：{{ interest.method }}",
        "是否请求支付至实际清偿之日止：是{{ interest.continuing }}　否{{ interest.not_continuing }}"])
    s.row("3. 是否要求提前还款或解除合同", [
        "是{{ acceleration.yes }}　提前还款（加速到期）{{ acceleration.early }} / 解除合同{{ acceleration.termination }}",
        "否{{ acceleration.no }}"])
    s.row("4. 是否主张担保权利", ["是{{ security.yes }}　内容：", "{%p for x in security.claims %}",
                               "{{ loop.index }}. {{ x }}", "{%p endfor %}", "否{{ security.no }}"])
    s.row("5. 是否主张实现债权的费用", ["是{{ costs.yes }}　明细：{{ costs.detail }}", "否{{ costs.no }}"])
    s.row("6. 是否主张诉讼费用", ["是{{ court_costs.yes }}", "否{{ court_costs.no }}"])
    s.row("7. 其他请求", ["{{ other_claims }}"])
    s.row("8. 标的总额", ["{{ total }}"])
    s.end()

    s = Section(doc, "约定管辖和诉前保全")
    s.row("1. 有无仲裁、法院管辖约定", ["有{{ jurisdiction.yes }}　合同条款及内容：{{ jurisdiction.clauses }}",
                                  "无{{ jurisdiction.no }}"])
    s.row("2. 是否已经诉前保全", [
        "是{{ preservation.yes }}", "{%p for m in preservation.measures %}",
        "保全法院：{{ m.court }}　　保全时间：{{ m.date }}", "保全案号：{{ m.number }}", "{%p endfor %}",
        "否{{ preservation.no }}", "（如申请诉讼保全，请另行提交诉讼保全申请及相关材料）"])
    s.end()

    s = Section(doc, "事实与理由")
    s.wide(["（可完整表述纠纷涉及的事实与理由；为方便、准确梳理要点，相关内容请在下方要素式表格中填写）",
            "{%p for f in facts_text %}", "{{ f }}", "{%p endfor %}"])
    s.tag("{%tr for l in loans %}")
    s.row("1. 合同签订情况（名称、编号、签订时间、地点等）", ["{{ l.contract }}"])
    s.row("2. 合同主体", ["{{ l.tag }}贷款人：{{ l.lender }}", "借款人：{{ l.borrowers }}"])
    s.row("3. 借款金额", ["{{ l.tag }}约定：{{ l.agreed }}", "实际发放：{{ l.disbursed }}"])
    s.row("4. 借款期限", ["{{ l.tag }}是否到期：是{{ l.matured }}　否{{ l.not_matured }}", "约定期限：{{ l.term }}"])
    s.row("5. 借款利率", ["{%p if l.tag %}", "{{ l.tag }}", "{%p endif %}",
                         "{%p for r in l.rates %}", "{{ r }}", "{%p endfor %}"])
    s.row("6. 借款提供时间", ["{%p if l.tag %}", "{{ l.tag }}", "{%p endif %}",
                           "{%p for d in l.draws %}", "{{ d }}。", "{%p endfor %}"])
    s.row("7. 还款方式", [
        "{{ l.tag }}等额本息{{ l.method.equal_instalments }}　等额本金{{ l.method.equal_principal }}",
        "到期一次性还本付息{{ l.method.bullet }}", "按月计息、到期一次性还本{{ l.method.monthly_interest }}",
        "按季计息、到期一次性还本{{ l.method.quarterly_interest }}",
        "按年计息、到期一次性还本{{ l.method.yearly_interest }}", "其他{{ l.method.other }}"])
    s.row("8. 还款情况", ["{{ l.tag }}已还本金：{{ l.repaid_principal }}",
                        "已还利息：{{ l.repaid_interest }}，还息至{{ l.interest_paid_to }}"])
    s.row("9. 是否存在逾期还款", ["{{ l.tag }}是{{ l.overdue }}　逾期时间：{{ l.overdue_text }}", "否{{ l.not_overdue }}"])
    s.tag("{%tr endfor %}")
    s.tag("{%tr for c in collateral %}")
    s.row("10. 是否签订物的担保（抵押、质押）合同", ["是{{ c.signed }}　签订时间：{{ c.signed_on }}", "否{{ c.not_signed }}"])
    s.row("11. 担保人、担保物", ["担保人：{{ c.provider }}", "担保物：{{ c.collateral }}"])
    s.row("12. 是否最高额担保（抵押、质押）", ["是{{ c.maximum }}　否{{ c.not_maximum }}",
                                      "担保债权的确定时间：{{ c.fixed_on }}", "担保额度：{{ c.limit }}"])
    s.row("13. 是否办理抵押、质押登记", [
        "是{{ c.registered }}　正式登记{{ c.formal }}　预告登记{{ c.advance }}{{ c.registration }}",
        "否{{ c.not_registered }}"])
    s.tag("{%tr endfor %}")
    s.tag("{%tr for g in guarantees %}")
    s.row("14. 是否签订保证合同 / 保函", ["是{{ g.signed }}　签订时间：{{ g.signed_on }}　　保证人：{{ g.guarantor }}",
                                   "主要内容：{{ g.summary }}", "否{{ g.not_signed }}"])
    s.row("15. 保证方式", ["一般保证{{ g.general }}", "连带责任保证{{ g.joint }}{{ g.note }}"])
    s.tag("{%tr endfor %}")
    s.row("16. 其他担保方式", ["是{{ other_security.yes }}　形式：　　　　签订时间：", "否{{ other_security.no }}"])
    s.row("17. 请求承担责任的依据", ["合同约定：{{ basis.contracts }}", "法律规定：{{ basis.laws }}"])
    s.row("18. 其他需要说明的内容（可另附页）", ["{%p for x in other_facts %}", "{{ x }}", "{%p endfor %}"])
    s.row("19. 证据清单（可另附页）", ["{{ evidence }}"])
    s.end()

    s = Section(doc, "对纠纷解决方式的意愿")
    s.row("是否了解调解作为非诉讼纠纷解决方式，能及时、高效、低成本、不伤和气地解决纠纷", [f"了解{BOX}　不了解{BOX}"])
    for i, text in enumerate(MEDIATION_BENEFITS):
        s.row("是否了解先行调解解决纠纷的好处", [text, f"了解{BOX}　不了解{BOX}"],
              merge_label="restart" if i == 0 else "continue")
    s.row("是否考虑先行调解", [f"是{BOX}", f"否{BOX}", f"暂不确定，想要了解更多内容{BOX}"])
    s.keep_with_next()
    s.end()

    _signature(doc, "具状人（签字、盖章）：{{ signer }}")
    doc.save(OUT / "complaint_element.docx")


def _signature(doc, who: str) -> None:
    doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the gap after the last table
    first = _line(doc, who, size=12)
    first.paragraph_format.space_before = Pt(12)
    first.paragraph_format.keep_with_next = True
    first.paragraph_format.left_indent = Cm(6.5)
    last = _line(doc, "日期：{{ date }}", size=12)
    last.paragraph_format.left_indent = Cm(6.5)
    for p in (first, last):
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        p.paragraph_format.line_spacing = Pt(24)


def enforcement_element() -> None:
    doc = _form_document("{{ applicant.name }}", "强制执行申请书（申请执行用）")
    _title(doc, "强制执行申请书", "（申请执行用）")
    _notes_box(doc, ENFORCEMENT_NOTES, ENFORCEMENT_WARNING)

    s = Section(doc, "当事人信息")
    s.row(["申请执行人", "（自然人）"], _person_lines("applicant_person", account=True))
    s.row(["申请执行人", "（法人、非法人组织）"], _entity_lines("applicant", listed=False, account=True))
    s.row("委托诉讼代理人", AGENT_LINES)
    _parties(s, "respondents", listed=False)
    s.end()

    k = "document_kind"
    s = Section(doc, "执行依据信息")
    s.row(["文书类型", "（注：1. 行政处罚决定、行政处理决定，需先经人民法院裁定准予执行；",
           "2. 申请执行债权文书的，需一并提交执行证书）"], [
        "民事类：",
        f"判决书{{{{ {k}.civil_judgment }}}}　裁定书{{{{ {k}.civil_ruling }}}}　调解书{{{{ {k}.civil_mediation }}}}"
        f"　制裁决定{{{{ {k}.civil_sanction }}}}　支付令{{{{ {k}.civil_payment_order }}}}",
        "刑事类：",
        f"刑事附带民事判决书{{{{ {k}.criminal_judgment }}}}　刑事附带民事裁定书{{{{ {k}.criminal_ruling }}}}",
        f"刑事附带民事调解书{{{{ {k}.criminal_mediation }}}}",
        "行政类：",
        f"判决书{{{{ {k}.admin_judgment }}}}　裁定书{{{{ {k}.admin_ruling }}}}　调解书{{{{ {k}.admin_mediation }}}}",
        f"行政处罚决定{{{{ {k}.admin_penalty }}}}　行政处理决定{{{{ {k}.admin_decision }}}}",
        "仲裁、公证类：",
        f"裁决书{{{{ {k}.arbitral_award }}}}　调解书{{{{ {k}.arbitral_mediation }}}}"
        f"　财产保全裁定{{{{ {k}.property_preservation }}}}　证据保全裁定{{{{ {k}.evidence_preservation }}}}",
        f"赋予强制执行效力的债权文书{{{{ {k}.notarial }}}}",
        f"其他{{{{ {k}.other }}}}"])
    s.row("执行依据作出机构", ["{{ issuer }}"])
    s.row("案　由", ["{{ cause }}"])
    s.row("文书号", ["{{ case_number }}"])
    s.row("生效日期", ["{{ effective_on }}"])
    s.row("执行依据判项主文", ["{%p for x in operative %}", "{{ x }}", "{%p endfor %}", "{% if not operative %}{% endif %}"])
    s.end()

    s = Section(doc, "申请执行事项")
    s.wide(["（可概括描述申请执行的请求、事实与理由，相关具体内容请在下方要素式表格中填写）", "{{ summary }}",
            "{%p for r in requests %}", "{{ r }}", "{%p endfor %}"])
    s.row("申请执行事项", [
        "金钱给付{{ money.yes }}：", "本金{{ money.principal_box }}：{{ money.principal }}",
        "一般债务利息{{ money.interest_box }}：{{ money.interest }}", "迟延履行利息{{ money.delay_box }}：{{ money.delay }}",
        "其他费用{{ money.costs_box }}：{{ money.costs }}", "行为执行{{ conduct }}", "交付特定物{{ delivery }}",
        "其他{{ other.box }}", "{%p for x in other.lines %}", "{{ x }}", "{%p endfor %}"])
    s.row("是否有诉前 / 诉讼保全", [
        "有{{ preservation.yes }}", "保全案号：{{ preservation.numbers }}",
        "保全措施最早到期时间：{{ preservation.earliest }}", "{%p for m in preservation.measures %}", "{{ m }}",
        "{%p endfor %}", "无{{ preservation.no }}"])
    s.row("其他财产线索", ["{%p for x in leads %}", "{{ x }}", "{%p endfor %}", "{% if not leads %}无{% endif %}"])
    s.keep_with_next()
    s.end()

    _signature(doc, "申请执行人（签字、盖章）：{{ signer }}")
    doc.save(OUT / "enforcement_element.docx")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    complaint_element()
    enforcement_element()


if __name__ == "__main__":
    main()
    print(f"element-style forms written to {OUT}")
