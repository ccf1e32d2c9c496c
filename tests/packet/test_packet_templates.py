"""A bank's own templates: ``--templates DIR`` (or LEGALDOCS_TEMPLATES) replaces the built-in
templates it holds, the others stay the built-in ones, and the option wins over the variable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from docx import Document
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
MARK = "本行自定模板（测试标记）"


def _cli(*args, env_templates: str | None = None, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LEGALDOCS_TEMPLATES"}
    if env_templates is not None:
        env["LEGALDOCS_TEMPLATES"] = env_templates
    return subprocess.run([sys.executable, "-m", "evidence.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _text(docx: Path) -> str:
    return "\n".join(p.text for p in Document(str(docx)).paragraphs)


def test_a_bank_folder_replaces_the_templates_it_holds_and_the_option_wins(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    sheet = Document(str(ROOT / "templates" / "fee_sheet.docx"))
    sheet.add_paragraph(MARK)
    sheet.save(str(bank / "fee_sheet.docx"))
    out = tmp_path / "out"
    done = _cli("packet", DEMO, "--out", out, "--quiet", "--templates", bank,
                env_templates=str(tmp_path / "not-a-folder"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    packet = out / "DEMO-2025-001"
    assert MARK in _text(packet / "诉讼费用计算表.docx")
    assert MARK in "".join(page.extract_text() for page in PdfReader(str(packet / "诉讼费用计算表.pdf")).pages)
    assert MARK not in _text(packet / "民事起诉状.docx")  # not in the bank's folder: the built-in one
    assert (packet / "证据材料.pdf").is_file()


def test_the_variable_names_the_folder_and_a_missing_one_is_refused(tmp_path):
    missing = tmp_path / "no-such-folder"
    bad = _cli("packet", DEMO, "--out", tmp_path / "out", "--quiet", env_templates=str(missing), cwd=tmp_path)
    assert bad.returncode == 2 and str(missing) in bad.stderr and "--templates" in bad.stderr
    assert not (tmp_path / "out").exists()
    help_text = _cli("packet", "--help", cwd=tmp_path).stdout
    assert "--templates" in help_text and "LEGALDOCS_TEMPLATES" in help_text and "内置模板" in help_text
