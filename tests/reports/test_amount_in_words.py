"""人民币大写 by 《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》: every example it gives,
and the one form chosen where it allows two (see ``desktop.core.money.amount_in_words``)."""

from __future__ import annotations

import pytest

from desktop.core.money import amount_in_words, parse_amount

# 第四条 (一)–(四): the 办法's own examples, in the form this program writes.
BANFA_EXAMPLES = [
    # (一) 阿拉伯数字中间有"0"时，中文大写金额要写"零"字
    ("1,409.50", "壹仟肆佰零玖元伍角"),
    # (二) 中间连续有几个"0"时，中文大写金额中间可以只写一个"零"字
    ("6,007.14", "陆仟零柒元壹角肆分"),
    # (三) 万位或元位是"0"…但千位、角位不是"0"时，可以只写一个零字，也可以不写"零"字
    ("1,680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("107,000.53", "壹拾万柒仟元零伍角叁分"),
    # (四) 角位是"0"，而分位不是"0"时，中文大写金额"元"后面应写"零"字
    ("16,409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
]


@pytest.mark.parametrize(("amount", "words"), BANFA_EXAMPLES)
def test_every_example_of_the_banfa_is_written_as_the_banfa_writes_it(amount, words):
    assert amount_in_words(parse_amount(amount)) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1,680.32", "壹仟陆佰捌拾元叁角贰分"),  # (三)'s second form
        ("107,000.53", "壹拾万零柒仟元伍角叁分"),  # (三)'s second form
        ("107,000.53", "壹拾万柒仟元伍角叁分"),  # neither of the 办法's forms
    ],
)
def test_the_other_allowed_forms_are_not_mixed_in(amount, words):
    assert amount_in_words(parse_amount(amount)) != words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        # 第二条: 到"元"为止写"整"; 角之后不写"整"; 分之后不写"整"
        ("1,500,000.00", "壹佰伍拾万元整"),
        ("53.80", "伍拾叁元捌角"),
        ("53.85", "伍拾叁元捌角伍分"),
        # 第（三）项 as chosen, applied alike: 元位 "0" before a 角 gets a 零; 万位 "0" before a 仟 none
        ("10.10", "壹拾元零壹角"),
        ("100,000.10", "壹拾万元零壹角"),
        ("101,250.00", "壹拾万壹仟贰佰伍拾元整"),
        # 万位 and 千位 both "0": a zero in the middle, 第（一）项
        ("240,968.00", "贰拾肆万零玖佰陆拾捌元整"),
        ("1,000,000.50", "壹佰万元零伍角"),
        ("1,005.00", "壹仟零伍元整"),
        ("10,010,001.01", "壹仟零壹万零壹元零壹分"),
        ("0.05", "伍分"),
        ("0.00", "零元整"),
    ],
)
def test_the_chosen_forms_hold_for_other_amounts(amount, words):
    assert amount_in_words(parse_amount(amount)) == words
