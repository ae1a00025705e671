"""Money parsing, formatting, rate arithmetic and 人民币大写."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.errors import ValidationError
from desktop.core.money import (
    MAX_FEN,
    amount_in_words,
    apply_rate,
    decimal_to_fen,
    fen_to_decimal,
    format_rate,
    format_wan,
    format_yuan,
    parse_amount,
    parse_optional_amount,
    parse_rate,
    yuan_string,
)

FIELD = "基数金额（元）"


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("1,234,567.89", 123456789),
        ("１２３４５６７．８９", 123456789),
        ("１，２３４", 123400),
        ("1，234，567", 123456700),
        ("12.5万", 12500000),
        ("3万元", 3000000),
        ("１２．５万元", 12500000),
        ("1.2345万", 1234500),
        ("100元", 10000),
        ("  1 500 000  ", 150000000),
        ("0", 0),
        ("0.05", 5),
        (".5", 50),
        ("1.5", 150),
        ("1.500", 150),
        ("+7", 700),
        ("1000000000000", MAX_FEN),
        ("1,000,000,000,000.00", MAX_FEN),
        (105.01999999999998, 10502),
        (3205000.0, 320500000),
        (0.1 + 0.2, 30),
        (12.5, 1250),
        (Decimal("350.05"), 35005),
        (Decimal("1.50"), 150),
        (42, 4200),
        (0, 0),
    ],
)
def test_parse_amount_accepts(value: object, fen: int) -> None:
    assert parse_amount(value, field=FIELD) == fen


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", f"{FIELD}“-5”不能为负数"),
        (-5, f"{FIELD}“-5”不能为负数"),
        (-0.5, f"{FIELD}“-0.5”不能为负数"),
        (Decimal("-1"), f"{FIELD}“-1”不能为负数"),
        ("abc", f"{FIELD}“abc”不是有效的金额"),
        ("1.2.3", f"{FIELD}“1.2.3”不是有效的金额"),
        ("1e5", f"{FIELD}“1e5”不是有效的金额"),
        ("元", f"{FIELD}“元”不是有效的金额"),
        ("-", f"{FIELD}“-”不是有效的金额"),
        ("5.", f"{FIELD}“5.”不是有效的金额"),
        ("NaN", f"{FIELD}“NaN”不是有效的金额"),
        ("12,34", f"{FIELD}“12,34”的千分位分隔符位置不正确"),
        ("1,2345", f"{FIELD}“1,2345”的千分位分隔符位置不正确"),
        (",123", f"{FIELD}“,123”的千分位分隔符位置不正确"),
        ("1.234", f"{FIELD}“1.234”最多精确到分（两位小数）"),
        ("1.2345678万", f"{FIELD}“1.2345678万”最多精确到分（两位小数）"),
        (1.234, f"{FIELD}“1.234”最多精确到分（两位小数）"),
        (Decimal("0.001"), f"{FIELD}“0.001”最多精确到分（两位小数）"),
        ("", f"{FIELD}不能为空"),
        ("   ", f"{FIELD}不能为空"),
        (None, f"{FIELD}不能为空"),
        (float("nan"), f"{FIELD}“nan”不是有效的金额"),
        (float("inf"), f"{FIELD}“inf”不是有效的金额"),
        (float("-inf"), f"{FIELD}“-inf”不是有效的金额"),
        (Decimal("NaN"), f"{FIELD}“NaN”不是有效的金额"),
        (True, f"{FIELD}“True”不是有效的金额"),
        ([1], f"{FIELD}“[1]”不是有效的金额"),
        ("1000000000000.01", f"{FIELD}“1000000000000.01”超过上限（1,000,000,000,000.00元）"),
        (10**13, f"{FIELD}“10000000000000”超过上限（1,000,000,000,000.00元）"),
        (1e300, f"{FIELD}“1e+300”超过上限（1,000,000,000,000.00元）"),
        ("10000000000万", f"{FIELD}“10000000000万”超过上限（1,000,000,000,000.00元）"),
    ],
)
def test_parse_amount_rejects(value: object, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount(value, field=FIELD)
    assert str(info.value) == message
    assert info.value.field == FIELD


def test_parse_amount_wan_can_be_refused() -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount("3万", field="上限", allow_wan=False)
    assert str(info.value) == "上限“3万”请以元为单位填写，不接受“万”"
    assert info.value.field == "上限"
    assert parse_amount("300元", allow_wan=False) == 30000


def test_parse_amount_default_field() -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount("x")
    assert str(info.value) == "金额“x”不是有效的金额"
    assert info.value.field == "金额"


def test_parse_optional_amount() -> None:
    assert parse_optional_amount(None) is None
    assert parse_optional_amount("") is None
    assert parse_optional_amount(" \u3000 ") is None
    assert parse_optional_amount("1.5万") == 1500000
    assert parse_optional_amount(0) == 0
    with pytest.raises(ValidationError) as info:
        parse_optional_amount("-1", field=FIELD)
    assert info.value.field == FIELD


def test_format_yuan() -> None:
    assert format_yuan(150000000) == "1,500,000.00"
    assert format_yuan(150000000, thousands=False) == "1500000.00"
    assert format_yuan(0) == "0.00"
    assert format_yuan(5) == "0.05"
    assert format_yuan(99999) == "999.99"
    assert format_yuan(-150005) == "-1,500.05"
    assert format_yuan(-5) == "-0.05"
    assert format_yuan(MAX_FEN) == "1,000,000,000,000.00"


def test_yuan_string_and_decimal_conversions() -> None:
    assert yuan_string(150000000) == "1500000.00"
    assert yuan_string(7) == "0.07"
    assert yuan_string(-7) == "-0.07"
    assert fen_to_decimal(35005) == Decimal("350.05")
    assert str(fen_to_decimal(100)) == "1.00"
    assert decimal_to_fen(Decimal("350.05")) == 35005
    assert decimal_to_fen(Decimal("0.005")) == 1
    assert decimal_to_fen(Decimal("0.0049")) == 0
    assert decimal_to_fen(Decimal("1.015")) == 102


def test_format_wan() -> None:
    assert format_wan(150000000) == "150.0000"
    assert format_wan(12345678950) == "12,345.6790"
    assert format_wan(0) == "0.0000"
    assert format_wan(50) == "0.0001"  # 0.50 元 = 0.00005 万元 → half-up
    assert format_wan(49) == "0.0000"
    assert format_wan(-150000000) == "-150.0000"


@pytest.mark.parametrize(
    ("fen", "rate", "expected"),
    [
        (35005, "0.30", 10502),  # 350.05 × 30% = 105.015 → 105.02 (float gives 105.01)
        (12345678, "0.3", 3703703),  # 123,456.78 × 30% = 37,037.03
        (5, "0.3", 2),  # 1.5 分 → 2
        (15, "0.3", 5),  # 4.5 分 → 5
        (3, "0.5", 2),  # 1.5 分 → 2
        (1, "0.4", 0),
        (150000000, "1", 150000000),
        (100, "0.125", 13),  # 12.5 分 → 13
        (0, "0.3", 0),
    ],
)
def test_apply_rate(fen: int, rate: str, expected: int) -> None:
    assert apply_rate(fen, Decimal(rate)) == expected


def test_apply_rate_differs_from_float() -> None:
    # The float traps this module avoids: 0.75 元 × 0.3 is 0.22499999999999998 in binary
    # floating point (rounds to 0.22), and round() is half-even (4.5 分 → 4).
    assert round(0.75 * 0.3, 2) == 0.22
    assert round(15 * 0.3) == 4
    assert apply_rate(75, Decimal("0.3")) == 23
    assert apply_rate(15, Decimal("0.3")) == 5


def test_apply_rate_refuses_float() -> None:
    with pytest.raises(TypeError):
        apply_rate(100, 0.3)  # type: ignore[arg-type]


def test_format_rate() -> None:
    assert format_rate(Decimal("0.30")) == "30%"
    assert format_rate(Decimal("0.125")) == "12.5%"
    assert format_rate(Decimal("0.1")) == "10%"
    assert format_rate(Decimal("1")) == "100%"
    assert format_rate(Decimal("0.0005")) == "0.05%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30%", Decimal("0.3")),
        ("0.3", Decimal("0.3")),
        (0.3, Decimal("0.3")),
        ("３０％", Decimal("0.3")),
        (" 12.5 % ", Decimal("0.125")),
        ("100%", Decimal("1")),
        (1, Decimal("1")),
        (Decimal("0.05"), Decimal("0.05")),
    ],
)
def test_parse_rate_accepts(value: object, expected: Decimal) -> None:
    assert parse_rate(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "比例“0”须大于0且不超过100%（例如“30%”或“0.3”）"),
        ("30", "比例“30”须大于0且不超过100%（例如“30%”或“0.3”）"),
        ("101%", "比例“101%”须大于0且不超过100%（例如“30%”或“0.3”）"),
        (-0.1, "比例“-0.1”须大于0且不超过100%（例如“30%”或“0.3”）"),
        ("abc", "比例“abc”不是有效的比例（例如“30%”或“0.3”）"),
        (float("nan"), "比例“nan”不是有效的比例（例如“30%”或“0.3”）"),
        (True, "比例“True”不是有效的比例（例如“30%”或“0.3”）"),
        (None, "比例不能为空"),
        ("", "比例不能为空"),
    ],
)
def test_parse_rate_rejects(value: object, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_rate(value)
    assert str(info.value) == message
    assert info.value.field == "比例"


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (10, "壹角"),
        (15, "壹角伍分"),
        (1000, "壹拾元整"),
        (1001, "壹拾元零壹分"),
        (1005, "壹拾元零伍分"),
        (1010, "壹拾元零壹角"),
        (10000010, "壹拾万元零壹角"),
        (100000010, "壹佰万元零壹角"),
        (150000000, "壹佰伍拾万元整"),
        (100000000, "壹佰万元整"),
        (100000100, "壹佰万零壹元整"),
        (1001000101, "壹仟零壹万零壹元零壹分"),
        (1000010000, "壹仟万零壹佰元整"),
        (10000000000, "壹亿元整"),
        (12345678912, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        (100001000000, "壹拾亿零壹万元整"),
        (10000000100, "壹亿零壹元整"),
        (168032, "壹仟陆佰捌拾元零叁角贰分"),
        (MAX_FEN, "壹万亿元整"),
    ],
)
def test_amount_in_words(fen: int, words: str) -> None:
    assert amount_in_words(fen) == words


def test_amount_in_words_rejects_negative() -> None:
    with pytest.raises(ValidationError) as info:
        amount_in_words(-1)
    assert "不能为负数" in str(info.value)


rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1"), places=4, allow_nan=False)
fens = st.integers(min_value=0, max_value=MAX_FEN)


@given(fen=fens, rate=rates)
def test_apply_rate_matches_decimal_half_up(fen: int, rate: Decimal) -> None:
    expected = int((Decimal(fen) * rate).quantize(Decimal(1), ROUND_HALF_UP))
    assert apply_rate(fen, rate) == expected


@given(fen=fens)
def test_format_yuan_round_trips(fen: int) -> None:
    assert parse_amount(format_yuan(fen)) == fen
    assert parse_amount(yuan_string(fen)) == fen
    assert decimal_to_fen(fen_to_decimal(fen)) == fen
