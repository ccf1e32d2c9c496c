"""Filling Word templates (docxtpl) in a sandboxed, strict, autoescaping Jinja environment.

Case data is never evaluated as template code; a variable missing from the context is an error
naming the template and the variable; ``<``, ``&`` and control characters in data never corrupt
the document (they are escaped or removed).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from legaldocs.chinese import amount_in_capitals, date_in_chinese, date_in_chinese_numerals, format_amount, percent
from legaldocs.errors import TemplateError
from legaldocs.files import atomic_path

# Characters XML 1.0 forbids, plus the BEL/VT/FF that docxtpl would read as layout commands.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _clean(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, jinja2.utils.markupsafe.Markup):
        return _ILLEGAL.sub("", value)
    return value


def _money(value: Decimal) -> str:
    return format_amount(Decimal(value))


def _capitals(value: Decimal) -> str:
    return "人民币" + amount_in_capitals(Decimal(value))


def make_environment() -> SandboxedEnvironment:
    """The Jinja environment every template is rendered in: sandboxed, StrictUndefined,
    autoescaping, with filters ``money`` (1,234.56), ``capitals`` (人民币壹仟…), ``date_cn``
    (2025年7月14日), ``date_cn_numerals`` (二〇二五年七月十四日) and ``pct`` (6.525%)."""
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True, finalize=_clean)
    env.filters.update(money=_money, capitals=_capitals, date_cn=date_in_chinese, date_cn_numerals=date_in_chinese_numerals,
                       pct=percent)
    return env


def template_variables(template: Path) -> set[str]:
    """Top-level variable names a .docx template uses (for the template catalogue)."""
    try:
        return set(DocxTemplate(str(template)).get_undeclared_template_variables(make_environment()))
    except Exception as exc:  # docxtpl raises bare Jinja/zip errors
        raise TemplateError(f"{template.name}: cannot be read as a template: {exc}") from exc


def render_docx(template: Path, context: Mapping[str, Any], out: Path) -> Path:
    """Fill ``template`` (.docx) with ``context`` and write ``out`` atomically.

    Raises TemplateError naming the template and the missing variable or the syntax error.
    """
    env = make_environment()
    try:
        doc = DocxTemplate(str(template))
        doc.render(dict(context), jinja_env=env, autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{template.name}: undefined variable: {exc.message}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{template.name}: template syntax error at line {exc.lineno}: {exc.message}") from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"{template.name}: unsafe template operation: {exc}") from exc
    except (OSError, KeyError, ValueError) as exc:
        raise TemplateError(f"{template.name}: cannot be rendered: {exc}") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        doc.save(str(tmp))
    return out


def set_properties(docx_path: Path, *, author: str, date, title: str) -> Path:
    """Set the core properties of a rendered document (Word's 文件属性) from the case: ``author``
    and last modified by (the bank's name), ``title`` (the document's title), created and
    modified (``date``, a ``datetime.date``: the document's own date, midnight, no clock read).
    Rewrites ``docx_path`` atomically and returns it. Raises TemplateError when it cannot be read
    as a Word document."""
    import datetime as _dt
    import zipfile as _zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(str(docx_path))
    except (PackageNotFoundError, KeyError, ValueError, _zipfile.BadZipFile) as exc:
        raise TemplateError(f"{Path(docx_path).name}: cannot be read as a Word document: {exc}") from exc
    props = document.core_properties
    stamp = _dt.datetime(date.year, date.month, date.day)
    props.author = props.last_modified_by = _clean(author)
    props.title = _clean(title)
    props.created = props.modified = stamp
    props.revision = 1
    with atomic_path(Path(docx_path)) as tmp:
        document.save(str(tmp))
    return Path(docx_path)
