"""Writes the starting templates of the applications after the complaint in templates/:
preservation.docx (财产保全申请书), property_leads.docx (财产线索清单), seizure_renewal.docx
(续行查封（冻结、扣押）申请书) and enforcement.docx (申请执行书, 2016 样式).

Run by scripts/make_templates.py (one command writes every template), or alone:
    .venv/bin/python scripts/make_application_forms.py
Layout as the other templates (A4, GB/T 9704-style margins, 宋体 body, 黑体 headings), with the
section headings as Word heading styles, the body justified with widow control, and table rows
that never split across pages. Variables: templates/catalogue.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_templates import HEI, OUT, _document, _east_asia, _loop, _para, _table  # noqa: E402

BODY = 14  # 四号, as the complaint


def _styles(doc) -> None:
    """Body justified with widow control; Heading 1 (the title, 黑体 二号) and Heading 2 (section
    headings, 黑体 四号) black, with their East Asian font set and kept with the next paragraph."""
    normal = doc.styles["Normal"].paragraph_format
    normal.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.widow_control = True
    for name, size, align, before, after in (("Heading 1", 22, WD_ALIGN_PARAGRAPH.CENTER, 0, 18),
                                              ("Heading 2", BODY, WD_ALIGN_PARAGRAPH.LEFT, 8, 0)):
        style = doc.styles[name]
        rpr = style.element.get_or_add_rPr()
        for old in rpr.findall(qn("w:rFonts")):
            rpr.remove(old)  # drop the theme fonts, which would win over the named ones
        fonts = OxmlElement("w:rFonts")
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attr), "Times New Roman")
        rpr.insert(0, fonts)
        _east_asia(rpr, HEI)
        style.font.size = Pt(size)
        style.font.bold = name == "Heading 1"
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        pf = style.paragraph_format
        pf.alignment = align
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        pf.line_spacing = Pt(40 if name == "Heading 1" else BODY * 1.75)
        pf.keep_with_next = True
        pf.widow_control = True
        pf.first_line_indent = Pt(0)


def _heading(doc, text: str, level: int):
    p = doc.add_paragraph(style=f"Heading {level}")
    p.add_run(text)
    return p


def _if(doc, condition: str, body: str, **kw) -> None:
    """A paragraph printed only when ``condition`` holds."""
    doc.add_paragraph(f"{{%p if {condition} %}}")
    _para(doc, body, **kw)
    doc.add_paragraph("{%p endif %}")


def _parties(doc, *lists: str) -> None:
    """The identity lines, left-aligned (a long number justified would stretch the line)."""
    for name in lists:
        doc.add_paragraph(f"{{%p for line in {name} %}}")
        _para(doc, "{{ line }}", align=WD_ALIGN_PARAGRAPH.LEFT)
        doc.add_paragraph("{%p endfor %}")


def _closing(doc, signer: str = "{{ applicant_role }}：{{ applicant_name }}（盖章）") -> None:
    """此致 the court, the applicant's seal and its representative's signature, the date: kept on
    one page."""
    right = WD_ALIGN_PARAGRAPH.RIGHT
    lines = [
        _para(doc, "此致", indent=True, space_before=12),
        _para(doc, "{{ court }}"),
        _para(doc, signer, align=right, space_before=24),
        _para(doc, "{{ representative_role }}：　　　　　　（签字）", align=right),
        _para(doc, "{{ date_cn }}", align=right),
    ]
    for p in lines[:-1]:
        p.paragraph_format.keep_with_next = True


def _attachments(doc) -> None:
    """附 and its list ("附：" never alone at the foot of a page)."""
    p = _para(doc, "附：", space_before=12)
    p.paragraph_format.keep_with_next = True
    _loop(doc, "a", "attachments", "{{ loop.index }}．{{ a }}")


def _rows_unsplit(table) -> None:
    """Every row of ``table`` kept on one page (w:cantSplit), the repeated rows included."""
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        if trpr.find(qn("w:cantSplit")) is None:
            cant = OxmlElement("w:cantSplit")
            cant.set(qn("w:val"), "true")
            trpr.insert(0, cant)


def _properties(doc, title: str) -> None:
    """Core properties of the template: its title, and the applicant (the bank) as author, filled
    when rendering; render_docx's properties also set the document's date."""
    props = doc.core_properties
    props.title = title
    props.author = "{{ applicant_name }}"
    props.last_modified_by = props.comments = props.subject = props.keywords = ""


def _new(title: str) -> object:
    doc = _document(body_pt=BODY)
    _styles(doc)
    _properties(doc, title)
    return doc


def preservation() -> None:
    doc = _new("财产保全申请书")
    _heading(doc, "{{ title }}", 1)
    _parties(doc, "applicant_lines", "agent_lines", "respondent_lines")
    _heading(doc, "请求事项", 2)
    _para(doc, "{{ request }}", indent=True)
    _loop(doc, "p", "property_lines", "{{ loop.index }}．{{ p }}")
    _if(doc, "request_rest", "{{ request_rest }}", indent=True)
    _heading(doc, "事实和理由", 2)
    _loop(doc, "f", "facts", "{{ f }}")
    _para(doc, "{{ security }}", indent=True)
    _if(doc, "deadline", "{{ deadline }}", indent=True)
    _closing(doc)
    _attachments(doc)
    doc.save(OUT / "preservation.docx")


def property_leads() -> None:
    doc = _document(body_pt=12)
    section = doc.sections[0]  # landscape: the descriptions and identifiers need the width
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.5)
    _styles(doc)
    _properties(doc, "财产线索清单")
    _heading(doc, "财产线索清单", 1)
    _para(doc, "案件：{{ case_title }}", size=12)
    _para(doc, "{{ applicant_role }}：{{ applicant_name }}", size=12)
    p = _para(doc, "{{ respondent_role }}：{{ respondent_names }}", size=12)
    p.paragraph_format.space_after = Pt(8)
    table = _table(doc, ["序号", "财产所有人", "类别", "财产描述", "识别信息（账号、证号、号牌、股权）", "价值（元）"],
                   [1.3, 4.2, 2.2, 8.2, 5.9, 2.9], "r in leads",
                   ["{{ r.number }}", "{{ r.owner }}", "{{ r.kind }}", "{{ r.description }}", "{{ r.identifier }}",
                    "{{ r.value }}"])
    _rows_unsplit(table)
    _para(doc, "以上财产线索系{{ applicant_role }}根据所掌握的情况提供，财产的现状及权属以贵院查询、查控的结果为准。",
          size=12, space_before=8, indent=True)
    _closing(doc, "提供人：{{ applicant_name }}（盖章）")
    for p in doc.paragraphs[-5:]:
        for run in p.runs:
            run.font.size = Pt(12)
    doc.save(OUT / "property_leads.docx")


def seizure_renewal() -> None:
    doc = _new("续行查封（冻结、扣押）申请书")
    _heading(doc, "续行查封（冻结、扣押）申请书", 1)
    _parties(doc, "applicant_lines", "agent_lines", "respondent_lines")
    _loop(doc, "n", "case_numbers", "{{ n }}", indent=False)
    _heading(doc, "请求事项", 2)
    _loop(doc, "r", "requests", "{{ loop.index }}．{{ r }}")
    _heading(doc, "事实和理由", 2)
    _loop(doc, "f", "facts", "{{ f }}")
    _closing(doc)
    _attachments(doc)
    doc.save(OUT / "seizure_renewal.docx")


def enforcement() -> None:
    doc = _new("申请执行书")
    _heading(doc, "申请执行书", 1)
    _parties(doc, "applicant_lines", "agent_lines", "respondent_lines")
    _para(doc, "{{ opening }}", indent=True, space_before=6)
    _heading(doc, "请求事项", 2)
    _loop(doc, "r", "requests", "{{ loop.index }}．{{ r }}")
    _para(doc, "{{ summary }}", indent=True)
    _heading(doc, "被执行人财产线索", 2)
    _loop(doc, "p", "lead_lines", "{{ loop.index }}．{{ p }}")
    _closing(doc)
    _attachments(doc)
    doc.save(OUT / "enforcement.docx")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    preservation()
    property_leads()
    seizure_renewal()
    enforcement()


if __name__ == "__main__":
    main()
    print(f"application templates written to {OUT}")
