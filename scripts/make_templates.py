"""Writes the starting .docx templates in templates/ (A4, GB/T 9704-style margins, Song/Hei).

Legal staff then edit the templates in Word; run this again only to start over from the
defaults:  .venv/bin/python scripts/make_templates.py
Variables each template may use are listed in templates/CATALOGUE.md.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parents[1] / "templates"
SONG, HEI = "宋体", "黑体"


def _east_asia(rpr, font: str) -> None:
    """Set the East Asian font of a run or style's properties (Latin text keeps Times New Roman)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)


def _fonts(run, east_asia: str, size: float | None = None, bold: bool = False) -> None:
    run.font.name = "Times New Roman"
    _east_asia(run._element.get_or_add_rPr(), east_asia)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold


def _document(body_pt: float = 14, page_numbers: bool = True) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(body_pt)
    rpr = style.element.get_or_add_rPr()
    _east_asia(rpr, SONG)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    pf = style.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(body_pt * 1.75)
    if page_numbers:
        _page_number_footer(section)
    return doc


def _page_number_footer(section) -> None:
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run("— ")
    _fonts(run, SONG, 12)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    para._p.append(field)
    run = para.add_run(" —")
    _fonts(run, SONG, 12)


def _para(doc, text: str = "", *, font: str = SONG, size: float | None = None, bold: bool = False,
          align=None, indent: bool = False, space_before: float = 0):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt((size or 14) * 2)
    if space_before:
        p.paragraph_format.space_before = Pt(space_before)
    if text:
        _fonts(p.add_run(text), font, size, bold)
    return p


def _title(doc, text: str, subtitle: str | None = None) -> None:
    p = _para(doc, text, font=HEI, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.line_spacing = Pt(40)
    p.paragraph_format.space_after = Pt(6 if subtitle else 18)
    if subtitle:
        s = _para(doc, subtitle, font=SONG, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
        s.paragraph_format.space_after = Pt(18)


def _loop(doc, var: str, seq: str, body: str, *, indent: bool = True, size: float | None = None) -> None:
    doc.add_paragraph(f"{{%p for {var} in {seq} %}}")
    _para(doc, body, indent=indent, size=size)
    doc.add_paragraph("{%p endfor %}")


def complaint() -> None:
    doc = _document()
    _title(doc, "民事起诉状")
    _loop(doc, "line", "plaintiff_lines", "{{ line }}", indent=False)
    _loop(doc, "line", "agent_lines", "{{ line }}", indent=False)
    _loop(doc, "line", "defendant_lines", "{{ line }}", indent=False)
    _para(doc, "诉讼请求", font=HEI, size=14, space_before=8)
    _loop(doc, "c", "claims", "{{ loop.index }}．{{ c }}")
    _para(doc, "{{ claims_summary }}", indent=True)
    _para(doc, "事实与理由", font=HEI, size=14, space_before=8)
    _loop(doc, "f", "facts", "{{ f }}")
    _para(doc, "证据和证据来源，证人姓名和住所", font=HEI, size=14, space_before=8)
    _para(doc, "{{ evidence_statement }}", indent=True)
    right = WD_ALIGN_PARAGRAPH.RIGHT
    closing = [
        _para(doc, "此致", indent=True, space_before=12),
        _para(doc, "{{ court }}"),
        _para(doc, "具状人：{{ plaintiff.name }}（盖章）", align=right, space_before=24),
        _para(doc, "{{ plaintiff.role }}：　　　　　　（签字）", align=right),
        _para(doc, "{{ filing_date_cn }}", align=right),
    ]
    for p in closing[:-1]:  # the signature block stays on one page with its date
        p.paragraph_format.keep_with_next = True
    _para(doc, "附：", space_before=12)
    _loop(doc, "a", "attachments", "{{ loop.index }}．{{ a }}", indent=True)
    doc.save(OUT / "complaint.docx")


def _cell(cell, text: str, *, bold: bool = False, size: float = 10.5, align=None) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.paragraph_format.line_spacing = Pt(size * 1.5)
    if align is not None:
        p.alignment = align
    _fonts(p.add_run(text), HEI if bold else SONG, size, bold=False)


def _table(doc, headers: list[str], widths_cm: list[float], loop: str, cells: list[str]):
    table = doc.add_table(rows=3, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    centre = WD_ALIGN_PARAGRAPH.CENTER
    for i, h in enumerate(headers):
        _cell(table.rows[0].cells[i], h, bold=True, align=centre)
    _cell(table.rows[1].cells[0], f"{{%tr for {loop} %}}")
    for i, c in enumerate(cells):
        _cell(table.rows[2].cells[i], c, align=centre if len(c) < 24 and "title" not in c and "purpose" not in c and "text" not in c else None)
    row = table.add_row()
    _cell(row.cells[0], "{%tr endfor %}")
    _fix_widths(table, widths_cm)
    # header row repeats on every page
    trpr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    return table


def _fix_widths(table, widths_cm: list[float]) -> None:
    """Fixed layout with explicit grid and cell widths (Word and LibreOffice both honour these)."""
    table.autofit = False
    tbl = table._tbl
    tblpr = tbl.tblPr
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    width.set(qn("w:type"), "dxa")
    for old in tblpr.findall(qn("w:tblW")):
        tblpr.remove(old)
    tblpr.append(width)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    for col, w in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(w * 567)))
    for row in table.rows:
        for i, w in enumerate(widths_cm):
            row.cells[i].width = Cm(w)


def _index_table(doc) -> None:
    _table(
        doc,
        ["序号", "证据名称", "证据来源", "证明目的", "原件/复印件", "页码"],
        [1.2, 3.8, 2.1, 4.4, 2.4, 1.7],
        "e in exhibits",
        ["{{ e.number }}", "{{ e.title }}", "{{ e.source }}", "{{ e.purpose }}", "{{ e.original }}", "{{ e.pages }}"],
    )


def _index_head(doc, title: str) -> None:
    # no page number in the footer: 证据材料.pdf stamps a continuous number on every page
    _title(doc, title)
    _para(doc, "案由：{{ cause }}", size=12)
    _para(doc, "原告：{{ plaintiff_name }}", size=12)
    _para(doc, "被告：{{ defendant_names }}", size=12)
    p = _para(doc, "提交人：{{ plaintiff_name }}　　提交日期：{{ filing_date_cn }}", size=12)
    p.paragraph_format.space_after = Pt(8)


def _index_signature(doc) -> None:
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, "提交人：{{ plaintiff_name }}（盖章）", size=12, align=right, space_before=18)
    _para(doc, "{{ filing_date_cn }}", size=12, align=right)


