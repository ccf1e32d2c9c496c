"""Messages in Chinese by default, English on request, through the gettext catalogue: the
catalogue agrees with the source, every message is translated with the same placeholders, the
compiled .mo is the .po; validation problems keep their field paths untranslated; the command
line's --lang and locale choose the language of messages, help and progress."""

from __future__ import annotations

import ast
import gettext
import json
import os
import re
import runpy
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from legaldocs import i18n
from legaldocs.case.load import load_case
from legaldocs.errors import CaseValidationError

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "legaldocs" / "locale"
POT = LOCALE / "legaldocs.pot"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "legaldocs.po"
MO = PO.with_suffix(".mo")
BAD_ID = "110105197904120132"  # the demo borrower's number with a wrong check digit


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="zh_CN" if path.suffix == ".po" else None)


def _ids(catalogue) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalogue if m.id}


def _fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


# the catalogue


def test_template_is_up_to_date_with_the_source(tmp_path):
    fresh = tmp_path / "fresh.pot"
    runpy.run_path(str(ROOT / "scripts" / "update_messages.py"))["extract"](fresh)
    missing = _ids(_read(fresh)) - _ids(_read(POT))
    stale = _ids(_read(POT)) - _ids(_read(fresh))
    assert not missing and not stale, (
        f"legaldocs.pot is out of date (run scripts/update_messages.py): new {sorted(map(str, missing))}, "
        f"gone {sorted(map(str, stale))}")


