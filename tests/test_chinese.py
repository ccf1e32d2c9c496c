"""Amounts in capitals (支付结算办法 附一) and Chinese dates."""

import datetime as dt
from decimal import Decimal

import pytest

from legaldocs.chinese import amount_in_capitals, date_in_chinese, date_in_chinese_numerals, format_amount, percent
from legaldocs.errors import LegalDocsError

CASES = [
    # the rule's own examples (second of the two allowed forms)
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "壹拾万零柒仟元伍角叁分"),
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    # zeros inside, across 万 and 亿 sections
    ("100300", "壹拾万零叁佰元整"),
    ("1010", "壹仟零壹拾元整"),
    ("10010000", "壹仟零壹万元整"),
    ("100000001", "壹亿零壹元整"),
    ("418676500", "肆亿壹仟捌佰陆拾柒万陆仟伍佰元整"),
    ("104836.96", "壹拾万零肆仟捌佰叁拾陆元玖角陆分"),
    ("1291", "壹仟贰佰玖拾壹元整"),
    ("10000", "壹万元整"),
    # fractions only
    ("0.50", "伍角整"),
    ("0.05", "伍分"),
    ("0", "零元整"),
    # rounding half-up to the 分 first
    ("0.005", "壹分"),
    ("12.345", "壹拾贰元叁角伍分"),
]


@pytest.mark.parametrize("amount,expected", CASES)
def test_amount_in_capitals(amount, expected):
    assert amount_in_capitals(Decimal(amount)) == expected


def test_negative_amount_is_refused():
    with pytest.raises(LegalDocsError):
        amount_in_capitals(Decimal("-1"))


def test_dates_and_figures():
    day = dt.date(2025, 10, 20)
    assert date_in_chinese(day) == "2025年10月20日"
    assert date_in_chinese_numerals(day) == "二〇二五年十月二十日"
    assert date_in_chinese_numerals(dt.date(2019, 1, 1)) == "二〇一九年一月一日"
    assert format_amount(Decimal("1234567.891")) == "1,234,567.89"
    assert percent(Decimal("0.06525")) == "6.525%"
    assert percent(Decimal("0.0918")) == "9.18%"