def evidence_index() -> None:
    doc = _document(body_pt=12, page_numbers=False)
    _index_head(doc, "证据目录")
    _index_table(doc)
    _para(doc, "以上证据共{{ exhibit_count }}项，证据材料连续编页，共{{ total_pages }}页（含本目录{{ index_pages }}页）。"
          "{{ volumes }}", size=12, space_before=8)
    _index_signature(doc)
    doc.save(OUT / "evidence_index.docx")


def supplementary_index() -> None:
    # evidence added after the bundle was filed: numbers and pages continue from it
    doc = _document(body_pt=12, page_numbers=False)
    _index_head(doc, "补充证据目录")
    p = _para(doc, "本目录接续{{ filed_date_cn }}提交的证据材料：证据序号自{{ first_number }}起，页码自{{ first_page }}起。",
              size=12)
    p.paragraph_format.space_after = Pt(8)
    _index_table(doc)
    _para(doc, "以上补充证据共{{ exhibit_count }}项（证据{{ first_number }}{% if last_number != first_number %}至证据{{ last_number }}{% endif %}），"
          "补充证据材料（{{ supplement }}）接续编页，第{{ first_page }}页至第{{ last_page }}页，共{{ total_pages }}页"
          "（含本目录{{ index_pages }}页）。{{ volumes }}", size=12, space_before=8)
    _index_signature(doc)
    doc.save(OUT / "supplementary_index.docx")


