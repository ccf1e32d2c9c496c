"""Chinese renderings of amounts and dates used in filings.

Amounts in capitals (大写金额) follow 中国人民银行《支付结算办法》附一《正确填写票据和结算凭证的基本规定》
(银发〔1997〕393号): digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿, 元/角/分; "整" after an amount that
ends at 元 or 角; one 零 for each run of zeros between significant digits of the integer part (also where the rule
makes it optional, a zero at the 万 position), no 零 for a zero at the 元 position before a 角 (so
107000.53 -> 壹拾万零柒仟元伍角叁分 and 1680.32 -> 壹仟陆佰捌拾元叁角贰分, the second form of the rule's
own examples); 零 before 分 when 角 is zero.
"""

from __future__ import annotations

import datetime as _dt
import re as _re
from decimal import ROUND_HALF_UP, Decimal

import cn2an

from legaldocs.errors import LegalDocsError
from legaldocs.i18n import _

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_SECTIONS = ("", "万", "亿", "万亿")
_CENT = Decimal("0.01")
_LOWER_DIGITS = "〇一二三四五六七八九"


def _integer_in_capitals(n: int) -> str:
    digits = [int(c) for c in reversed(str(n))]  # digits[p] is the digit at 10**p
    if len(digits) > 16:
        raise LegalDocsError(_("amount too large for Chinese capitals: {amount}").format(amount=n))
    out: list[str] = []
    zero_run = False
    for p in range(len(digits) - 1, -1, -1):
        d = digits[p]
        if d == 0:
            zero_run = bool(out)
        else:
            if zero_run:
                out.append("零")
                zero_run = False
            out.append(_DIGITS[d] + _UNITS[p % 4])
        if p % 4 == 0 and p > 0 and any(digits[p : p + 4]):
            out.append(_SECTIONS[p // 4])
    return "".join(out)


def amount_in_capitals(amount: Decimal) -> str:
    """Amount in Chinese capitals (大写), without the 人民币 prefix.

    ``amount``: Decimal in 元, >= 0; rounded half-up to 0.01 first.
    Examples: 100300 -> 壹拾万零叁佰元整; 1291.05 -> 壹仟贰佰玖拾壹元零伍分; 0.5 -> 伍角整.
    Raises LegalDocsError for a negative amount or one of 10**16 元 or more.
    Source: 支付结算办法 附一 (银发〔1997〕393号), 中文大写金额数字 rules.
    """
    value = Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    if value < 0:
        raise LegalDocsError(_("amount in capitals must not be negative: {amount}").format(amount=amount))
    yuan = int(value)
    cents = int((value - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    integer = _integer_in_capitals(yuan)
    if yuan == 0 and cents == 0:
        return "零元整"
    parts = []
    if yuan:
        parts.append(integer + "元")
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif fen and yuan:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    else:
        parts.append("整")
    return "".join(parts)


def format_amount(amount: Decimal, *, places: int = 2) -> str:
    """Amount in figures with thousands separators, rounded half-up: 1234567.891 -> '1,234,567.89'."""
    q = Decimal(1).scaleb(-places)
    value = Decimal(amount).quantize(q, rounding=ROUND_HALF_UP)
    return f"{value:,.{places}f}"


def date_in_chinese(day: _dt.date) -> str:
    """Date as written in filings: 2025-07-14 -> '2025年7月14日'."""
    return f"{day.year}年{day.month}月{day.day}日"


def date_in_chinese_numerals(day: _dt.date) -> str:
    """Date in Chinese numerals as on court documents: 2025-07-14 -> '二〇二五年七月十四日'."""
    year = "".join(_LOWER_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


def _small_number(n: int) -> str:
    if n < 10:
        return _LOWER_DIGITS[n]
    tens, units = divmod(n, 10)
    head = "" if tens == 1 else _LOWER_DIGITS[tens]
    return head + "十" + (_LOWER_DIGITS[units] if units else "")


def numeral(n: int) -> str:
    """A whole number of at least 1 in Chinese numerals, as in 被告十二, 第二十一组, 第一百零五册.

    Raises:
        LegalDocsError: ``n`` is not a whole number of at least 1.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise LegalDocsError(f"not a whole number of at least 1: {n!r}")
    return cn2an.an2cn(n)


def percent(rate: Decimal, *, places: int = 4) -> str:
    """Annual rate fraction as a percentage without trailing zeros: 0.06525 -> '6.525%'."""
    value = (Decimal(rate) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(value.normalize(), "f")
    return text + "%"


# unit written after an amount in figures, and the name written before an amount in capitals
CURRENCIES: dict[str, tuple[str, str]] = {
    "CNY": ("元", "人民币"),
    "USD": ("美元", "美元"),
    "EUR": ("欧元", "欧元"),
    "HKD": ("港元", "港币"),
    "JPY": ("日元", "日元"),
    "GBP": ("英镑", "英镑"),
}


def unit(currency: str = "CNY") -> str:
    """The unit written after an amount in figures: 'CNY' -> '元', 'USD' -> '美元'."""
    return CURRENCIES[currency][0]


def money_text(amount: Decimal, currency: str = "CNY") -> str:
    """An amount in figures with its unit: 3493000 USD -> '3,493,000.00美元'."""
    return f"{format_amount(amount)}{unit(currency)}"


def capitals_text(amount: Decimal, currency: str = "CNY") -> str:
    """An amount in capitals with its currency: 100300 -> '人民币壹拾万零叁佰元整'; in USD
    '美元叁佰肆拾玖万叁仟元整' (the 元/角/分 units of the capitals rule, as banks write foreign
    amounts)."""
    return CURRENCIES[currency][1] + amount_in_capitals(amount)


def number_from_text(raw: str) -> int:
    """A whole number written in digits or Chinese numerals: '36' -> 36, '三十六' -> 36,
    '两' -> 2. Raises LegalDocsError when it is neither."""
    raw = raw.strip()
    if raw.isdigit():
        return int(raw)
    try:
        value = cn2an.cn2an(raw, "smart")
    except (ValueError, KeyError, IndexError) as exc:
        raise LegalDocsError(_("not a number: {text}").format(text=repr(raw))) from exc
    if int(value) != value or value < 0:
        raise LegalDocsError(_("not a whole number: {text}").format(text=repr(raw)))
    return int(value)


_CN_DATE = _re.compile(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
_YEAR_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}


def dates_in_digits(text: str) -> str:
    """Dates written in Chinese numerals turned into figures, the rest of the text unchanged:
    '至二〇二六年六月二十八日止' -> '至2026年6月28日止'."""

    def figures(m: "_re.Match[str]") -> str:
        year = "".join(_YEAR_DIGITS[c] for c in m.group(1))
        return f"{year}年{number_from_text(m.group(2))}月{number_from_text(m.group(3))}日"

    return _CN_DATE.sub(figures, text)
