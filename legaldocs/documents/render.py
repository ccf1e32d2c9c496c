"""Filling Word templates (docxtpl) in a sandboxed, strict, autoescaping Jinja environment.

Case data is never evaluated as template code; a variable missing from the context is an error
naming the template and the variable; ``<``, ``&`` and control characters in data never corrupt
the document (they are escaped or removed).

A template is read, pre-processed and compiled once per process: :func:`render_docx` keeps the
compiled template of each file (by resolved path, and rebuilt when the file's modification time,
size or inode changes) and only renders it afterwards. Every part of the document it writes has
the same XML as docxtpl's own ``DocxTemplate(path).render(...)`` / ``save`` gives; the parts
that do not depend on the data are serialised once, and the filled ones are written after them.

The same template and context give the same bytes: the parts are dated 1980-01-01 in the zip
(as Word dates them, :mod:`legaldocs.documents.reproducible`), the document's dates are those
of :class:`DocumentProperties` (else the template's own; none when it has none), and no
clock is read.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from legaldocs.chinese import amount_in_capitals, date_in_chinese, date_in_chinese_numerals, format_amount, percent
from legaldocs.case.model import Case
from legaldocs.documents.confidential import AUDIENCES, check_obligor_document
from legaldocs.documents.reproducible import zip_entry
from legaldocs.errors import TemplateError
from legaldocs.files import atomic_path
from legaldocs.i18n import _

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
        raise TemplateError(_("{template}: cannot be read as a template: {error}").format(template=template.name, error=exc)) from exc




@dataclass(frozen=True)
class DocumentProperties:
    """Word's 文件属性 of a document, from the case: ``author`` (also last modified by: the bank's
    name), ``title``, and ``date`` (created and modified: the document's own date, at midnight;
    no clock is read)."""

    author: str
    title: str
    date: dt.date


def render_docx(template: Path, context: Mapping[str, Any], out: Path,
                properties: DocumentProperties | None = None, *, audience: str = "obligor",
                case: Case | None = None) -> Path:
    """Fill ``template`` (.docx) with ``context`` and write ``out`` atomically, with the core
    ``properties`` when given (else those the template's own properties render to).

    ``audience``: who reads the document: ``obligor`` (the default: the borrower, a guarantor or
    the court that serves them) or ``internal`` (the bank's own, e.g. the write-off dossier). A
    document for the obligors is refused when its variables state the write-off (核销, 呆账,
    账销案存 ...: :mod:`legaldocs.documents.confidential`); ``case``, the case it is built from,
    lets the error name the case field the word comes from.

    The template is compiled on its first use in the process and reused while the file is
    unchanged (see the module notes); the document is the one docxtpl renders.

    Raises TemplateError naming the template and the missing variable or the syntax error;
    CaseValidationError naming the document and each field that would state the write-off;
    ValueError for an unknown ``audience``.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience: one of {', '.join(AUDIENCES)}, not {audience!r}")
    if audience == "obligor":
        check_obligor_document(Path(out).stem, context, case)
    try:
        compiled = _compiled(Path(template))
        parts = compiled.render(dict(context), properties)
    except jinja2.UndefinedError as exc:
        raise TemplateError(_("{template}: undefined variable: {error}").format(template=template.name, error=exc.message)) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(_("{template}: template syntax error at line {line}: {error}").format(
            template=template.name, line=exc.lineno, error=exc.message)) from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(_("{template}: unsafe template operation: {error}").format(template=template.name, error=exc)) from exc
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise TemplateError(_("{template}: cannot be rendered: {error}").format(template=template.name, error=exc)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        compiled.write(parts, tmp)
    return out


# Core properties docxtpl fills (DocxTemplate.render_properties), in its order.
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# Compiled templates kept per process (least recently used dropped first).
_CACHE_SIZE = 32
_cache: OrderedDict[Path, "_CompiledTemplate"] = OrderedDict()
_cache_lock = threading.Lock()
_environment: SandboxedEnvironment | None = None


def _compiled(template: Path) -> "_CompiledTemplate":
    """The compiled template of the file ``template``, built now if absent or outdated."""
    global _environment
    path = template.resolve()
    info = path.stat()
    key = (info.st_mtime_ns, info.st_size, info.st_ino)
    with _cache_lock:
        found = _cache.get(path)
        if found is not None and found.key == key:
            _cache.move_to_end(path)
            return found
        if _environment is None:
            _environment = make_environment()
        compiled = _CompiledTemplate(path.read_bytes(), key, _environment)
        _cache[path] = compiled
        _cache.move_to_end(path)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return compiled


class _CompiledTemplate:
    """One .docx template, pre-processed and compiled by docxtpl's own steps, kept for reuse.

    docxtpl re-reads the package, re-applies its XML clean-up and recompiles every Jinja template
    (body, headers, footers, the six core properties, footnotes) on each render; here that is
    done once. Rendering then runs docxtpl's per-render steps (``render_xml_part``,
    ``fix_tables``, ``fix_docpr_ids``, the body's replacement) on the kept document, serialises the filled parts as
    python-docx would, and adds them to a copy of the package's other parts, which were
    serialised and compressed once. One render at a time per template (a lock).
    """

    def __init__(self, data: bytes, key: tuple, environment: SandboxedEnvironment) -> None:
        self.key = key
        self._environment = environment
        self._lock = threading.Lock()
        self._compiled: dict[str, jinja2.Template] = {}
        tpl = DocxTemplate(io.BytesIO(data))
        tpl.render_init()
        self._tpl = tpl
        document = tpl.docx
        package = document.part.package
        had_properties = any(rel.reltype == RT.CORE_PROPERTIES for rel in package.rels.values())
        properties = document.core_properties  # created as docxtpl's render would, if missing
        if not had_properties:
            properties._element._remove_modified()  # python-docx dates new properties by the clock
        self._body = self._prepare(tpl.get_xml())
        self._root = document.element
        self._body_index = self._root.index(self._root.body)
        self._document_member = document.part.partname.membername
        self._headers_footers = []
        for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
            for _relation, part in tpl.get_headers_footers(uri):
                xml = tpl.get_part_xml(part)
                self._headers_footers.append(
                    (part.partname.membername, self._prepare(xml), part, tpl.get_headers_footers_encoding(xml))
                )
        self._properties = [(name, environment.from_string(getattr(properties, name))) for name in _PROPERTIES]
        self._core_element = properties._element  # copied for each render: nothing carries over
        self._core_member = document.part.package._core_properties_part.partname.membername
        self._footnotes = []
        for section in document.sections:
            for part in section.part.package.parts:
                if part.content_type == _FOOTNOTES:
                    blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
                    self._footnotes.append((part.partname.membername, self._prepare(blob), part))
        filled = {self._document_member, self._core_member}
        filled |= {member for member, *_ in self._headers_footers}
        filled |= {member for member, *_ in self._footnotes}
        whole = io.BytesIO()
        document.save(whole)  # python-docx's serialisation of every part
        static = io.BytesIO()
        with zipfile.ZipFile(whole) as source, zipfile.ZipFile(static, "w", compression=zipfile.ZIP_DEFLATED) as kept:
            for member in source.infolist():
                if member.filename not in filled:
                    kept.writestr(zip_entry(member.filename), source.read(member.filename))
        self._static = static.getvalue()

    def _prepare(self, xml: str) -> str:
        """docxtpl's clean-up of a part's XML, compiled (keyed by the text docxtpl compiles)."""
        patched = self._tpl.patch_xml(xml)
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)  # as DocxTemplate.render_xml_part
        self._compiled[source] = self._environment.from_string(source)
        return patched

    # DocxTemplate.render_xml_part asks its environment for the template of a source text: this
    # object stands in for it and hands back the compiled one.
    autoescape = True

    def from_string(self, source: str) -> jinja2.Template:
        return self._compiled[source]

    def render(self, context: dict, properties: DocumentProperties | None = None) -> list[tuple[str, bytes]]:
        """The filled parts (zip member name, bytes) for ``context``, with the core ``properties``
        when given; Jinja errors propagate."""
        tpl = self._tpl
        with self._lock:
            tpl.docx_ids_index = 1000  # as DocxTemplate.render_init
            xml = tpl.render_xml_part(self._body, tpl.docx._part, context, self)
            tree = tpl.fix_tables(xml)
            tpl.fix_docpr_ids(tree)
            # DocxTemplate.map_tree's replacement of the body, by position: the previous body
            # then has no Python reference and is freed rather than moved to a document of its own
            self._root[self._body_index] = tree
            del tree
            parts = [(self._document_member, serialize_part_xml(self._root))]
            for member, source, part, encoding in self._headers_footers:
                xml = tpl.render_xml_part(source, part, context, self)
                parts.append((member, serialize_part_xml(parse_xml(xml.encode(encoding)))))
            core = CoreProperties(copy.deepcopy(self._core_element))
            for name, template in self._properties:
                setattr(core, name, template.render(context))
            if properties is not None:
                stamp = dt.datetime(properties.date.year, properties.date.month, properties.date.day)
                core.author = core.last_modified_by = _clean(properties.author)
                core.title = _clean(properties.title)
                core.created = core.modified = stamp
                core.revision = 1
            parts.append((self._core_member, serialize_part_xml(core._element)))
            for member, source, part in self._footnotes:
                parts.append((member, tpl.render_xml_part(source, part, context, self).encode("utf-8")))
        return parts

    def write(self, parts: list[tuple[str, bytes]], out: Path) -> None:
        """Write the package: the unchanged parts, then ``parts``, every part dated
        :data:`~legaldocs.documents.reproducible.ZIP_EPOCH` (same document, same bytes)."""
        with open(out, "wb") as handle:
            handle.write(self._static)
        with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as package:
            for member, data in parts:
                package.writestr(zip_entry(member), data)
