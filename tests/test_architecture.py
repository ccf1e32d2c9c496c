"""The layout rules of DESIGN.md, checked on the source: imports point one way
(api -> evidence -> legaldocs); the core and the evidence package never read the clock or the
environment and never use float; each third-party library is imported in one module."""

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "legaldocs": {"evidence", "api", "fastapi", "starlette", "sqlmodel", "sqlalchemy"},
    "evidence": {"api", "fastapi", "starlette", "sqlmodel", "sqlalchemy"},
}
CLOCK = {("date", "today"), ("datetime", "now"), ("datetime", "today"), ("datetime", "utcnow"), ("time", "time")}
OURS = {"legaldocs", "evidence", "api"}


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_imports_point_one_way():
    bad = []
    for package, forbidden in FORBIDDEN.items():
        for path, tree in _modules(package):
            for name in _imported(tree) & forbidden:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, bad


def test_core_reads_no_clock_environment_or_float():
    bad = []
    for package in ("legaldocs", "evidence"):
        for path, tree in _modules(package):
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    if (node.value.id, node.attr) in CLOCK or (node.value.id == "os" and node.attr in ("environ", "getenv")):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} float()")
    assert not bad, bad


def test_each_third_party_library_is_imported_in_one_module():
    stdlib = set(sys.stdlib_module_names)
    where = defaultdict(set)
    for package in ("legaldocs", "evidence"):
        for path, tree in _modules(package):
            for name in _imported(tree) - stdlib - OURS - {"__future__"}:
                where[name].add(str(path.relative_to(ROOT)))
    spread = {name: sorted(paths) for name, paths in where.items() if len(paths) > 1}
    assert not spread, spread
