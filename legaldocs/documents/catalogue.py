"""The template catalogue (模板变量目录): which variables each Word template may use.

``templates/catalogue.toml`` declares, for each template file, every variable its context gives
with a type, a description and whether it may be empty; records and rows declare their fields
the same way. The file's header explains the format. This module reads it
(:func:`load_catalogue`), checks a context against it (:func:`context_problems`) and writes the
human-readable list ``templates/CATALOGUE.md`` from it (:func:`catalogue_markdown`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from legaldocs.errors import TemplateError

CATALOGUE_FILE = "catalogue.toml"

# type -> how legal staff read it
TYPES = {
    "text": "文字",
    "integer": "整数",
    "amount": "金额（元）",
    "rate": "年利率",
    "date": "日期",
    "boolean": "是/否",
    "list": "多行文字",
    "record": "对象（带字段）",
    "rows": "多行记录（带字段）",
}
WITH_FIELDS = {"record", "rows"}
_VARIABLE_KEYS = {"type", "description", "empty", "fields"}
_TEMPLATE_KEYS = {"title", "about", "context", "variables"}


@dataclass(frozen=True)
class Variable:
    """One variable of a template, or one field of a record or of rows: ``type`` (a key of
    :data:`TYPES`), ``description``, ``empty`` (may be "", an empty list or None) and, for
    record and rows, ``fields`` by name."""

    name: str
    type: str
    description: str
    empty: bool = False
    fields: dict[str, "Variable"] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateEntry:
    """The catalogue's section of one template: its ``file`` name, ``title`` (e.g. 民事起诉状),
    ``about`` (what it is and its legal source), ``context`` (dotted name of the function giving
    its variables, or "") and its ``variables`` by name."""

    file: str
    title: str
    about: str
    context: str
    variables: dict[str, Variable]


@dataclass(frozen=True)
class Catalogue:
    """Every template's section by file name, and the project's own ``filters`` (name ->
    description) that every template may use besides Jinja's."""

    templates: dict[str, TemplateEntry]
    filters: dict[str, str]

    def entry(self, file: str) -> TemplateEntry | None:
        return self.templates.get(file)


def _where(path: list[str]) -> str:
    return ".".join(f'"{p}"' if "." in p else p for p in path)


def _variable(name: str, spec: Any, path: list[str], problems: list[str]) -> Variable:
    here = _where(path)
    if not isinstance(spec, Mapping):
        problems.append(f"{here}：应为一个表，写明 type 和 description")
        return Variable(name, "text", "")
    unknown = sorted(set(spec) - _VARIABLE_KEYS)
    if unknown:
        problems.append(f"{here}：未知的键 {'、'.join(unknown)}（可用 {'、'.join(sorted(_VARIABLE_KEYS))}）")
    kind = spec.get("type")
    if kind not in TYPES:
        problems.append(f"{here}：type 应为 {'、'.join(TYPES)} 之一，而不是 {kind!r}")
        kind = "text"
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(f"{here}：缺少 description（说明）")
        description = ""
    empty = spec.get("empty", False)
    if not isinstance(empty, bool):
        problems.append(f"{here}：empty 应为 true 或 false")
        empty = False
    fields: dict[str, Variable] = {}
    raw_fields = spec.get("fields")
    if kind in WITH_FIELDS:
        if not isinstance(raw_fields, Mapping) or not raw_fields:
            problems.append(f"{here}：{kind} 类型须用 fields 写明各字段")
        else:
            fields = {k: _variable(k, v, [*path, "fields", k], problems) for k, v in raw_fields.items()}
    elif raw_fields is not None:
        problems.append(f"{here}：只有 record 和 rows 类型可以有 fields")
    return Variable(name, kind, description, empty, fields)


def parse_catalogue(data: Mapping[str, Any], source: str = CATALOGUE_FILE) -> Catalogue:
    """A :class:`Catalogue` from the parsed TOML ``data``. Raises TemplateError listing every
    problem of the format (unknown keys or types, missing descriptions) by its place."""
    problems: list[str] = []
    filters: dict[str, str] = {}
    templates: dict[str, TemplateEntry] = {}
    for key, value in data.items():
        if key == "filters":
            if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
                problems.append("filters：每个过滤器写一行说明文字")
            else:
                filters = dict(value)
            continue
        if not key.endswith(".docx") or not isinstance(value, Mapping):
            problems.append(f"{_where([key])}：每个模板一节，以模板文件名命名，如 [\"complaint.docx\"]")
            continue
        unknown = sorted(set(value) - _TEMPLATE_KEYS)
        if unknown:
            problems.append(f"{_where([key])}：未知的键 {'、'.join(unknown)}（可用 {'、'.join(sorted(_TEMPLATE_KEYS))}）")
        texts = {k: value.get(k, "") for k in ("title", "about", "context")}
        for k in ("title", "about"):
            if not isinstance(texts[k], str) or not texts[k].strip():
                problems.append(f"{_where([key])}：缺少 {k}")
        variables = value.get("variables")
        if not isinstance(variables, Mapping) or not variables:
            problems.append(f"{_where([key, 'variables'])}：缺少变量表")
            variables = {}
        templates[key] = TemplateEntry(
            key, str(texts["title"]), str(texts["about"]), str(texts["context"] or ""),
            {name: _variable(name, spec, [key, "variables", name], problems) for name, spec in variables.items()},
        )
    if problems:
        raise TemplateError(f"模板目录 {source} 有{len(problems)}处问题：\n" + "\n".join(f"  {p}" for p in problems))
    return Catalogue(templates, filters)


