"""统一社会信用代码 (GB 32100-2015) and the embedded 组织机构代码 (GB 11714)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.creditcode import (
    CHARSET,
    explain_check,
    make_credit_code,
    org_code_check_char,
    random_credit_code,
    uscc_check_char,
    validate_credit_code,
)
from desktop.core.errors import ValidationError

# A widely published valid example, verified by hand:
#   org code body "M000100Y" (GB 11714: M=22, Y=34):
#     22×3 + 0×7 + 0×9 + 0×10 + 1×5 + 0×8 + 0×4 + 34×2 = 66 + 5 + 68 = 139;
#     139 mod 11 = 7; 11 − 7 = 4 → 17th character "4".
#   first 17 "91350100M000100Y4" (GB 32100 values: M=21, Y=30):
#     9×1 + 1×3 + 3×9 + 5×27 + 0×19 + 1×26 + 0×16 + 0×17 + 21×20 + 0×29 + 0×25
#     + 0×13 + 1×8 + 0×24 + 0×10 + 30×30 + 4×28 = 1640;
#     1640 mod 31 = 28; 31 − 28 = 3 → 18th character "3".
KNOWN_VALID = "91350100M000100Y43"

FIELD = "统一社会信用代码"


def _error(code: str, field: str = FIELD) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code, field=field)
    assert info.value.field == field
    return info.value


def test_known_example_is_valid() -> None:
    assert validate_credit_code(KNOWN_VALID) == KNOWN_VALID
    assert org_code_check_char("M000100Y") == "4"
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_make_credit_code_known_values() -> None:
    assert make_credit_code("9", "1", "350100", "M000100Y") == KNOWN_VALID
    assert make_credit_code() == "91370305MA3C4HB1X4"
    assert validate_credit_code(make_credit_code()) == "91370305MA3C4HB1X4"


def test_org_code_check_char_special_results() -> None:
    # sum 0 → 11 − 0 = 11 → "0"; MA3C4HBX sums to 549 ≡ 10 → 11 − 10 = 1
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("MA3C4HBX") == "1"
    # "MA3C4HB1": 66+70+27+120+20+136+44+2 = 485 ≡ 1 (mod 11) → 10 → "X"
    assert org_code_check_char("MA3C4HB1") == "X"


def test_uscc_check_char_zero_case() -> None:
    assert uscc_check_char("0" * 17) == "0"


def test_normalization_full_width_and_spaces() -> None:
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in KNOWN_VALID)
    assert validate_credit_code(f"\u3000 {full} \n") == KNOWN_VALID
    assert validate_credit_code(f"  {KNOWN_VALID}\t") == KNOWN_VALID


@pytest.mark.parametrize("seed", range(20))
def test_generated_codes_are_valid(seed: int) -> None:
    code = random_credit_code(random.Random(seed), region="370305")
    assert len(code) == 18
    assert code[2:8] == "370305"
    assert validate_credit_code(code) == code


def test_wrong_18th_check() -> None:
    bad = KNOWN_VALID[:17] + "1"
    assert str(_error(bad)) == f"{FIELD}第18位校验位错误：按GB 32100-2015应为“3”，实际为“1”"


def test_wrong_17th_org_check() -> None:
    first16 = "91370305MA3C4HB1"  # org check is X
    bad = first16 + "7"
    bad += uscc_check_char(bad)  # 18th matches, so only the org check is wrong
    assert str(_error(bad)) == f"{FIELD}第17位（组织机构代码校验位）错误：应为“X”，实际为“7”"


def test_lower_case() -> None:
    bad = "91370305ma3C4HB1X4"
    assert str(_error(bad)) == f"{FIELD}含小写字母“m”，字母须大写"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters(letter: str) -> None:
    bad = KNOWN_VALID[:4] + letter + KNOWN_VALID[5:]
    assert str(_error(bad)) == (f"{FIELD}第5位“{letter}”不是允许的字符（不使用I、O、Z、S、V）")


@pytest.mark.parametrize(("char", "pos"), [("-", 10), ("中", 10), ("*", 18)])
def test_other_illegal_characters(char: str, pos: int) -> None:
    bad = KNOWN_VALID[: pos - 1] + char + KNOWN_VALID[pos:]
    assert str(_error(bad)) == f"{FIELD}第{pos}位“{char}”不是允许的字符（只能是数字和大写字母）"


@pytest.mark.parametrize("length", [17, 19, 1])
def test_wrong_length(length: int) -> None:
    bad = (KNOWN_VALID + "0")[:length]
    assert str(_error(bad)) == f"{FIELD}应为18位，实际为{length}位"


@pytest.mark.parametrize("blank", ["", "   ", "\u3000"])
def test_empty(blank: str) -> None:
    assert str(_error(blank)) == f"{FIELD}不能为空"


def test_non_digit_region() -> None:
    bad = make_credit_code().replace("370305", "37A305")
    assert str(_error(bad)) == f"{FIELD}第3—8位行政区划码须为数字，实际为“37A305”"


def test_custom_field_name_used_in_message() -> None:
    err = _error("", field="信用代码")
    assert str(err) == "信用代码不能为空"


def test_explain_check() -> None:
    text = explain_check(KNOWN_VALID)
    assert "= 1640" in text
    assert "1640 mod 31 = 28" in text
    assert "“3”" in text and "一致" in text
    assert "不足17位" in explain_check("9135")


def test_make_credit_code_rejects_bad_parts() -> None:
    with pytest.raises(ValueError):
        make_credit_code(region="37030A")
    with pytest.raises(ValueError):
        make_credit_code(org_body="MA3C4HBI")


@given(seed=st.integers(min_value=0, max_value=2**32))
def test_random_codes_always_validate(seed: int) -> None:
    code = random_credit_code(random.Random(seed))
    assert validate_credit_code(code) == code


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(CHARSET),
)
def test_any_single_substitution_is_detected(seed: int, position: int, replacement: str) -> None:
    code = random_credit_code(random.Random(seed))
    if code[position] == replacement:
        return
    bad = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError):
        validate_credit_code(bad)
