"""Reading a packet's documents back and checking that they agree (文书一致性检查).

Each generated ``.docx`` is read as text (paragraphs, and table rows with their cells joined by a
tab) and checked against the facts of the filing every document was built from (the ``filing``
object of ``manifest.json``): the court addressed after 此致, the defendants and their labels, no
party left out of the suit named with a party role, the amounts claimed present where a document
states them and no rejected figure (the engine's when the bank's are claimed, or the reverse)
anywhere, the filing date under each signature, the case numbers relied on, and no word stating a
write-off (核销, 呆账, 账销案存 ...: :mod:`legaldocs.documents.confidential`), since every document
of a packet goes to the court and the obligors. A disagreement names the document and the values.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

from legaldocs.chinese import date_in_chinese, format_amount
from legaldocs.documents.confidential import text_problems
from legaldocs.documents.reproducible import compare_files
from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ROLE = r"(?:被告|被申请人|被执行人)[一二三四五六七八九十]*"
# documents that state the amounts claimed, by kind
_STATES_PRINCIPAL = {"complaint", "complaint_element", "statement", "fee_sheet", "demand_notice"}
_STATES_TOTAL = {"complaint", "complaint_element"}
# documents that name every defendant
_NAMES_DEFENDANTS = {"complaint", "complaint_element", "evidence_index", "fee_sheet"}
_SIGNED = {"complaint", "complaint_element", "evidence_index", "preservation", "enforcement", "enforcement_element"}


def docx_paragraphs(path: Path) -> list[str]:
    """The text of a .docx: one string per paragraph outside tables, one per table row (cells
    joined by a tab), in document order. Raises LegalDocsError naming the file when it is not a
    readable .docx."""
    try:
        with zipfile.ZipFile(path) as z:
            root = ElementTree.fromstring(z.read("word/document.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise LegalDocsError(_("{name}: cannot be read as a Word document: {error}").format(name=path.name, error=exc)) from exc
    body = root.find(f"{_W}body")
    out: list[str] = []

    def text(node) -> str:
        return "".join(t.text or "" for t in node.iter(f"{_W}t"))

    def walk(node) -> None:
        for child in node:
            if child.tag == f"{_W}p":
                out.append(text(child))
            elif child.tag == f"{_W}tbl":
                for row in child.iter(f"{_W}tr"):
                    out.append("\t".join(text(cell) for cell in row.findall(f"{_W}tc")))
            elif child.tag in (f"{_W}sdt", f"{_W}sdtContent"):
                walk(child)

    walk(body if body is not None else root)
    return out


def check_documents(texts: dict[str, tuple[str, list[str]]], facts: dict) -> list[str]:
    """Disagreements among documents. ``texts``: file name -> (document kind, paragraphs);
    ``facts``: the filing's facts (:meth:`legaldocs.filings.filing.Filing.as_dict`). Returns one
    message per disagreement (empty when they agree)."""
    problems: list[str] = []
    court = facts["court"]
    defendants = facts["defendants"]
    several = len(defendants) > 1
    amounts = facts["amounts"]
    principal = format_amount(Decimal(amounts["principal"]))
    total = format_amount(Decimal(amounts["total"]))
    rejected = {format_amount(Decimal(v)): k for k, v in facts.get("rejected_amounts", {}).items()
                if format_amount(Decimal(v)) not in (principal, total)}
    left_out = [x["name"] for x in facts.get("left_out", []) if x.get("party")]
    filing_date = date_in_chinese(dt.date.fromisoformat(facts["filing_date"]))
    for name, (kind, paragraphs) in sorted(texts.items()):
        whole = "\n".join(paragraphs)
        for i, p in enumerate(paragraphs[:-1]):
            if p.strip() == "此致":
                addressed = paragraphs[i + 1].strip()
                if addressed and addressed != court:
                    problems.append(f"{name}：此致{addressed}，而本案法院为{court}")
        for d in defendants:
            if kind in _NAMES_DEFENDANTS and d["name"] not in whole:
                problems.append(f"{name}：未列明{d['label']}{d['name']}")
            if several:
                for m in re.finditer(rf"(被告[一二三四五六七八九十]+){re.escape(d['name'])}", whole):
                    if m.group(1) != d["label"]:
                        problems.append(f"{name}：称{d['name']}为{m.group(1)}，而其在起诉状中为{d['label']}")
        for gone in left_out:
            if re.search(rf"{_ROLE}{re.escape(gone)}", whole) or re.search(rf"{_ROLE}[（(][^）)]*[）)]：{re.escape(gone)}", whole):
                problems.append(f"{name}：{gone}未被起诉，却被列为被告（被申请人）")
        if kind in _STATES_PRINCIPAL and principal not in whole:
            problems.append(f"{name}：未载明起诉本金{principal}")
        if kind in _STATES_TOTAL and total not in whole:
            problems.append(f"{name}：未载明诉讼标的额{total}")
        for figure, what in rejected.items():
            if figure in whole:
                problems.append(f"{name}：载有未采用的金额{figure}（{what}），与起诉金额不一致")
        if kind in _SIGNED and facts.get("stage", "suit") == "suit" and filing_date not in whole:
            problems.append(f"{name}：落款日期不是{filing_date}")
        for required in facts.get("requires", {}).get(name, []):
            if required not in whole:
                problems.append(f"{name}：未载明“{required}”")
        for number in facts.get("case_numbers", {}).get(kind, []):
            if number not in whole:
                problems.append(f"{name}：未载明案号{number}")
        problems += text_problems(name, whole)  # every document of a packet goes to the court and the obligors
    return problems


def check_outputs(folder: Path, outputs: list[dict]) -> list[str]:
    """Files of the packet ``folder`` missing or changed since it was built: ``outputs`` are the
    manifest's entries (``path`` relative to the folder, ``sha256``, ``size``); compared by
    :func:`legaldocs.documents.reproducible.compare_files`, as ``legaldocs verify`` does."""
    return [f"{name}：缺失" if kind == "missing" else f"{name}：生成后被修改（SHA-256 与 manifest.json 不符）"
            for name, kind in compare_files(folder, outputs)]


def check_packet(folder: Path, facts: dict, kinds: dict[str, str] | None = None) -> list[str]:
    """Read every generated document of the packet ``folder`` back and check them against
    ``facts`` (see :func:`check_documents`). ``kinds``: document title -> kind (default: the
    ``documents`` entry of ``facts``). Raises LegalDocsError when a document cannot be read."""
    folder = Path(folder)
    kinds = kinds or facts.get("documents", {})
    texts = {}
    for path in sorted(folder.glob("*.docx")):
        kind = kinds.get(path.stem, "evidence_index" if path.stem == "证据目录" else "other")
        texts[path.name] = (kind, docx_paragraphs(path))
    return check_documents(texts, facts)
