"""Case-file validation: every problem listed by field path, nothing written."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from legaldocs.case.load import load_case
from legaldocs.errors import CaseValidationError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"


def _demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict, name: str = "case.yaml") -> Path:
    # evidence paths of the demo are relative to its folder: make them absolute
    for item in data.get("evidence", []):
        item["files"] = [str((DEMO.parent / f).resolve()) if not Path(f).is_absolute() else f for f in item["files"]]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _problems(path: Path) -> dict[str, str]:
    with pytest.raises(CaseValidationError) as info:
        load_case(path)
    return dict(info.value.problems)


def test_demo_is_valid_and_amounts_are_exact():
    loaded = load_case(DEMO)
    case = loaded.case
    assert case.claim.interest is not None and str(case.claim.interest) == "3564.59"
    assert str(case.loans[0].annual_rate) == "0.0435"
    assert all(p.is_file() for files in loaded.evidence_files.values() for p in files)


def test_every_problem_is_listed_by_field_path(tmp_path):
    data = _demo_data()
    data["parties"]["P1"]["id_number"] = "110105197904120132"  # wrong check digit
    data["creditor"]["uscc"] = "91310115MA1H7K3D23"
    data["loans"][0]["principal"] = "500000.001"
    data["loans"][0]["borrowers"] = ["P1", "P9"]
    data["loans"][0]["draws"][0]["maturity"] = "2023-03-01"
    data["guarantees"][0]["secures"] = ["L7"]
    data["events"][0]["evidence"] = ["E99"]
    data["claim"]["principal"] = -1
    data["evidence"][0]["files"] = ["missing.pdf"]
    problems = _problems(_write(tmp_path, data))
    assert problems["parties.P1.id_number"] == "校验位不符"
    assert problems["creditor.uscc"] == "校验位不符"
    assert "最多保留两位小数" in problems["loans[0].principal"]
    assert "'P9'" in problems["loans[0].borrowers[1]"]
    assert "不晚于放款日" in problems["loans[0].draws[0].maturity"]
    assert "'L7'" in problems["guarantees[0].secures[0]"]
    assert "'E99'" in problems["events[0].evidence[0]"]
    assert "大于零" in problems["claim.principal"]
    assert "不存在" in problems["evidence[0].files[0]"]


def test_identity_must_agree_with_id_number(tmp_path):
    data = _demo_data()
    data["parties"]["P1"]["birth_date"] = "1979-04-13"
    data["parties"]["P1"]["gender"] = "女"
    problems = _problems(_write(tmp_path, data))
    assert "1979-04-12" in problems["parties.P1.birth_date"]
    assert "性别不符" in problems["parties.P1.gender"]


def test_unknown_fields_and_missing_sections(tmp_path):
    data = _demo_data()
    data["loans"][0]["interest_rate"] = 0.05
    del data["court"]
    problems = _problems(_write(tmp_path, data))
    assert problems["loans[0].interest_rate"] == "不是可识别的字段"
    assert problems["court"] == "必须填写"


def test_json_is_accepted_with_exact_decimals(tmp_path):
    data = _demo_data()
    _write(tmp_path, data)  # makes evidence paths absolute
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    case = load_case(path).case
    assert str(case.claim.penalty_interest) == "9334.38"


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("a: [1, 2", "YAML 格式错误"),
        ("base: &a [1]\nother: *a\n", "YAML 别名"),
        ("- just a list\n", "最外层应为案件各字段"),
        ("amount: .nan\n", "不是十进制数"),
    ],
)
def test_hostile_yaml(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseValidationError, match=fragment):
        load_case(path)


def test_confined_evidence_paths(tmp_path):
    data = _demo_data()
    data["evidence"][0]["files"] = ["../../etc/passwd.pdf"]
    path = tmp_path / "case.yaml"
    inner = copy.deepcopy(data)
    for item in inner["evidence"][1:]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    path.write_text(yaml.safe_dump(inner, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CaseValidationError) as info:
        load_case(path, confine_to=tmp_path)
    problems = dict(info.value.problems)
    assert "指向案件文件夹以外" in problems["evidence[0].files[0]"]


def test_not_utf8_and_missing_file(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"court: \xff\xfe")
    with pytest.raises(CaseValidationError, match="UTF-8"):
        load_case(path)
    with pytest.raises(CaseValidationError, match="无法读取"):
        load_case(tmp_path / "absent.yaml")


def test_claims_and_repayments_must_fit_the_loans(tmp_path):
    data = _demo_data()
    data["claim"]["principal"] = "5000000.00"
    data["repayments"].append({"date": "2026-01-20", "amount": "600000.00", "loan": "L1", "applied_to": "principal"})
    problems = _problems(_write(tmp_path, data))
    assert "超过全部借款合同项下已发放的500,000.00元" in problems["claim.principal"]
    last = len(data["repayments"]) - 1
    assert f"repayments[{last}].date" not in problems  # paid after the cut-off: recorded, not refused
    assert "超过已发放金额" in problems["repayments"]


def test_borrower_cannot_guarantee_own_debt(tmp_path):
    data = _demo_data()
    data["guarantees"][0]["guarantor"] = "P1"
    problems = _problems(_write(tmp_path, data))
    assert "不能为自己的债务提供保证" in problems["guarantees[0].guarantor"]


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2028", "\x07", "\ufeff"])
def test_invisible_and_control_characters_are_refused(tmp_path, char):
    data = _demo_data()
    data["parties"]["P1"]["name"] = f"陈{char}立"
    problems = _problems(_write(tmp_path, data))
    assert "不可见字符或控制字符" in problems["parties.P1.name"]


def test_duplicate_keys_and_impossible_dates(tmp_path):
    path = tmp_path / "dup.yaml"
    text = DEMO.read_text(encoding="utf-8")
    assert "  procedure: ordinary\n" in text
    path.write_text(text.replace("  procedure: ordinary\n", "  procedure: ordinary\n  procedure: simplified\n"), encoding="utf-8")
    with pytest.raises(CaseValidationError, match="键 'procedure' 重复"):
        load_case(path)
    path = tmp_path / "dup.json"
    path.write_text('{"case_id": "A", "case_id": "B"}', encoding="utf-8")
    with pytest.raises(CaseValidationError, match="键 .* 重复"):
        load_case(path)
    data = _demo_data()
    written = _write(tmp_path, data)
    text = written.read_text(encoding="utf-8").replace("signed_on: 2023-03-18", "signed_on: 2023-02-30")
    written.write_text(text, encoding="utf-8")
    problems = _problems(written)
    assert "不是有效日期" in problems["loans[0].signed_on"]


def test_deep_nesting_and_symlink_loops(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 2000 + "]" * 2000, encoding="utf-8")
    with pytest.raises(CaseValidationError):
        load_case(path)
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(loop)
    data = _demo_data()
    written = _write(tmp_path, data)
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    data["evidence"][0]["files"] = [str(loop)]
    written.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = _problems(written)
    assert "路径无法解析" in problems["evidence[0].files[0]"]


def test_folder_as_evidence_file_and_huge_amounts(tmp_path):
    folder = tmp_path / "scan.pdf"
    folder.mkdir()
    data = _demo_data()
    written = _write(tmp_path, data)
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    data["evidence"][0]["files"] = [str(folder)]
    data["claim"]["interest"] = "99999999999999999999999999999.99"
    written.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = _problems(written)
    assert problems["evidence[0].files[0]"].endswith("是文件夹，不是文件")
    assert "大得不合常理" in problems["claim.interest"]
