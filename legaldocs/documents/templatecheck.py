"""Checking Word templates before they are used (模板检查).

:func:`check_template` reads a .docx template as the renderer will (docxtpl: the text of a
paragraph's runs joined, ``{%p``/``{%tr``/``{%tc`` tags replacing their whole paragraph, table row
or cell) and lists what would stop a document or spoil it, each with the template, the place
(正文第12段, 第2个表格第3行第1列, 页眉第1段 …; a .docx has no pages before it is laid out) and the
text around it:

- errors (``error``): Jinja syntax errors; full-width braces or percent signs (｛ ｝ ％) forming a
  tag, full-width punctuation inside a tag; a tag begun in one paragraph and ended in another
  (the renderer would merge the paragraphs); tracked changes (修订) left in the file (deleted
  text is still rendered); a variable, field, filter or test the catalogue
  (``templates/catalogue.toml``) does not declare for that template, with the nearest name;
  the ``safe`` filter (data printed with it could break the document); ``{%p``/``{%tr`` blocks
  left open, closed twice, closed with another kind or in another table; ``{%tr`` outside a table
  row; text sharing a paragraph with ``{%p`` or a row with ``{%tr`` (the renderer drops it);
  stray braces;
- notes (``note``): what the renderer mends today but a clerk should still fix: a tag whose parts
  carry different formatting (the filled value takes the formatting of the part holding ``{{``),
  curly quotes typed inside a tag (read as straight quotes).

What docxtpl 0.20 mends by itself, and so is not an error: a tag split over several runs of
one paragraph (formatting changed, spell-check marks, bookmarks, hyperlinks in between); curly
quotes inside a tag.
"""

from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal
from xml.etree import ElementTree

from legaldocs.documents.catalogue import Catalogue, TemplateEntry, Variable
from legaldocs.documents.render import make_environment, template_variables
from legaldocs.errors import TemplateError