def fee_sheet() -> None:
    doc = _document(body_pt=12)
    _title(doc, "诉讼费用计算表", "{{ fee_name }}")
    _para(doc, "案件：{{ case_title }}", size=12)
    _para(doc, "受诉法院：{{ court }}", size=12)
    p = _para(doc, "标的额暂计至：{{ as_of_cn }}　　审理程序：{{ procedure }}", size=12)
    p.paragraph_format.space_after = Pt(8)
    _para(doc, "一、诉讼标的额", font=HEI, size=12)
    _table(doc, ["项目", "金额（元）"], [8.0, 6.0], "r in base_rows", ["{{ r.name }}", "{{ r.amount }}"])
    _para(doc, "合计：{{ base_total }}元（{{ base_total_capitals }}）", size=12, space_before=4)
    _para(doc, "二、计算过程", font=HEI, size=12, space_before=10)
    _table(doc, ["步骤", "计算", "依据"], [1.3, 8.9, 6.2], "s in steps", ["{{ s.number }}", "{{ s.text }}", "{{ s.rule }}"])
    _para(doc, "三、应预交案件受理费：{{ fee }}元（{{ fee_capitals }}）", font=HEI, size=12, space_before=10)
    _para(doc, "{{ note }}", size=10.5, space_before=6)
    doc.save(OUT / "fee_sheet.docx")


def _heading(doc, text: str, **kw):
    """A section heading kept on the page of what follows it."""
    p = _para(doc, text, **kw)
    p.paragraph_format.keep_with_next = True
    return p


def statement() -> None:
    doc = _document(body_pt=10.5)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(2.0)
    _title(doc, "欠款明细表", "{{ case_title }}")
    _para(doc, "借款人：{{ borrowers }}　　暂计至：{{ as_of_cn }}　　计算依据：{{ basis }}", size=10.5)
    _heading(doc, "一、欠款汇总", font=HEI, size=12, space_before=6)
    _table(doc, ["项目", "金额（{{ unit }}）", "大写"], [5.0, 5.0, 15.7], "r in totals",
           ["{{ r.name }}", "{{ r.amount }}", "{{ r.capitals }}"])
    _heading(doc, "二、持续计收", font=HEI, size=12, space_before=8)
    _loop(doc, "c", "continuing", "{{ c }}", size=10.5)
    _heading(doc, "三、计息明细（起算日不计入，截止日计入；日利率＝年利率÷{{ day_basis }}）", font=HEI, size=12, space_before=8)
    _table(doc, ["序号", "类别", "借据", "计息基数（{{ unit }}）", "起算日", "截止日", "天数", "年利率", "金额（{{ unit }}）", "依据"],
           [1.3, 1.3, 2.2, 2.9, 2.3, 2.3, 1.2, 1.7, 2.6, 7.9], "l in lines",
           ["{{ l.number }}", "{{ l.kind }}", "{{ l.draw }}", "{{ l.base }}", "{{ l.start }}", "{{ l.end }}",
            "{{ l.days }}", "{{ l.rate }}", "{{ l.amount }}", "{{ l.rule }}"])
    _heading(doc, "四、还款及抵充", font=HEI, size=12, space_before=8)
    _table(doc, ["还款日", "合同", "还款金额（{{ unit }}）", "抵充情况", "依据"], [2.6, 2.6, 3.2, 9.6, 7.7], "a in allocations",
           ["{{ a.date }}", "{{ a.loan }}", "{{ a.amount }}", "{{ a.parts }}", "{{ a.rule }}"])
    _heading(doc, "五、核对与提示", font=HEI, size=12, space_before=8)
    _loop(doc, "n", "notes", "{{ n }}", size=10.5)
    doc.save(OUT / "statement.docx")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    complaint()
    evidence_index()
    supplementary_index()
    fee_sheet()
    statement()
    import make_application_forms  # preservation, property leads, seizure renewal, enforcement

    make_application_forms.main()
    import make_paper_forms  # the notices and authority papers, from this file's helpers

    make_paper_forms.main()
    import make_element_forms  # the courts' element-style complaint and enforcement forms (法〔2025〕82号)

    make_element_forms.main()
    import make_writeoff_forms  # the write-off dossier: 申报审批表, 调查报告, 追索记录, 核销证据目录

    make_writeoff_forms.main()
    print(f"templates written to {OUT}")
