"""The distribution on its own, as a bank installs it: build the sdist and the wheel from the
sources, install the wheel into a new virtualenv and run ``legaldocs packet`` on the demo case from
another folder, so that nothing is found only because the repository is the working folder.
Also checks the wheel holds every template, rule table and translation catalogue of the sources.

Slow (about a minute: a build, an install and one packet with LibreOffice); marked ``packaging``
(``-m "not packaging"`` leaves it out). No network: the build uses the test environment's
setuptools (``--no-isolation``; build, setuptools and wheel are in the ``test`` extra) and the new
virtualenv takes the project's dependencies from the test environment through a ``.pth`` file
naming a folder of links to them, which leaves out this project's own (editable) installation.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
SOURCES = ["pyproject.toml", "setup.py", "README.md", "legaldocs", "evidence", "api", "templates"]
# this project in the test environment: its packages (when not editable) and its editable installation
OWN_NAMES = {"legaldocs", "evidence", "api"}
OWN_PREFIXES = ("legaldocs-", "__editable__")
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".*", "~$*")

pytestmark = pytest.mark.packaging


def _run(argv: list, cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{' '.join(map(str, argv))}\nstdout:\n{out.stdout}\nstderr:\n{out.stderr}"
    return out


def _build_tools_missing() -> str | None:
    try:
        import build  # noqa: F401
        import setuptools
        import wheel  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is missing: install the test extra (.venv/bin/pip install -e '.[test]')"
    if int(setuptools.__version__.split(".")[0]) < 68:
        return f"setuptools {setuptools.__version__} is older than pyproject.toml requires (68): .venv/bin/pip install -e '.[test]'"
    return None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built (through the sdist) from a copy of the sources."""
    missing = _build_tools_missing()
    assert missing is None, missing
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=JUNK)
        else:
            shutil.copy2(path, src / name)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, src], cwd=src)
    wheels = list(dist.glob("legaldocs-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _dependency_links(folder: Path) -> Path:
    """A folder of links to everything installed in this test environment except this project."""
    folder.mkdir()
    packages = [Path(p) for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}]
    for where in packages:
        if not where.is_dir():
            continue
        for entry in where.iterdir():
            own = entry.name in OWN_NAMES or entry.name.startswith(OWN_PREFIXES)
            if own or entry.suffix == ".pth" or (folder / entry.name).exists():
                continue
            (folder / entry.name).symlink_to(entry)
    return folder


def _shipped(path: Path) -> bool:
    """Whether a file of templates/ belongs in the wheel: all but bytecode, hidden files and the
    lock and temporary files of word processors (pyproject.toml's exclude-package-data)."""
    return not (any(part == "__pycache__" or part.startswith((".", "~$")) for part in path.parts)
                or path.suffix in (".pyc", ".tmp") or path.name in ("Thumbs.db", "desktop.ini"))


def test_wheel_holds_every_template_rule_table_and_catalogue(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = ROOT / "templates"
    expected = {f"legaldocs/templates/{p.relative_to(templates).as_posix()}" for p in templates.rglob("*")
                if p.is_file() and _shipped(p.relative_to(templates))}
    assert {f"legaldocs/templates/{p.name}" for p in templates.glob("*.docx")} <= expected
    expected |= {f"legaldocs/law/data/{p.name}" for p in (ROOT / "legaldocs" / "law" / "data").glob("*.toml")}
    expected |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "legaldocs" / "locale").rglob("*")
                 if p.suffix in (".mo", ".po")}
    expected |= {p.relative_to(ROOT).as_posix() for pkg in ("legaldocs", "evidence") for p in (ROOT / pkg).rglob("*.py")
                 if "__pycache__" not in p.parts}
    assert "legaldocs/templates/complaint.docx" in expected and "legaldocs/law/data/court_fees.toml" in expected
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")], "bytecode in the wheel"


def test_installed_wheel_builds_the_demo_packet_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=tmp_path).stdout.strip())
    links = _dependency_links(tmp_path / "dependencies")
    (purelib / "test-dependencies.pth").write_text(f"{links}\n", encoding="utf-8")
    # with its dependencies: pip checks they are all there, and fails rather than download
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--no-cache-dir",
          "--disable-pip-version-check", wheel], cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LEGALDOCS_TEMPLATES", "VIRTUAL_ENV")}
    where = _run([python, "-c", "import legaldocs, evidence; from legaldocs.documents.templates import "
                  "builtin_template_folder as b; print(legaldocs.__file__); print(evidence.__file__); print(b())"],
                 cwd=elsewhere, env=env).stdout.split()
    assert all(Path(p).is_relative_to(purelib) for p in where), where

    out = tmp_path / "out"
    done = _run([venv / "bin" / "legaldocs", "packet", DEMO, "--out", out, "--quiet"], cwd=elsewhere, env=env)
    packet = out / "DEMO-2025-001"
    assert str(packet) in done.stdout
    assert done.stdout.startswith("起诉材料："), "the message catalogue did not ship or was not found"
    for name in ("民事起诉状.docx", "民事起诉状.pdf", "证据目录.pdf", "证据材料.pdf", "诉讼费用计算表.pdf",
                 "欠款明细表.pdf", "manifest.json", "packet.zip"):
        assert (packet / name).is_file() and (packet / name).stat().st_size > 0, name
    assert (packet / "证据材料.pdf").read_bytes().startswith(b"%PDF-")
    assert not list(elsewhere.iterdir()), "the command wrote into the folder it was run from"
