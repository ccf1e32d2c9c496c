"""The template catalogue (templates/catalogue.toml) against the templates and the code: every
template uses exactly the variables declared for it, every field it uses is declared, every
function giving a template's variables gives exactly the declared ones with their types, the
filters are the renderer's, and CATALOGUE.md is the catalogue as written out."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import NamedTuple

import jinja2
import pytest

from legaldocs.case.load import load_case
from legaldocs.documents.catalogue import (
    CATALOGUE_FILE,
    catalogue_markdown,
    context_problems,
    load_catalogue,
    parse_catalogue,
)
from legaldocs.documents.render import make_environment, template_variables
from legaldocs.documents.templatecheck import check_template
from legaldocs.errors import LegalDocsError, TemplateError
from legaldocs.filings import stages
from legaldocs.filings.filing import build_filing

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
EXAMPLES = sorted((ROOT / "examples").glob("*/case.yaml"))
FIRST = ("complaint.docx", "evidence_index.docx", "fee_sheet.docx", "statement.docx")


class Pages(NamedTuple):
    """Where an exhibit sits in the bundle, as the 证据目录's variables take it."""

    number: int
    first_page: int
    last_page: int
    page_count: int


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(TEMPLATES / CATALOGUE_FILE)


def test_catalogue_md_is_written_from_the_catalogue(catalogue):
    written = (TEMPLATES / "CATALOGUE.md").read_text(encoding="utf-8")
    assert written == catalogue_markdown(catalogue), (
        "templates/CATALOGUE.md is out of date: run .venv/bin/python scripts/make_catalogue.py")


def test_filters_are_the_renderers_own():
    env = make_environment()
    ours = set(env.filters) - set(jinja2.Environment().filters)
    assert ours == set(load_catalogue(TEMPLATES / CATALOGUE_FILE).filters)


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.docx")))
def test_each_template_uses_exactly_the_declared_variables(template, catalogue):
    entry = catalogue.entry(template)
    assert entry is not None, f"{template}: add its section to templates/catalogue.toml"
    report = check_template(TEMPLATES / template, catalogue)
    assert not report.findings, [f.line() for f in report.findings]
    # the checker reads the same variables as the renderer
    assert report.variables == template_variables(TEMPLATES / template) - set(make_environment().globals)
    assert report.variables == set(entry.variables), (
        f"used, not declared: {sorted(report.variables - set(entry.variables))}; "
        f"declared, not used: {sorted(set(entry.variables) - report.variables)}")
    for used in report.fields:  # plaintiff.name, exhibits[].title
        var = entry.variables[used.split(".")[0].removesuffix("[]")]
        for part in used.split(".")[1:]:
            assert part.removesuffix("[]") in var.fields, f"{template}: {used} is not declared"
            var = var.fields[part.removesuffix("[]")]


def test_every_section_names_a_template_and_its_context_function(catalogue):
    for name, entry in catalogue.templates.items():
        assert (TEMPLATES / name).is_file(), f"catalogue.toml has a section for {name}, which is not in templates/"
        if entry.context:
            module, _, function = entry.context.rpartition(".")
            assert callable(getattr(importlib.import_module(module), function)), entry.context


def _contexts(case_path: Path):
    """(template, context) of every document the stage table builds for one example, and the
    evidence index with one page per exhibit."""
    case = load_case(case_path, check_files=False).case
    filing = build_filing(case)
    extras = stages.Extras(evidence_no={e.id: i for i, e in enumerate(filing.case.evidence, 1)},
                           attachments=["证据目录及证据材料一套"])
    seen = set()
    for stage in stages.STAGES:
        for document in stages.stage_documents(stage, filing):
            if document.kind in seen:
                continue
            seen.add(document.kind)
            try:
                built = document.context(filing, stages.Extras(extras.evidence_no, extras.attachments, stage))
            except LegalDocsError:
                continue  # the case has no such document (no judgment to enforce …)
            for context in ([c for _, c in built] if document.per_party else [built]):
                yield document.template, context
    entries = [Pages(i, 2 + i, 2 + i, 1) for i, _ in enumerate(filing.case.evidence, 1)]
    yield "evidence_index.docx", stages.evidence_index_context(filing, entries, 2)
    # evidence added after the bundle was filed: numbers and pages continue from it
    items = {number: item for number, item in enumerate(filing.case.evidence, 30)}
    later = [Pages(number, 80 + offset, 80 + offset, 1) for offset, number in enumerate(items, 1)]
    yield "supplementary_index.docx", stages.supplementary_index_context(
        filing, later, 1, items=items, first_page=80, supplement=1, filed_on=filing.filing_date)


@pytest.mark.parametrize("case_path", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_context_functions_give_exactly_the_declared_variables(case_path, catalogue):
    built = set()
    for template, context in _contexts(case_path):
        entry = catalogue.entry(template)
        assert entry is not None, f"{template}: add its section to templates/catalogue.toml"
        problems = context_problems(entry, context)
        assert not problems, f"{case_path.parent.name} {template}: {problems}"
        built.add(template)
    # the 欠款明细表 is attached when the engine's figures are claimed, as in the demo
    assert set(FIRST) - {"statement.docx"} <= built
    assert "statement.docx" in built or case_path.parent.name != "demo"


def test_a_context_of_another_shape_is_found(catalogue):
    entry = catalogue.entry("fee_sheet.docx")
    context = {name: "x" for name in entry.variables}
    context.update(base_rows=[{"name": "本金", "amount": 5}], steps=[], extra="y")
    del context["note"]
    problems = context_problems(entry, context)
    assert "extra：目录中没有这个变量" in problems
    assert "note：缺少目录中的变量" in problems
    assert any(p.startswith("base_rows[0].amount：应为 text") for p in problems)
    assert "steps：为空，但目录中未写 empty = true" in problems


def test_a_malformed_catalogue_is_refused_with_every_problem():
    with pytest.raises(TemplateError) as caught:
        parse_catalogue({
            "x.docx": {"title": "t", "about": "a", "variables": {
                "a": {"type": "money", "description": "d"},
                "b": {"type": "rows", "description": "d"},
                "c": {"type": "text"},
            }},
            "notes": {"title": "t"},
        })
    text = str(caught.value)
    assert '"x.docx".variables.a：type 应为' in text
    assert '"x.docx".variables.b：rows 类型须用 fields' in text
    assert '"x.docx".variables.c：缺少 description' in text
    assert "notes：每个模板一节" in text
