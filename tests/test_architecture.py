"""The layout rules of DESIGN.md, checked on the source: imports point one way
(api -> evidence -> legaldocs) and, inside the core, down the picture (documents and portfolio
use money and deadlines, which use law and case); the core and the evidence package never read
the clock or the environment and never use float (the clock with the exception listed below, and its
reason); each third-party library is imported in one module, or in the modules of one declared
layer."""

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
# Modules that may read the clock, and why: never for a date of the law or a computed amount.
CLOCK_ALLOWED = {
    "legaldocs/runs.py": "the age of a folder left by a run of an earlier version, before it is cleared",
}
# Libraries imported by more than one module: the layer of modules that may import each, and why.
# A module outside its layer importing it fails the test.
LAYERS = {
    # the PDF layer of the evidence package: reading and normalising, the streaming writer, fonts
    # and annotations drawn into pages, images resampled inside pages
    "pikepdf": {"evidence/pdf.py", "evidence/writer.py", "evidence/fonts.py", "evidence/annotations.py",
                "evidence/downsample.py"},
    # font subsets embedded in exhibit pages, and the OFD worker's fonts for its own process
    "fontTools": {"evidence/fonts.py", "evidence/_ofd_worker.py"},
    # the 证据目录's rows (indexrows), and a page tree as written, before qpdf mends it (pdf)
    "pypdf": {"evidence/indexrows.py", "evidence/pdf.py"},
    # the standard fonts' widths (fonts), and the canvas the OFD library draws on (its worker)
    "reportlab": {"evidence/fonts.py", "evidence/_ofd_worker.py"},
    # workbooks: the statement written (documents) and the case ledger read and written (portfolio,
    # a room of the same level that may not import documents)
    "openpyxl": {"legaldocs/documents/xlsx.py", "legaldocs/portfolio/ledger.py"},
}

# Rooms of the core by level: a module may import rooms of a lower level only (never a sibling,
# never upward). The modules at the root of the package are the foundation every room may use
# (errors, atomic file writes, Chinese renderings of figures, messages in the reader's language,
# the folders of a run and the clearing of dead runs' debris), except cli, which sits on top.
LEVELS = {"case": 1, "law": 1, "money": 2, "deadlines": 2, "documents": 3, "portfolio": 3, "filings": 4, "dossier": 4}
FOUNDATION = {"errors", "files", "chinese", "i18n", "runs", "__init__"}
TOP = {"cli"}


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
            where = str(path.relative_to(ROOT))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    if (node.value.id, node.attr) in CLOCK and where not in CLOCK_ALLOWED:
                        bad.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}")
                    if node.value.id == "os" and node.attr in ("environ", "getenv"):
                        bad.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}")
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
    spread = {name: sorted(paths - LAYERS[name]) if name in LAYERS else sorted(paths)
              for name, paths in where.items() if len(paths) > 1}
    spread = {name: paths for name, paths in spread.items() if paths}
    assert not spread, spread


def _room(module: str) -> str | None:
    """The room (or foundation module) of a dotted module name inside legaldocs."""
    parts = module.split(".")
    return parts[1] if parts[0] == "legaldocs" and len(parts) > 1 else None


def _core_imports(path: Path, tree: ast.AST) -> set[str]:
    """Dotted names of legaldocs modules imported by one module (absolute and relative)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("legaldocs.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "legaldocs":
                names |= {f"legaldocs.{a.name}" for a in node.names}
            elif module.startswith("legaldocs."):
                names.add(module)
    return names


def test_core_is_grouped_into_the_rooms_of_the_design():
    stray = [p.name for p in (ROOT / "legaldocs").glob("*.py") if p.stem not in FOUNDATION | TOP]
    assert not stray, f"modules at the root of legaldocs outside the foundation: {stray}"
    rooms = {p.name for p in (ROOT / "legaldocs").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms <= set(LEVELS), f"rooms not in the design's picture: {rooms - set(LEVELS)}"
    for room in rooms:
        size = len(list((ROOT / "legaldocs" / room).glob("*.py")))
        assert size <= 12, f"legaldocs/{room} has {size} modules; split it (DESIGN: about ten a room)"


def test_imports_inside_the_core_point_down_the_picture():
    bad = []
    for path, tree in _modules("legaldocs"):
        rel = path.relative_to(ROOT / "legaldocs")
        own = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        for name in _core_imports(path, tree):
            target = _room(name)
            if target is None or target == own or target in FOUNDATION:
                continue
            if own in TOP:
                continue
            if own in FOUNDATION:
                bad.append(f"{rel} (foundation) imports {name}")
            elif target in TOP or LEVELS.get(target, 99) >= LEVELS[own]:
                bad.append(f"{rel} ({own}, level {LEVELS[own]}) imports {name} (level {LEVELS.get(target, '?')})")
    assert not bad, bad