def load_catalogue(path: Path) -> Catalogue:
    """Read a catalogue file (``templates/catalogue.toml``). Raises TemplateError when it cannot
    be read, is not TOML, or does not follow the format (every problem listed)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError(f"模板目录 {path} 无法读取：{exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TemplateError(f"模板目录 {path} 格式错误：{exc}") from exc
    return parse_catalogue(data, str(path))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


def _type_matches(kind: str, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("amount", "rate"):
        return isinstance(value, Decimal)
    if kind == "date":
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    if kind == "record":
        return isinstance(value, Mapping)
    return isinstance(value, (list, tuple)) and all(isinstance(v, Mapping) for v in value)  # rows


def _value_problems(var: Variable, value: Any, where: str) -> list[str]:
    if _is_empty(value):
        return [] if var.empty else [f"{where}：为空，但目录中未写 empty = true"]
    if not _type_matches(var.type, value):
        return [f"{where}：应为 {var.type}，实际为 {type(value).__name__}（{str(value)[:40]!r}）"]
    if var.type == "record":
        return _fields_problems(var, value, where)
    if var.type == "rows":
        return [p for i, row in enumerate(value) for p in _fields_problems(var, row, f"{where}[{i}]")]
    return []


def _fields_problems(var: Variable, mapping: Mapping, where: str) -> list[str]:
    problems = [f"{where}.{k}：目录中没有这个字段" for k in mapping if k not in var.fields]
    problems += [f"{where}.{k}：缺少目录中的字段" for k in var.fields if k not in mapping]
    for name, sub in var.fields.items():
        if name in mapping:
            problems += _value_problems(sub, mapping[name], f"{where}.{name}")
    return problems


def context_problems(entry: TemplateEntry, context: Mapping[str, Any]) -> list[str]:
    """How ``context`` (the variables given to ``entry``'s template) differs from the catalogue:
    variables or fields missing or not declared, values of another type, empty values not
    declared ``empty``. An empty list means it matches."""
    problems = [f"{k}：目录中没有这个变量" for k in context if k not in entry.variables]
    problems += [f"{k}：缺少目录中的变量" for k in entry.variables if k not in context]
    for name, var in entry.variables.items():
        if name in context:
            problems += _value_problems(var, context[name], name)
    return problems


def _rows_md(var: Variable, prefix: str = "") -> list[str]:
    name = f"{prefix}{var.name}"
    kind = TYPES[var.type]
    lines = [f"| `{name}` | {kind} | {'可' if var.empty else ''} | {var.description} |"]
    for sub in var.fields.values():
        lines += _rows_md(sub, f"{name}." if var.type == "record" else f"{name}[].")
    return lines


def catalogue_markdown(catalogue: Catalogue) -> str:
    """``templates/CATALOGUE.md``: the catalogue as tables legal staff can read, one section per
    template, each field of a record as ``name.field`` and of rows as ``name[].field``."""
    out = [
        "# 模板变量目录",
        "",
        "本文件由 `catalogue.toml` 生成，请勿直接修改（修改 `catalogue.toml` 后运行",
        "`.venv/bin/python scripts/make_catalogue.py`）。如何在 Word 中修改模板，见 `README.md`；",
        "修改后用 `legaldocs templates check` 检查。",
        "",
        "写法：`{{ 变量 }}` 填入一个值；`{{ 对象.字段 }}` 填入对象的一个字段；",
        "`{%p for x in 列表 %}` … `{%p endfor %}` 重复段落；`{%tr for r in 记录 %}` … `{%tr endfor %}`",
        "重复表格行，行内用 `{{ r.字段 }}`（下表中写作 `记录[].字段`）。“可为空”的变量可能为空白，",
        "必要时用 `{%p if 变量 %}` … `{%p endif %}` 只在有内容时输出。",
        "",
        "各模板均可使用的过滤器（写法 `{{ 变量 | 过滤器 }}`）：",
        "",
    ]
    out += [f"- `{name}`：{text}" for name, text in catalogue.filters.items()]
    for entry in catalogue.templates.values():
        about = entry.about if entry.about.endswith("。") else entry.about + "。"
        out += ["", f"## {entry.file}（{entry.title}）", "", about]
        if entry.context:
            out += ["", f"变量由 `{entry.context}` 提供。"]
        out += ["", "| 变量 | 类型 | 可为空 | 说明 |", "| --- | --- | --- | --- |"]
        for var in entry.variables.values():
            out += _rows_md(var)
    return "\n".join(out) + "\n"