Severity = Literal["error", "note"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TRACKED = {f"{_W}{t}" for t in ("ins", "del", "moveFrom", "moveTo")}
# run properties that do not change how text looks
# elements that only wrap paragraphs, tables, rows or cells
_WRAPPERS = {f"{_W}{t}" for t in ("body", "hdr", "ftr", "footnotes", "footnote", "sdt", "sdtContent", "customXml",
                                   "ins", "del", "moveFrom", "moveTo")}
_NEUTRAL_RPR = {f"{_W}{t}" for t in ("lang", "noProof", "webHidden", "specVanish", "kern")}
_PARTS = (
    (re.compile(r"word/document\.xml"), "正文"),
    (re.compile(r"word/header\d*\.xml"), "页眉"),
    (re.compile(r"word/footer\d*\.xml"), "页脚"),
    (re.compile(r"word/footnotes\.xml"), "脚注"),
)
NOT_DOCX = (".doc", ".dot", ".dotx", ".docm", ".dotm", ".wps", ".rtf", ".odt")

_TAG_START = re.compile(r"\{[{%#]")
_CLOSE = {"{{": "}}", "{%": "%}", "{#": "#}"}
_LEVEL = re.compile(r"^(p|tr|tc|r) ")
_CURLY = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_STRINGS = re.compile(r"\"[^\"]*\"|'[^']*'")
# full-width or Chinese punctuation that an input method types in place of ASCII
_WIDE = re.compile(r"[\uff01-\uff5e\u3000\u3001\u3002\u300c-\u300f\u3010\u3011]")
_WIDE_DELIMITER = re.compile(r"[{｛][{｛%％]|[}｝%％][}｝]")
_OPENERS = {"for", "if", "with", "macro", "call", "filter", "autoescape", "block", "raw"}
_MIDDLES = {"else": {"if", "for"}, "elif": {"if"}}
_DOCXTPL_TAGS = {"colspan", "cellbg", "vm", "hm"}
_SEQUENCE_FILTERS = {"sort", "reverse", "selectattr", "rejectattr", "select", "reject", "list", "unique"}
_UNSAFE_FILTERS = {"safe"}


@dataclass(frozen=True)
class Finding:
    """One problem of one template: ``place`` in Chinese (e.g. 第12段, 第2个表格第3行第1列,
    页眉第1段), ``paragraph`` (number of the paragraph in its part, None for the whole file),
    ``snippet`` (the text around it), ``message`` (Chinese) and ``severity`` (error or note)."""

    template: str
    place: str
    message: str
    snippet: str = ""
    severity: Severity = "error"
    paragraph: int | None = None

    def line(self) -> str:
        """``complaint.docx 第12段：变量 plantiff 不在模板目录中（是否为 plaintiff？）``"""
        where = f"{self.template} {self.place}" if self.place else self.template
        tag = "" if self.severity == "error" else "［提示］"
        return f"{where}：{tag}{self.message}"

    def as_dict(self) -> dict:
        return {"field": f"{self.template} {self.place}".strip(), "template": self.template, "place": self.place,
                "paragraph": self.paragraph, "snippet": self.snippet, "message": self.message,
                "severity": self.severity}


@dataclass(frozen=True)
class TemplateReport:
    """What :func:`check_template` found in one template: ``findings`` in document order,
    ``variables`` (top-level names the template uses) and ``fields`` (fields it uses, as
    ``plaintiff.name`` for a record and ``exhibits[].title`` for rows)."""

    template: str
    findings: tuple[Finding, ...]
    variables: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


@dataclass
class _Para:
    """One paragraph as the renderer reads it: the text of its runs joined, and each run's span
    and formatting."""

    part: str
    number: int  # top-level paragraph number in its part (for a cell or text box: the last one before it)
    cells: tuple[tuple[int, int, int], ...]  # (table, row, column), from the outermost table inwards
    cell_paragraph: int  # paragraph number inside its cell
    textbox: bool
    text: str = ""
    runs: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, formatting
    tracked: bool = False
    row_key: tuple | None = None
    cell_key: tuple | None = None
    table_key: tuple | None = None
    container: tuple = ()

    def place(self) -> str:
        prefix = "" if self.part == "正文" else self.part
        if not self.cells:
            where = f"{prefix}第{self.number}段"
        else:
            t, r, c = self.cells[0]
            where = f"{prefix}第{t}个表格第{r}行第{c}列"
            for t, r, c in self.cells[1:]:
                where += f"内第{t}个表格第{r}行第{c}列"
            if self.cell_paragraph > 1:
                where += f"第{self.cell_paragraph}段"
        return where + ("（文本框）" if self.textbox else "")


@dataclass(frozen=True)
class _Tag:
    start: int
    end: int
    delim: str  # "{{", "{%", "{#"
    level: str  # "", "p", "tr", "tc", "r"
    body: str  # the inside, without the level and whitespace control, curly quotes made straight

    @property
    def word(self) -> str:
        return self.body.split(None, 1)[0] if self.body.strip() else ""

    def plain(self) -> str:
        """The tag as Jinja reads it after the renderer's pre-processing."""
        if self.delim == "{%" and self.word in ("colspan", "cellbg"):
            return "{{ " + self.body.split(None, 1)[1] + " }}" if len(self.body.split(None, 1)) > 1 else ""
        if self.delim == "{%" and self.word in ("vm", "hm"):
            return ""
        if self.delim == "{#":
            return ""
        return f"{self.delim} {self.body} {_CLOSE[self.delim]}"

    def shown(self) -> str:
        return f"{self.delim}{self.level} {self.body} {_CLOSE[self.delim]}" if self.level else self.plain() or self.delim


# ---------------------------------------------------------------------------------------------
# reading the .docx


def _signature(rpr: ElementTree.Element | None) -> str:
    if rpr is None:
        return ""
    children = sorted(ElementTree.tostring(c, encoding="unicode") for c in rpr if c.tag not in _NEUTRAL_RPR)
    return "".join(children)


class _Reader:
    def __init__(self, part: str):
        self.part = part
        self.paragraphs: list[_Para] = []
        self.top = 0
        self.tables: dict[tuple, int] = {}  # tables counted per container

    def read(self, root: ElementTree.Element) -> list[_Para]:
        self._container(root, cells=(), container=(self.part,), textbox=False, top=True)
        return self.paragraphs

    def _container(self, elem, *, cells, container, textbox, top) -> None:
        """Paragraphs and tables inside ``elem`` (body, cell, text box, header), in order."""
        in_cell = 0
        for child in self._children(elem):
            if child.tag == f"{_W}p":
                if top:
                    self.top += 1
                in_cell += 1
                self._paragraph(child, cells=cells, cell_paragraph=in_cell, container=container, textbox=textbox)
            elif child.tag == f"{_W}tbl":
                self.tables[container] = self.tables.get(container, 0) + 1
                self._table(child, self.tables[container], cells=cells, container=container, textbox=textbox)
            elif child.tag in _WRAPPERS:
                self._container(child, cells=cells, container=container, textbox=textbox, top=top)

    @staticmethod
    def _children(elem) -> Iterator[ElementTree.Element]:
        for child in elem:
            if child.tag == _MC_FALLBACK:
                continue
            yield child

    def _table(self, tbl, number: int, *, cells, container, textbox) -> None:
        table_key = (*container, "table", number)
        for r, tr in enumerate(self._rows(tbl), start=1):
            for c, tc in enumerate(self._cells(tr), start=1):
                first = len(self.paragraphs)
                self._container(tc, cells=(*cells, (number, r, c)), container=(*table_key, r, c), textbox=textbox,
                                top=False)
                for p in self.paragraphs[first:]:
                    if p.row_key is None:  # the innermost table's row and cell
                        p.row_key, p.cell_key, p.table_key = (*table_key, r), (*table_key, r, c), table_key

    def _rows(self, tbl):
        for child in self._children(tbl):
            if child.tag == f"{_W}tr":
                yield child
            elif child.tag in _WRAPPERS:
                yield from self._rows(child)

    def _cells(self, tr):
        for child in self._children(tr):
            if child.tag == f"{_W}tc":
                yield child
            elif child.tag in _WRAPPERS:
                yield from self._cells(child)

    def _paragraph(self, p, *, cells, cell_paragraph, container, textbox) -> None:
        para = _Para(self.part, self.top, cells, cell_paragraph, textbox, container=container)
        self.paragraphs.append(para)
        nested: list[ElementTree.Element] = []
        pieces: list[str] = []

        def walk(elem, rpr) -> None:
            for child in self._children(elem):
                tag = child.tag
                if tag in _TRACKED:
                    para.tracked = True
                if tag == f"{_W}txbxContent":
                    nested.append(child)
                    continue
                if tag == f"{_W}r":
                    walk(child, child.find(f"{_W}rPr"))
                elif tag == f"{_W}t":
                    text = child.text or ""
                    start = sum(len(x) for x in pieces)
                    pieces.append(text)
                    para.runs.append((start, start + len(text), _signature(rpr)))
                elif tag == f"{_W}delText":
                    para.tracked = True
                elif tag not in (f"{_W}rPr", f"{_W}pPr"):
                    walk(child, rpr)

        walk(p, None)
        para.text = "".join(pieces)
        for box in nested:
            self._container(box, cells=cells, container=(*container, "textbox", para.number, len(self.paragraphs)),
                            textbox=True, top=False)


def _parts(path: Path) -> list[tuple[str, list[_Para]]]:
    """The parts the renderer fills (body, headers, footers, footnotes), each as paragraphs.
    Raises TemplateError when the file is not a Word document."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if "word/document.xml" not in names:
                raise TemplateError(f"{path.name}：不是 Word 文档（.docx）")
            found = []
            for pattern, label in _PARTS:
                for name in sorted(n for n in names if pattern.fullmatch(n)):
                    root = ElementTree.fromstring(z.read(name))
                    found.append((label, _Reader(label).read(root)))
            return found
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError, KeyError) as exc:
        raise TemplateError(f"{path.name}：无法作为 Word 文档（.docx）打开：{exc}") from exc


# ---------------------------------------------------------------------------------------------
# tags of a paragraph


def _snippet(text: str, start: int = 0, end: int | None = None, width: int = 24) -> str:
    end = len(text) if end is None else end
    a = max(0, start - width)
    b = min(len(text), end + width)
    return ("…" if a > 0 else "") + text[a:b] + ("…" if b < len(text) else "")


class _Checker:
    def __init__(self, template: str, entry: TemplateEntry | None, catalogue: Catalogue):
        self.template = template
        self.entry = entry
        self.catalogue = catalogue
        self.env = make_environment()
        self.findings: list[Finding] = []
        self.variables: set[str] = set()
        self.fields: set[str] = set()
        self.unclosed: str | None = None

    def add(self, para: _Para | None, message: str, snippet: str = "", severity: Severity = "error") -> None:
        if para is None:
            self.findings.append(Finding(self.template, "", message, snippet, severity))
        else:
            self.findings.append(Finding(self.template, para.place(), message, snippet, severity,
                                         None if para.cells or para.part != "正文" else para.number))

    # -- tags ---------------------------------------------------------------------------------

    def tags(self, para: _Para, continued: str | None = None) -> tuple[list[_Tag], bool]:
        """The tags of a paragraph, reporting unclosed tags, stray braces and full-width forms;
        the flag says whether the paragraph is well formed enough to be parsed. ``continued``:
        the tag opening left unclosed at the end of the paragraph before (its end here is not
        reported again); :attr:`unclosed` is set to the opening left unclosed by this one."""
        text = para.text
        ok = True
        self.unclosed = None
        wide = [m for m in _WIDE_DELIMITER.finditer(text) if any(ch in "｛｝％" for ch in m.group())]
        if wide:
            shown = "、".join(dict.fromkeys(m.group() for m in wide))
            self.add(para, f"全角符号「{shown}」：占位符须用半角 {{{{ }}}} 或 {{% %}}（切换为英文输入法后重新输入）",
                     _snippet(text, wide[0].start(), wide[-1].end()))
            ok = False
        found: list[_Tag] = []
        pos = 0
        if continued is not None and _CLOSE[continued] in text:
            pos = text.index(_CLOSE[continued]) + 2
        while True:
            m = _TAG_START.search(text, pos)
            if not wide:
                self._stray(para, text, pos, m.start() if m else len(text))
            if not m:
                break
            delim = m.group()
            close = text.find(_CLOSE[delim], m.end())
            if close < 0:
                self.unclosed = delim
                if wide:
                    return found, False
                self.add(para, f"「{delim}」没有对应的「{_CLOSE[delim]}」：占位符须在同一段内写完整"
                               "（标签被拆到两段时，文书中这两段会被合并）",
                         _snippet(text, m.start(), m.start() + 12))
                return found, False
            inside = text[m.end():close]
            level_m = _LEVEL.match(inside) if delim != "{#" else None
            level = level_m.group(1) if level_m else ""
            body = inside[level_m.end():] if level_m else inside
            body = body.strip()
            if delim == "{%":
                body = body.strip("-+").strip()
            tag = _Tag(m.start(), close + 2, delim, level, body.translate(_CURLY))
            found.append(tag)
            ok = self._tag_text(para, tag, body) and ok
            pos = close + 2
        return found, ok

    def _stray(self, para: _Para, text: str, a: int, b: int) -> None:
        chunk = text[a:b]
        for m in re.finditer(r"\}\}|%\}|#\}|[{}]", chunk):
            what = m.group()
            hint = "前面缺少对应的开头" if len(what) == 2 else "占位符应写成 {{ 变量 }}（两个花括号）"
            self.add(para, f"多余的「{what}」：{hint}", _snippet(text, a + m.start(), a + m.end()))

    def _tag_text(self, para: _Para, tag: _Tag, raw_body: str) -> bool:
        text = para.text
        where = _snippet(text, tag.start, tag.end)
        outside_strings = _STRINGS.sub("", raw_body.translate(_CURLY))
        wide = sorted(set(_WIDE.findall(outside_strings)))
        if wide:
            self.add(para, f"标签 {tag.shown()} 中有全角字符「{''.join(wide)}」：标签内须用半角字符（英文输入法）", where)
            return False
        if any(q in raw_body for q in "“”‘’"):
            self.add(para, f"标签 {tag.shown()} 中有弯引号（“ ” ‘ ’）：本工具按直引号处理；请在 Word 中关闭"
                           "「键入时自动套用格式：直引号替换为弯引号」后重新输入", where, "note")
        signatures = {sig for a, b, sig in para.runs if a < tag.end and b > tag.start
                      and text[max(a, tag.start):min(b, tag.end)].strip()}
        if len(signatures) > 1:
            self.add(para, f"标签 {tag.shown()} 的各部分格式不同：文书中只沿用「{tag.delim}」所在部分的格式；"
                           "请选中整个标签统一设置格式", where, "note")
        return True

    # -- the source Jinja reads -------------------------------------------------------------------

    def source(self, paras: list[_Para]) -> tuple[list[str], list[tuple[_Para, _Tag]], list[tuple[_Para, _Tag]], bool]:
        """One line per paragraph as the renderer rewrites it, the block tags left after that
        rewriting and every tag, each with its paragraph, and whether every paragraph was well
        formed."""
        parsed = []
        every: list[tuple[_Para, _Tag]] = []
        ok = True
        continued = None
        for para in paras:
            tags, good = self.tags(para, continued)
            continued = self.unclosed
            ok = ok and good
            parsed.append(tags)
            every += [(para, t) for t in tags]
        tracked = [para for para in paras if para.tracked]
        if tracked:
            more = f"（共{len(tracked)}段有修订）" if len(tracked) > 1 else ""
            self.add(tracked[0], f"有未处理的修订{more}：修订模式下删除的文字仍保存在文件中，仍会被当作模板内容。"
                                 "请在 Word 中「审阅 → 接受所有修订」，关闭修订后保存", _snippet(tracked[0].text, 0, 0, 30))
        lines = [""] * len(paras)
        done: set[int] = set()
        # a {%tr …%} replaces its whole row, {%tc …%} its cell, {%p …%} its paragraph (docxtpl)
        for level, key in (("tr", "row_key"), ("tc", "cell_key")):
            groups: dict[tuple, list[int]] = {}
            for i, para in enumerate(paras):
                if getattr(para, key) is not None and i not in done:
                    groups.setdefault(getattr(para, key), []).append(i)
            for members in groups.values():
                holder = next((i for i in members for t in parsed[i] if t.level == level), None)
                if holder is None:
                    continue
                tag = next(t for t in parsed[holder] if t.level == level)
                lines[holder] = tag.plain()
                rest = [paras[i].text for i in members if i != holder] + [
                    paras[holder].text[:tag.start] + paras[holder].text[tag.end:]]
                rest = [r.strip() for r in rest if r.strip()]
                if rest:
                    unit = "表格行" if level == "tr" else "单元格"
                    self.add(paras[holder], f"{tag.shown()} 所在的整个{unit}会被替换，其中的其他内容「{_snippet(rest[0], 0, 0, 12)}」"
                                            f"不会出现在文书中：请把 {tag.shown()} 单独放在一{('行' if level == 'tr' else '格')}",
                             _snippet(paras[holder].text, tag.start, tag.end))
                done.update(members)
                parsed[holder] = [tag]
                for i in members:
                    if i != holder:
                        parsed[i] = []
        for i, para in enumerate(paras):
            if i in done:
                continue
            tags = parsed[i]
            for t in tags:
                if t.level == "tr" and para.row_key is None:
                    self.add(para, f"{t.shown()} 只能放在表格行中（重复表格行用 {{%tr for … %}}；重复段落用 {{%p for … %}}）",
                             _snippet(para.text, t.start, t.end))
                elif t.level == "tc" and para.cell_key is None:
                    self.add(para, f"{t.shown()} 只能放在表格单元格中", _snippet(para.text, t.start, t.end))
            ptag = next((t for t in tags if t.level in ("p", "tr", "tc")), None)
            if ptag is not None and ptag.level == "p":
                rest = (para.text[:ptag.start] + para.text[ptag.end:]).strip()
                if rest:
                    self.add(para, f"{ptag.shown()} 所在的整段会被替换，同段的其他内容「{_snippet(rest, 0, 0, 12)}」不会出现在文书中："
                                   f"请把 {ptag.shown()} 单独放在一段", _snippet(para.text, ptag.start, ptag.end))
                lines[i] = ptag.plain()
                parsed[i] = [ptag]
                continue
            out, pos = [], 0
            for t in tags:
                out.append(para.text[pos:t.start].replace("{", " ").replace("}", " "))
                out.append(t.plain())
                pos = t.end
            out.append(para.text[pos:].replace("{", " ").replace("}", " "))
            lines[i] = "".join(out)
        blocks = [(paras[i], t) for i, tags in enumerate(parsed) for t in tags if t.delim == "{%"]
        return lines, blocks, every, ok

    # -- syntax of each tag and the blocks --------------------------------------------------------

    def _parse(self, text: str) -> tuple[Any, Exception | None]:
        try:
            return self.env.parse(text), None
        except Exception as exc:  # Jinja's TemplateSyntaxError; render.py owns the Jinja import
            if not hasattr(exc, "lineno"):
                raise
            return None, exc

    def tag_syntax(self, para: _Para, tag: _Tag) -> bool:
        word = tag.word
        if tag.delim == "{#" or _WIDE.search(_STRINGS.sub("", tag.body)):  # full-width: reported already
            return True if tag.delim == "{#" else False
        if tag.delim == "{{":
            probe = tag.plain()
        elif word in _DOCXTPL_TAGS:
            return True
        elif not word:
            self.add(para, f"空的标签 {tag.delim} {_CLOSE[tag.delim]}", _snippet(para.text, tag.start, tag.end))
            return False
        elif word.startswith("end"):
            if tag.body != word:
                self.add(para, f"{tag.shown()}：「{word}」后不应再有其他内容", _snippet(para.text, tag.start, tag.end))
                return False
            if word[3:] not in _OPENERS and word[3:] not in ("set",):
                return self._unknown_tag(para, tag)
            return True
        elif word in _MIDDLES:
            probe = "{% if 1 %}" + tag.plain() + "{% endif %}" if word == "elif" else None
            if probe is None:
                if tag.body != "else":
                    self.add(para, f"{tag.shown()}：「else」后不应再有其他内容", _snippet(para.text, tag.start, tag.end))
                    return False
                return True
        elif word == "set":
            probe = tag.plain() + ("" if "=" in tag.body else "{% endset %}")
        elif word in _OPENERS:
            probe = tag.plain() + "{% end" + word + " %}"
        else:
            return self._unknown_tag(para, tag)
        _, exc = self._parse(probe)
        if exc is not None:
            self.add(para, f"标签 {tag.shown()} 写法有误：{_explain(exc)}", _snippet(para.text, tag.start, tag.end))
            return False
        return True

    def _unknown_tag(self, para: _Para, tag: _Tag) -> bool:
        word = tag.word
        if word in ("p", "tr", "tc", "r"):
            hint = f"「%」与「{word}」之间不能有空格，应写成 {{%{word} {tag.body[len(word):].strip()} %}}"
        else:
            near = difflib.get_close_matches(word, [*_OPENERS, "set", "else", "elif", *(f"end{w}" for w in _OPENERS)], 1, 0.6)
            hint = f"是否为 {near[0]}？" if near else "可用的有 for、if、elif、else、set 及对应的 end…"
        self.add(para, f"未知或不能使用的标签「{word}」（{tag.shown()}）：{hint}", _snippet(para.text, tag.start, tag.end))
        return False

    def blocks(self, blocks: list[tuple[_Para, _Tag]]) -> bool:
        """Every block opened and closed once, with the same kind ({%p, {%tr, {% …) and in the
        same paragraph (plain), the same container (p), the same table (tr) or row (tc)."""
        ok = True
        stack: list[tuple[_Para, _Tag]] = []

        def container(para: _Para, level: str):
            return {"": id(para), "p": para.container, "tr": para.table_key, "tc": para.row_key, "r": id(para)}[level]

        def show(tag: _Tag) -> str:
            return tag.shown() if tag.start != tag.end else "{%" + tag.level + " " + tag.word + " … %}"

        for para, tag in blocks:
            word = tag.word
            if word in _DOCXTPL_TAGS or (word == "set" and "=" in tag.body):
                continue
            where = _snippet(para.text, tag.start, tag.end)
            if word in _OPENERS or word == "set":
                stack.append((para, tag))
            elif word in _MIDDLES:
                if not stack or stack[-1][1].word not in _MIDDLES[word]:
                    self.add(para, f"{tag.shown()} 前面没有对应的 {{% if … %}}", where)
                    ok = False
                elif not self._same(stack[-1], (para, tag), container):
                    ok = False
            elif word.startswith("end"):
                name = word[3:]
                if not stack:
                    self.add(para, f"多余的 {tag.shown()}：前面没有对应的 {show(_Tag(0, 0, '{%', tag.level, name))}", where)
                    ok = False
                    continue
                if stack[-1][1].word != name:
                    depth = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][1].word == name), None)
                    if depth is None:
                        self.add(para, f"多余的 {tag.shown()}：前面没有对应的 {show(_Tag(0, 0, '{%', tag.level, name))}", where)
                        ok = False
                        continue
                    while len(stack) - 1 > depth:
                        op, ot = stack.pop()
                        self.add(op, f"{show(ot)} 没有对应的 {{%{ot.level} end{ot.word} %}}（在{para.place()}的 {tag.shown()} 之前）",
                                 _snippet(op.text, ot.start, ot.end))
                        ok = False
                opener = stack.pop()
                ok = self._same(opener, (para, tag), container) and ok
        for op, ot in stack:
            self.add(op, f"{show(ot)} 没有对应的 {{%{ot.level} end{ot.word} %}}", _snippet(op.text, ot.start, ot.end))
            ok = False
        return ok

    def _same(self, opener, closer, container) -> bool:
        (op, ot), (cp, ct) = opener, closer
        where = _snippet(cp.text, ct.start, ct.end)
        if ot.level != ct.level:
            def form(level):
                return "{%" + level + " … %}" if level else "{% … %}"
            self.add(cp, f"{ct.shown()} 与{op.place()}的 {ot.shown()} 写法不一致：开头用 {form(ot.level)}，"
                         f"此处也须用 {form(ot.level)}", where)
            return False
        if container(op, ot.level) != container(cp, ct.level):
            if ot.level == "tr":
                message = f"{ct.shown()} 与{op.place()}的 {ot.shown()} 不在同一个表格中"
            elif ot.level == "":
                message = (f"{ct.shown()} 与{op.place()}的 {ot.shown()} 不在同一段：跨段落的块须写成 "
                           f"{{%p {ot.word} … %}} … {{%p {ct.word} %}}，各自单独成段")
            else:
                message = f"{ct.shown()} 与{op.place()}的 {ot.shown()} 不在同一处（正文、同一单元格或同一文本框）"
            self.add(cp, message, where)
            return False
        return True

    def whole(self, paras: list[_Para], lines: list[str]):
        ast, exc = self._parse("\n".join(lines))
        if exc is not None:
            line = getattr(exc, "lineno", None) or 1
            para = paras[min(max(line, 1), len(paras)) - 1] if paras else None
            self.add(para, f"模板语法错误：{_explain(exc)}", _snippet(para.text, 0, 0, 30) if para else "")
        return ast

    # -- variables, fields, filters ---------------------------------------------------------------

    def names(self, ast, paras: list[_Para]) -> None:
        known = self.entry.variables if self.entry else None

        def para_of(node) -> _Para | None:
            line = getattr(node, "lineno", 1) or 1
            return paras[min(max(line, 1), len(paras)) - 1] if paras else None

        def snippet(node, needle: str) -> str:
            para = para_of(node)
            if para is None:
                return ""
            at = para.text.find(needle)
            return _snippet(para.text, max(at, 0), max(at, 0) + len(needle))

        def top(name: str, node):
            """(Variable or None, path) of a top-level name, reporting an unknown one."""
            if name in self.env.globals:  # range, dict, namespace …
                return None, name
            if name == "loop":
                self.add(para_of(node), "loop 只能在 for 循环内使用", snippet(node, "loop"))
                return None, name
            self.variables.add(name)
            if known is None:
                return None, name
            if name in known:
                return known[name], name
            near = difflib.get_close_matches(name, list(known), 1, 0.6)
            hint = f"（是否为 {near[0]}？）" if near else f"（{self.template} 可用的变量见模板目录 CATALOGUE.md）"
            self.add(para_of(node), f"变量 {name} 不在模板目录中{hint}", snippet(node, name))
            return None, name

        def resolve(node, scope):
            """(Variable or None, path) of a Name or a chain of attributes on it."""
            kind = type(node).__name__
            if kind == "Name":
                if node.name in scope:
                    return scope[node.name]
                return top(node.name, node)
            attr = _attribute(node)
            if attr is None:
                visit(node, scope)
                return None, ""
            var, path = resolve(node.node, scope)
            if var is None or var.type != "record" or not var.fields:
                return None, f"{path}.{attr}"
            full = f"{path}.{attr}"
            if attr in var.fields:
                self.fields.add(full)
                return var.fields[attr], full
            near = difflib.get_close_matches(attr, list(var.fields), 1, 0.6)
            hint = f"是否为 {near[0]}？" if near else "可用字段：" + "、".join(var.fields)
            self.add(para_of(node), f"字段 {full} 不在模板目录中（{hint}）", snippet(node, attr))
            return None, full

        def element(node, scope):
            """What one item of the sequence ``node`` is, for a for loop's target."""
            kind = type(node).__name__
            if kind == "Filter" and node.name in _SEQUENCE_FILTERS and node.node is not None:
                check_filter(node)
                for arg in [*node.args, *(k.value for k in node.kwargs)]:
                    visit(arg, scope)
                return element(node.node, scope)
            if kind == "Name" or _attribute(node) is not None:
                var, path = resolve(node, scope)
                if var is not None and var.type == "rows":
                    return Variable(path + "[]", "record", var.description, False, var.fields), path + "[]"
                if var is not None and var.type == "list":
                    return Variable(path + "[]", "text", var.description), path + "[]"
                return None, path + "[]"
            visit(node, scope)
            return None, ""

        def bind(target, value, scope):
            if type(target).__name__ == "Name":
                scope[target.name] = value
            else:
                for item in getattr(target, "items", []):
                    bind(item, (None, ""), scope)

        def check_filter(node):
            name = node.name
            if name in _UNSAFE_FILTERS:
                self.add(para_of(node), f"不得使用 {name} 过滤器：数据中的 < 或 & 会损坏文书", snippet(node, name))
            elif name not in self.env.filters:
                ours = list(self.catalogue.filters) or ["money", "capitals", "date_cn", "date_cn_numerals", "pct"]
                near = difflib.get_close_matches(name, ours + list(self.env.filters), 1, 0.6)
                hint = f"是否为 {near[0]}？" if near else "可用：" + "、".join(ours) + " 及 Jinja 自带的过滤器"
                self.add(para_of(node), f"未知的过滤器 {name}（{hint}）", snippet(node, name))

        def visit(node, scope):
            kind = type(node).__name__
            if kind == "For":
                inner = dict(scope)
                bind(node.target, element(node.iter, scope), inner)
                inner["loop"] = (None, "loop")
                if node.test is not None:
                    visit(node.test, inner)
                for n in node.body:
                    visit(n, inner)
                for n in node.else_:
                    visit(n, scope)
                return
            if kind == "Assign":
                visit(node.node, scope)
                bind(node.target, (None, ""), scope)
                return
            if kind == "AssignBlock":
                for n in node.body:
                    visit(n, scope)
                bind(node.target, (None, ""), scope)
                return
            if kind == "With":
                inner = dict(scope)
                for value in node.values:
                    visit(value, scope)
                for target in node.targets:
                    bind(target, (None, ""), inner)
                for n in node.body:
                    visit(n, inner)
                return
            if kind in ("Macro", "CallBlock"):
                inner = dict(scope)
                for arg in node.args:
                    bind(arg, (None, ""), inner)
                inner.update({"caller": (None, ""), "varargs": (None, ""), "kwargs": (None, "")})
                if kind == "Macro":
                    scope[node.name] = (None, "")
                else:
                    visit(node.call, scope)
                for n in node.body:
                    visit(n, inner)
                return
            if kind == "Name" and node.ctx == "load" or _attribute(node) is not None:
                resolve(node, scope)
                return
            if kind == "Filter":
                check_filter(node)
            if kind == "Test" and node.name not in self.env.tests:
                near = difflib.get_close_matches(node.name, list(self.env.tests), 1, 0.6)
                self.add(para_of(node), f"未知的判断 is {node.name}" + (f"（是否为 {near[0]}？）" if near else ""),
                         snippet(node, node.name))
            for child in node.iter_child_nodes():
                visit(child, scope)

        visit(ast, {})


def _attribute(node) -> str | None:
    """The attribute name of ``x.attr`` or ``x['attr']``, else None."""
    kind = type(node).__name__
    if kind == "Getattr":
        return node.attr
    if kind == "Getitem" and type(node.arg).__name__ == "Const" and isinstance(node.arg.value, str):
        return node.arg.value
    return None


_MESSAGES = (
    (re.compile(r"unexpected char '(.+)' at \d+"), "有无法识别的字符「{0}」"),
    (re.compile(r"Encountered unknown tag '(\w+)'"), "未知的标签「{0}」"),
    (re.compile(r"unexpected '(.+)'"), "多余或位置不对的「{0}」"),
    (re.compile(r"expected token '(.+)', got '(.+)'"), "此处应为「{0}」，却是「{1}」"),
    (re.compile(r"unexpected end of template"), "模板在块结束前就结束了（缺少 end…）"),
    (re.compile(r"Expected an expression, got '(.+)'"), "此处缺少变量或值（遇到「{0}」）"),
    (re.compile(r"unexpected end of (?:string|template)"), "引号或括号没有闭合"),
)


def _explain(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    first = message.splitlines()[0] if message else ""
    for pattern, chinese in _MESSAGES:
        m = pattern.search(first)
        if m:
            return chinese.format(*m.groups()) + f"（{first}）"
    return first


# ---------------------------------------------------------------------------------------------
# entry points


def check_template(path: Path, catalogue: Catalogue, *, name: str | None = None) -> TemplateReport:
    """Check one .docx template against ``catalogue`` (its section under the file's name, or
    ``name``). Returns a :class:`TemplateReport`; never raises for a broken template (a file
    that is not a Word document is one finding)."""
    path = Path(path)
    template = name or path.name
    entry = catalogue.entry(template)
    checker = _Checker(template, entry, catalogue)
    if entry is None:
        stems = {Path(t).stem: t for t in catalogue.templates}
        near = difflib.get_close_matches(Path(template).stem, list(stems), 1, 0.75)
        hint = f"文件名是否应为 {stems[near[0]]}？" if near else "可用的模板见 CATALOGUE.md"
        checker.add(None, f"模板目录（catalogue.toml）中没有这个模板，本工具不会使用它（{hint}）；"
                          "新增的模板须在 catalogue.toml 中登记其变量")
    try:
        parts = _parts(path)
    except TemplateError as exc:
        checker.add(None, str(exc).split("：", 1)[-1])
        return TemplateReport(template, tuple(checker.findings))
    for _label, paras in parts:
        lines, blocks, every, ok = checker.source(paras)
        for para, tag in every:
            ok = checker.tag_syntax(para, tag) and ok
        if ok and checker.blocks(blocks):
            ast = checker.whole(paras, lines)
            if ast is not None:
                checker.names(ast, paras)
    if not any(f.severity == "error" for f in checker.findings):
        try:
            template_variables(path)  # the renderer's own reading, should this reading have missed something
        except TemplateError as exc:
            checker.add(None, f"渲染器无法读取此模板：{str(exc).split(': ', 1)[-1]}")
    return TemplateReport(template, tuple(checker.findings), frozenset(checker.variables), frozenset(checker.fields))


def template_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(.docx files of ``folder`` to check, other Word-like files the tool will not use), in name
    order, without Word's lock files (``~$…``) and hidden files."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", ".")))
    return ([p for p in files if p.suffix.lower() == ".docx"],
            [p for p in files if p.suffix.lower() in NOT_DOCX])


def check_folder(folder: Path, catalogue: Catalogue) -> list[TemplateReport]:
    """Check every .docx template of ``folder`` (the built-in folder or a bank's own, which may
    hold only some templates); a Word file in another format (.doc, .dotx …) is a finding,
    since the tool uses only .docx. Raises TemplateError when ``folder`` is not a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TemplateError(f"模板文件夹 {folder} 不存在或不是文件夹")
    docx, others = template_files(folder)
    reports = [check_template(p, catalogue) for p in docx]
    for p in others:
        reports.append(TemplateReport(p.name, (Finding(
            p.name, "", f"本工具只使用 Word 文档（.docx）：请在 Word 中「另存为」{p.stem}.docx"),)))
    return reports
