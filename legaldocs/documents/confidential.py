"""No document addressed to the obligors states the write-off (核销对外保密).

A write-off (呆账核销) is the bank's internal accounting act: the claim is not released and the
bank keeps collecting (账销案存、权在力催, 财金〔2017〕90号 arts 3-4). The write-off rules of
2008/2010 named 对外保密 among their principles and bank rules written on the 2017 text still do
([S], ../shared/reference/writeoff.md §1.3 item 4; whether a 2017 article says it: [M]); telling
a borrower or a guarantor that its debt is written off invites the belief that it is forgiven
(writeoff.md §1.8). So every document of the recovery path, all of which go to the obligors or to
the court that serves them (催收通知书, 履行保证责任通知书, 民事起诉状, 证据目录, 财产保全申请书,
强制执行申请书 ...), must not state it, whatever the case file holds: a note typed by staff
("已核销") or a field value can carry it into a document.

What is done about it: **refused, with the field named**, never silently dropped. A filing is a
legal act; a sentence cut out of the facts of a complaint by a program, unseen, may change what
the bank states to the court. The error names the document and the case field that would carry
the word (e.g. ``events[3].note``), so that staff reword the field and build again.

Where: :func:`legaldocs.documents.render.render_docx`, which every document passes through, checks
the variables of each document before it is written, unless the document is declared internal
(``audience="internal"``: the write-off dossier's own documents, which go to the bank's write-off
committee, never to an obligor). :func:`legaldocs.documents.consistency.check_documents` reads
every document of a packet back and checks its text again (a bank's own template, a computed
sentence), and ``legaldocs check`` does so later.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from legaldocs.case.model import Case
from legaldocs.errors import CaseValidationError
from legaldocs.i18n import _

#: Words that state a write-off, a loss classification or provisions: none may appear in a
#: document addressed to an obligor. (核销 covers 已核销 and 呆账核销; 呆账, 坏账; the status 账销案存;
#: the class 损失类 and 五级分类; 拨备, 贷款损失准备 and 减值准备 for provisions.)
WRITE_OFF_TERMS: tuple[str, ...] = ("核销", "呆账", "坏账", "账销案存", "损失类", "五级分类", "拨备", "损失准备", "减值准备")
#: Audiences a document may declare: ``obligor`` (the default: the obligors or the court see it)
#: and ``internal`` (the bank's own: the write-off dossier).
AUDIENCES = ("obligor", "internal")
# characters on each side of a word used to tell which case field a sentence came from
_WINDOW = 6


def terms_in(text: str) -> list[str]:
    """The words of :data:`WRITE_OFF_TERMS` that ``text`` contains, in list order; a word inside a
    longer one found (核销 in 已核销) is still listed once."""
    return [t for t in WRITE_OFF_TERMS if t in text]


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, text) of every string in a document's variables or a case: mappings by key
    (``a.b``), sequences by index (``a[0]``), case-file models by field; enumeration values
    (the program's own names) left out."""
    if isinstance(value, Enum):
        return
    if isinstance(value, str):
        yield path, value
    elif isinstance(getattr(type(value), "model_fields", None), dict):  # a case-file model
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def case_fields_with_terms(case: Case) -> list[tuple[str, str, list[str]]]:
    """Every field of ``case`` (a :class:`~legaldocs.case.model.Case`) whose text contains a word
    of :data:`WRITE_OFF_TERMS`: (field path as in the case file, text, words)."""
    return [(path, text, found) for path, text in _strings(case, "") if (found := terms_in(text))]


def _sources(text: str, term: str, fields: list[tuple[str, str, list[str]]]) -> list[str]:
    """The case fields ``text`` (a document's sentence) took ``term`` from: a field whose text
    holds the sentence, is held by it, or holds the words around the term."""
    found = []
    start = 0
    while (at := text.find(term, start)) >= 0:
        window = text[max(0, at - _WINDOW): at + len(term) + _WINDOW]
        for path, value, terms in fields:
            if term in terms and path not in found and (value in text or text in value or window in value):
                found.append(path)
        start = at + len(term)
    return found


def document_problems(document: str, context: Mapping[str, Any],
                      case: Case | None = None) -> list[tuple[str, str]]:
    """What in the variables ``context`` of the document ``document`` (its title, e.g.
    催收通知书-陈立) states the write-off: (where, message) pairs, ``where`` the case field the word
    comes from when ``case`` is given and it can be told (e.g. ``events[3].note``), else the
    document and its variable. Empty when the document may be written."""
    fields = case_fields_with_terms(case) if case is not None else []
    problems: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for variable, text in _strings(context, ""):
        for term in terms_in(text):
            sources = _sources(text, term, fields)
            for where in sources or [f"{document}: {variable}"]:
                if (where, term) in seen:
                    continue
                seen.add((where, term))
                if sources:
                    message = _("contains “{term}”, which {document} would state: a write-off is never stated to "
                                "the borrower or a guarantor (账销案存); reword this field").format(
                        term=term, document=document)
                else:
                    message = _("states “{term}” (from the template or a computed text, not from one case field): a "
                                "write-off is never stated to the borrower or a guarantor").format(term=term)
                problems.append((where, message))
    return problems


def check_obligor_document(document: str, context: Mapping[str, Any], case: Case | None = None) -> None:
    """Refuse to write the document ``document`` addressed to the obligors (or the court) when its
    variables ``context`` state the write-off (see :func:`document_problems`).

    Raises CaseValidationError (source: the document) with each problem by case field."""
    problems = document_problems(document, context, case)
    if problems:
        raise CaseValidationError(document, problems)


def text_problems(document: str, text: str) -> list[str]:
    """One message per word of :data:`WRITE_OFF_TERMS` in ``text``, the text of ``document`` as
    read back (Chinese, as the consistency check's messages are)."""
    return [f"{document}：载有“{term}”，不得向借款人、保证人披露核销情况（账销案存）" for term in terms_in(text)]
