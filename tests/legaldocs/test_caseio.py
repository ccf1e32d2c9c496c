"""Case-file validation: every problem listed by field path, nothing written."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from legaldocs.caseio import load_case
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
    assert case.claim.interest is not None and str(case.claim.interest) == "3504.17"
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
    assert problems["parties.P1.id_number"] == "check digit does not match"
    assert problems["creditor.uscc"] == "check digit does not match"
    assert "at most 2 decimal places" in problems["loans[0].principal"]
    assert "'P9'" in problems["loans[0].borrowers[1]"]
    assert "not after the draw date" in problems["loans[0].draws[0].maturity"]
    assert "'L7'" in problems["guarantees[0].secures[0]"]
    assert "'E99'" in problems["events[0].evidence[0]"]
    assert "positive" in problems["claim.principal"]
    assert "does not exist" in problems["evidence[0].files[0]"]


def test_identity_must_agree_with_id_number(tmp_path):
    data = _demo_data()
    data["parties"]["P1"]["birth_date"] = "1979-04-13"
    data["parties"]["P1"]["gender"] = "女"
    problems = _problems(_write(tmp_path, data))
    assert "1979-04-12" in problems["parties.P1.birth_date"]
    assert "gender" in problems["parties.P1.gender"]


def test_unknown_fields_and_missing_sections(tmp_path):
    data = _demo_data()
    data["loans"][0]["interest_rate"] = 0.05
    del data["court"]
    problems = _problems(_write(tmp_path, data))
    assert problems["loans[0].interest_rate"] == "is not a known field"
    assert problems["court"] == "is required"


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
        ("a: [1, 2", "invalid YAML"),
        ("base: &a [1]\nother: *a\n", "aliases"),
        ("- just a list\n", "mapping"),
        ("amount: .nan\n", "not a decimal"),
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
    assert "outside the case folder" in problems["evidence[0].files[0]"]


def test_not_utf8_and_missing_file(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"court: \xff\xfe")
    with pytest.raises(CaseValidationError, match="UTF-8"):
        load_case(path)
    with pytest.raises(CaseValidationError, match="cannot be read"):
        load_case(tmp_path / "absent.yaml")