def test_every_message_has_a_chinese_translation():
    po = _read(PO)
    assert _ids(po) == _ids(_read(POT)), "the .po lacks messages of the .pot: run scripts/update_messages.py"
    untranslated = [m.id for m in po if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in {PO.name}: {untranslated}"
    assert not fuzzy, f"fuzzy (unchecked) translations in {PO.name}: {fuzzy}"


def test_placeholders_of_each_translation_are_those_of_its_message():
    wrong = []
    for m in _read(PO):
        if not m.id:
            continue
        if isinstance(m.id, str):
            pairs = [(m.id, m.string)]
        else:  # plural forms: Chinese has one, which stands for the plural
            pairs = [(m.id[1], form) for form in m.string]
        for source, translated in pairs:
            try:
                if _fields(source) != _fields(translated):
                    wrong.append((source, translated))
            except ValueError as exc:  # an unbalanced brace
                wrong.append((source, f"{translated} ({exc})"))
    assert not wrong, wrong


def test_compiled_catalogue_is_the_translations(tmp_path):
    fresh = tmp_path / "legaldocs.mo"
    with fresh.open("wb") as handle:
        write_mo(handle, _read(PO))
    with fresh.open("rb") as a, MO.open("rb") as b:
        compiled, shipped = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    assert shipped._catalog == compiled._catalog, "legaldocs.mo is stale: run scripts/update_messages.py"


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield node


def test_messages_are_written_so_that_they_can_be_translated():
    """``_()`` gets a literal (no f-string, no concatenation at run time) and is never shadowed by
    a throwaway ``_`` in the same function (which would make the call fail)."""
    bad = []
    for package in ("legaldocs", "evidence"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = path.relative_to(ROOT)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
                    arg = node.args[0] if node.args else None
                    if isinstance(arg, ast.JoinedStr):
                        bad.append(f"{where}:{node.lineno} f-string inside {node.func.id}()")
            for fn in _functions(tree):
                body = list(ast.walk(fn))
                calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in body)
                own = {id(t) for c in body if isinstance(c, ast.comprehension) for t in ast.walk(c.target)}  # own scope
                binds = [n for n in body if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                         and id(n) not in own]
                if calls and binds:
                    bad.append(f"{where}:{binds[0].lineno} '_' assigned in a function that translates with _()")
    assert not bad, bad


def test_language_of_locale_settings():
    assert i18n.language_of("en_US.UTF-8") == "en"
    assert i18n.language_of("en") == "en"
    assert i18n.language_of("fr_FR:en") == "en"
    for chinese in ("zh_CN.UTF-8", "zh_TW", "C", "C.UTF-8", "POSIX", "", None, "de_DE.UTF-8"):
        assert i18n.language_of(chinese) == "zh_CN", chinese


# messages of the core


@pytest.fixture
def bad_id_case(demo_variant):
    def change(data):
        data["parties"]["P1"]["id_number"] = BAD_ID
    return demo_variant(change)


def test_validation_problem_in_chinese_with_the_field_path_as_it_is(bad_id_case):
    with pytest.raises(CaseValidationError) as info:
        load_case(bad_id_case, check_files=False)
    assert ("parties.P1.id_number", "校验位不符") in info.value.problems
    assert "1处问题" in str(info.value)
    assert "  parties.P1.id_number: 校验位不符" in str(info.value)


def test_validation_problem_in_english_on_request(bad_id_case):
    i18n.set_language("en")
    with pytest.raises(CaseValidationError) as info:
        load_case(bad_id_case, check_files=False)
    assert ("parties.P1.id_number", "check digit does not match") in info.value.problems
    assert ": 1 problem\n" in str(info.value)


# the command line: --lang, the locale, help, progress and summaries

CLI = [sys.executable, "-m", "evidence.cli"]
DEMO = ROOT / "examples" / "demo" / "case.yaml"


def _env(**locale: str) -> dict[str, str]:
    """The test's environment with the locale variables replaced by ``locale``."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return {**env, **locale}


def run(*args, **locale):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=_env(**locale))


def test_cli_validation_in_chinese_by_default(bad_id_case):
    for locale in ({}, {"LANG": "C.UTF-8"}, {"LANG": "zh_CN.UTF-8"}, {"LC_ALL": "POSIX"}):
        out = run("validate", bad_id_case, "--no-files", **locale)
        assert out.returncode == 2, (locale, out.stderr)
        assert "parties.P1.id_number: 校验位不符" in out.stderr, (locale, out.stderr)
        assert "1处问题" in out.stderr


def test_cli_validation_in_english_on_request(bad_id_case):
    for args, locale in ((("--lang", "en"), {}), (("--lang=en",), {"LANG": "zh_CN.UTF-8"}), ((), {"LANG": "en_US.UTF-8"}),
                         ((), {"LANGUAGE": "en_GB:en", "LANG": "zh_CN.UTF-8"}), ((), {"LC_MESSAGES": "en_US.UTF-8"})):
        out = run(*args, "validate", bad_id_case, "--no-files", **locale)
        assert out.returncode == 2, (args, locale, out.stderr)
        assert "parties.P1.id_number: check digit does not match" in out.stderr, (args, locale, out.stderr)
        assert ": 1 problem\n" in out.stderr
    out = run("--lang", "zh", "validate", bad_id_case, "--no-files", LANG="en_US.UTF-8")  # the option wins
    assert "parties.P1.id_number: 校验位不符" in out.stderr


def test_cli_json_errors_keep_their_keys_and_translate_the_messages(bad_id_case):
    out = run("deadlines", bad_id_case, "--as-of", "2025-01-01", "--json")
    body = json.loads(out.stdout)
    assert set(body) == {"error", "exit", "problems"} and body["exit"] == 2
    assert {"field": "parties.P1.id_number", "message": "校验位不符"} in body["problems"]
    body = json.loads(run("--lang", "en", "deadlines", bad_id_case, "--as-of", "2025-01-01", "--json").stdout)
    assert {"field": "parties.P1.id_number", "message": "check digit does not match"} in body["problems"]


def test_cli_help_in_both_languages():
    chinese = run("--help")
    assert chinese.returncode == 0
    assert "不良贷款清收处置：起诉材料、欠款数额、诉讼费用与各类期限。" in chinese.stdout
    assert "显示本帮助并退出。" in chinese.stdout and "提示信息和帮助的语言" in chinese.stdout
    assert "按《诉讼费用交纳办法》计算诉讼费用，并列明计算过程。" in chinese.stdout  # a command's short help
    assert "  rules           以数据形式列出的法律规则" in chinese.stdout  # cut by width, not at (absent) spaces
    english = run("--lang", "en", "--help")
    assert "Filing packets, amounts, fees and deadlines" in english.stdout
    assert "Show this message and exit." in english.stdout and "不良贷款清收处置：" not in english.stdout
    assert run("--help", LANG="en_US.UTF-8").stdout == english.stdout
    assert run("--help", "--lang", "en").stdout == english.stdout  # --lang is read before --help whatever the order
    packet_zh = run("packet", "--help").stdout
    assert "生成案件 CASE 的起诉材料" in packet_zh and "数额计算截止日 YYYY-MM-DD（默认为 claim.as_of）" in packet_zh
    packet_en = run("--lang", "en", "packet", "--help").stdout
    assert "Build the filing packet of CASE" in packet_en and "date YYYY-MM-DD the amounts are stated to" in packet_en
    assert run("templates", "check", "--help").stdout.count("检查模板：占位符写法") == 1


def test_cli_refuses_a_language_it_does_not_have():
    out = run("--lang", "fr", "--help")
    assert out.returncode == 2 and "'fr' 不是 zh 或 en" in out.stderr


def test_cli_tables_and_notes_in_the_language():
    zh = run("fees", "--amount", "100000")
    assert "计算步骤" in zh.stdout and "应交费用：2300.00元" in zh.stdout
    en = run("--lang", "en", "fees", "--amount", "100000")
    assert "step" in en.stdout and "fee: 2300.00 元" in en.stdout
    bad = run("fees", "--amount", "12.345")
    assert bad.returncode == 2 and "--amount：'12.345' 超过两位小数（应精确到分）" in bad.stderr


def test_packet_progress_and_summary_in_chinese(tmp_path):
    from evidence.packet import build_packet

    stages = []
    build_packet(DEMO, tmp_path / "in-process", progress=lambda stage, done, total: stages.append(stage))
    assert stages[0].startswith("证据1 ") and "证据目录" in stages and "证据材料" in stages
    assert stages[-1] == "清单与压缩包"
    out = run("packet", DEMO, "--out", tmp_path / "cli", "--quiet")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("起诉材料：")
    assert re.search(r"证据材料\.pdf 共\d+页（证据目录\d+页，证据\d+份）\n\s*案件受理费 [\d.]+ 元", out.stdout), out.stdout
    if "审查意见" in out.stderr:
        assert re.search(r"审查意见（(必须处理|需要核对|提示)\d+项", out.stderr), out.stderr


def test_exhibit_progress_in_english_on_request(tmp_path):
    from evidence.packet import prepare_exhibits

    i18n.set_language("en")
    stages = []
    loaded = load_case(DEMO)
    prepare_exhibits(loaded, tmp_path, lambda stage, done, total: stages.append(stage))
    assert stages == [f"exhibit {i} {item.title}" for i, item in enumerate(loaded.case.evidence, start=1)]
