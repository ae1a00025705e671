"""Line breaking as the PDF cells use it, at every width a column may have."""

from __future__ import annotations

import pytest

from desktop.reports.linebreak import NO_LINE_END, NO_LINE_START, name_words
from desktop.reports.pdf import Wrapper

EXPLANATION = (
    "依据临政字〔2021〕41号三（九）：2023年6月15日事项（新认定省级产业/技术/制造业创新中心），"
    "第1年研发费用补贴（自第2年起连续3年），核定 500,000.00 元；获得淄政办字〔2021〕7号市级扶持资金"
)
WRAPPER = Wrapper(8)


@pytest.mark.parametrize("width", range(90, 400, 7))
def test_a_doc_number_or_an_amount_never_breaks_when_the_line_can_hold_it(width):
    lines = WRAPPER.lines(EXPLANATION, float(width))
    for whole in ("临政字〔2021〕41号", "淄政办字〔2021〕7号", "500,000.00 元", "2023年"):
        assert any(whole in line for line in lines), (whole, lines)
    assert "".join(lines).replace(" ", "") == EXPLANATION.replace(" ", "")
    hang = WRAPPER.width("：")  # a closing mark may hang at the end of a full line
    assert all(WRAPPER.width(line) <= width + hang for line in lines)


@pytest.mark.parametrize("width", range(40, 300, 3))
def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one(width):
    lines = WRAPPER.lines(EXPLANATION, float(width))
    assert all(line[0] not in NO_LINE_START for line in lines[1:]), lines
    assert all(line[-1] not in NO_LINE_END for line in lines[:-1]), lines


@pytest.mark.parametrize("width", range(40, 300, 3))
def test_the_last_line_is_never_one_character_alone(width):
    text = "新认定省级产业技术制造业创新中心升级为国家级创新中心"
    lines = WRAPPER.lines(text, float(width))
    assert len(lines) == 1 or len(lines[-1]) > 1, lines


def test_a_name_breaks_between_its_words():
    name = "淄博瑞祥自动化设备有限责任公司"
    assert name_words(name) == ("淄博", "瑞祥", "自动化", "设备", "有限责任公司")
    for width in range(50, 130, 4):
        lines = WRAPPER.lines(name, float(width), keep_words=True)
        cuts, at = set(), 0
        for word in name_words(name):
            at += len(word)
            cuts.add(at)
        ends, at = set(), 0
        for line in lines[:-1]:
            at += len(line)
            ends.add(at)
        assert ends <= cuts, lines
