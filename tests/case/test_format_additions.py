"""Facts the case file can now say, each validated: entities registered before the unified code,
foreign-currency claims, proceedings that ended without a judgment, measures carried out after
the ruling, an agreed order of recourse, unregistered mortgages, stated figures."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.iso7064 import mod_11_10

from legaldocs.case.identifiers import organization_code_problem, registration_number_problem
from legaldocs.case.load import load_case
from legaldocs.errors import CaseValidationError


def _problems(path) -> dict[str, str]:
    with pytest.raises(CaseValidationError) as exc:
        load_case(path, check_files=False)
    return dict(exc.value.problems)


def test_old_registration_numbers_are_checked():
    assert organization_code_problem("D2143569-X") is None  # GB 11714's own example
    assert organization_code_problem("71610585-2") is None  # inside a real USCC, 91330100716105852F
    assert organization_code_problem("71610585-3") == "校验码不符"
    body = "11010500000000"
    assert registration_number_problem(body + mod_11_10.calc_check_digit(body)) is None
    assert registration_number_problem("110105000000001") == "校验位不符"
    assert "15位数字" in registration_number_problem("1101050000")


def test_entity_registered_before_the_unified_code(demo_variant):
    def old_company(d):
        party = d["parties"]["C1"]
        party.pop("uscc")
        party["organization_code"] = "D2143569-X"
    case = load_case(demo_variant(old_company), check_files=False).case
    assert case.parties["C1"].identifier_lines() == ["组织机构代码：D2143569-X"]

    def none(d):
        d["parties"]["C1"].pop("uscc")
    assert "registration_number" in _problems(demo_variant(none))["parties.C1"]


def test_foreign_currency_needs_one_currency_and_a_rate(demo_variant):
    def usd_loan_only(d):
        d["loans"][0]["currency"] = "USD"
    problems = _problems(demo_variant(usd_loan_only))
    assert "与 claim.currency（CNY）不一致" in problems["loans[0].currency"]

    def cny_with_rate(d):
        d["claim"]["exchange_rate"] = {"rate": "7.1", "on": dt.date(2025, 7, 1)}
    assert "仅适用于外币债权" in _problems(demo_variant(cny_with_rate))["claim.exchange_rate"]


def test_events_of_proceedings_and_measures(demo_variant):
    def bad(d):
        d["events"] += [
            {"date": dt.date(2025, 6, 1), "kind": "撤回起诉", "parties": ["P1"]},
            {"date": dt.date(2025, 6, 2), "kind": "查封冻结", "asset": "deposit", "executed_on": dt.date(2025, 6, 1)},
        ]
    problems = _problems(demo_variant(bad))
    assert "没有开始该程序的“提起诉讼”事件" in problems["events[2].kind"]
    assert "作出的裁定" in problems["events[3].executed_on"]


def test_security_order_unregistered_mortgage_lpr_and_stated(demo_variant):
    def bad(d):
        d["security_order"] = ["M1", "G9", "M1"]
        d["collateral"][0]["registration_kind"] = "未登记"
        d["loans"][0]["lpr"] = {"term": "1y", "spread": "0.001"}
        d["loans"][0]["signed_on"] = dt.date(2019, 3, 1)
        d["loans"][0]["draws"][0]["date"] = dt.date(2019, 3, 20)
        d["stated"] = [{"by": "court", "dates": {"limitaton": dt.date(2028, 5, 9)}}]
    problems = _problems(demo_variant(bad))
    assert "引用的保证或担保物 'G9' 未定义" in problems["security_order[1]"]
    assert "重复列出" in problems["security_order[2]"]
    assert "未登记" in problems["collateral[0].registered_on"]
    assert "2019-08-20" in problems["loans[0].lpr"]
    assert "不是期限种类" in problems["stated[0].dates.limitaton"]


def test_guarantee_limits(demo_variant):
    def both(d):
        d["guarantees"][0].update(liability_cap="100000", share="0.4")
    assert "只能填写其一" in _problems(demo_variant(both))["guarantees[0]"]

    def fixed_without_maximum(d):
        d["guarantees"][0]["claims_fixed_on"] = dt.date(2025, 4, 1)
    assert "仅适用于最高额保证" in _problems(demo_variant(fixed_without_maximum))["guarantees[0]"]


def test_one_repricing_basis_costs_currency_and_dates_in_range(demo_variant):
    def bad(d):
        d["loans"][0]["lpr"] = {"term": "1y", "spread": "0.001"}
        d["loans"][0]["rate_changes"] = [{"date": dt.date(2024, 3, 20), "annual_rate": "0.05"}]
        d["claim"]["costs"].append({"name": "境外律师费", "amount": "5000", "currency": "USD"})
        d["loans"][0]["draws"][0]["maturity"] = dt.date(9999, 12, 31)
        d["events"][0]["until"] = dt.date(2020, 1, 1)
        d["events"][0]["kind"] = "判决生效"
    problems = _problems(demo_variant(bad))
    assert "只能填写其一" in problems["loans[0]"]
    assert "应为 CNY 或本案债权的币种" in problems["claim.costs[1].currency"]
    assert "超出可处理的年份范围（1900年至2199年）" in problems["loans[0].draws[0].maturity"]
    assert "早于该事件的日期" in problems["events[0].until"]


def test_lpr_plus_a_negative_spread_below_zero_is_an_error(demo_variant):
    from legaldocs.errors import LegalDocsError
    from legaldocs.money.statement import case_statement

    def negative(d):
        d["loans"][0].update(lpr={"term": "1y", "spread": "-0.038"}, signed_on=dt.date(2023, 3, 18))
    case = load_case(demo_variant(negative), check_files=False).case
    with pytest.raises(LegalDocsError, match="spread"):
        case_statement(case, dt.date(2025, 6, 30))


def test_yaml_numbers_that_are_not_plain_stay_text(tmp_path):
    """YAML 1.1 reads 0123 as octal 83 and 12:30 as 750: the case id must not change silently."""
    import yaml as _yaml

    from legaldocs.case.load import read_case_data

    path = tmp_path / "c.yaml"
    path.write_text("case_id: 0123\nb: 0x1F\nc: 12:30\nd: 360\n", encoding="utf-8")
    assert read_case_data(path) == {"case_id": "0123", "b": "0x1F", "c": "12:30", "d": 360}
    assert _yaml.safe_load("x: 0123")["x"] == 83  # what a plain YAML reader would have done


def test_interest_day_is_a_number_not_true(demo_variant):
    assert "应为整数" in _problems(demo_variant(lambda d: d["loans"][0].update(interest_day=True)))["loans[0].interest_day"]
