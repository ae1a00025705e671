"""Line breaking for the PDF's table cells, measured with the font's own glyph widths.

What a 办公室 reviewer checks on paper, and how it is kept:

- a 文号 (淄政办字〔2021〕7号) never breaks: it is one unit, like a number with its unit or
  counter (``3,205,000.00 元``, ``30%``, ``2023年``, ``第1年``), a Latin word and a short quoted
  term or aside (“四强”, （软件）);
- no line starts with a closing mark (，。、）》…) nor ends with an opening one (（《“…): the
  neighbouring unit moves along;
- no line holds a single character alone at the end of a cell: the last unit of the line before
  comes down with it;
- names (企业名称, 镇街) break only between their words (place, 字号, trade, 有限公司 …), found with
  a small lexicon of the words enterprise and place names are made of; a run of characters the
  lexicon does not know (usually the 字号) stays whole.

Elsewhere Chinese text may break between any two characters, as Chinese typesetting does.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from itertools import accumulate

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,4}[〔［\[【（(]\d{4}[〕］\]】）)]\d{1,4}号")
"""A 文号: 机关代字, 〔year〕, number, 号 (the leftmost four characters before the bracket at most)."""

NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’%,.;:?!)]}…—·％")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

# The words enterprise and place names of the district are made of, for breaking names between
# words. Longest match first; a run of characters that matches none stays one word.
_NAME_WORDS = """
山东省 山东 淄博市 淄博 临淄区 临淄 齐鲁 齐都 稷下 闻韶 雪宫 辛店 齐陵 皇城 敬仲 朱台 凤凰 金岭 金山
回族 街道 镇 乡 经济开发区 开发区 高新区 高新技术 化学工业区 工业园 产业园 园区 基地 示范
有限责任公司 股份有限公司 有限公司 集团 分公司 总公司 公司 厂 合伙企业 研究院 研究所 中心 合作社
新材料 材料 化工 精细化工 高分子 科技 技术 信息 电子 智能 装备 制造 设备 自动化 机械 精密 汽车
零部件 生物 医药 制药 医疗器械 器械 医疗 健康 防护用品 用品 大数据 半导体 软件 光伏 特种 陶瓷 尼龙
稀土 建材 纺织 食品 能源 新能源 环保 石化 石油 橡胶 塑料 包装 印刷 物流 贸易 实业 发展 产业链 产业
工业 工程 高端 协同 创新 建设 运营 管理 控股 投资 集成 系统 网络 通信 仪器 仪表 电气 电器 电力
动力 热电 环境 资源 新型 经济 服务 咨询 商贸 国际 中国 药业 生物技术 信息技术 电子科技 科技发展
""".split()
_NAME_LEXICON = frozenset(_NAME_WORDS)
_LONGEST_WORD = max(len(w) for w in _NAME_WORDS)
_BRACKETED = re.compile(r"[（(][^（()）]{1,8}[）)]")
_LATIN = re.compile(r"[A-Za-z0-9_.\-]+")


@lru_cache(maxsize=65536)
def name_words(name: str) -> tuple[str, ...]:
    """``淄博瑞祥自动化设备有限责任公司`` → ``淄博 瑞祥 自动化 设备 有限责任公司``."""
    words: list[str] = []
    unknown = ""
    i = 0
    while i < len(name):
        match = _BRACKETED.match(name, i) or _LATIN.match(name, i)
        word = match.group(0) if match else _lexicon_word(name, i)
        if word is None:
            unknown += name[i]
            i += 1
            continue
        if unknown:
            words.append(unknown)
            unknown = ""
        words.append(word)
        i += len(word)
    if unknown:
        words.append(unknown)
    return tuple(words)


def _lexicon_word(text: str, i: int) -> str | None:
    for n in range(min(_LONGEST_WORD, len(text) - i), 0, -1):
        if text[i : i + n] in _NAME_LEXICON:
            return text[i : i + n]
    return None


def doc_numbers(text: str) -> list[str]:
    return DOC_NUMBER.findall(text)


def _visible(text: str) -> int:
    return len(text) - sum(ch.isspace() for ch in text)


_CLAUSE = r"(?:[一二三四五六七八九十]{1,3}(?:（[一二三四五六七八九十]{1,3}）)?)?"  # 三（二）
_ATOMIC = re.compile(
    DOC_NUMBER.pattern
    + _CLAUSE
    + r"|“[^“”]{1,6}”|（[^（）]{1,6}）|《[^《》]{1,8}》"  # a short quoted term, aside or title
    + r"|万元"
    + r"|第?\d[\d,]*(?:\.\d+)?(?:\s?(?:万元|元|％|%)|[年月日号期笔户项次名个])?"
    + r"|[A-Za-z0-9_.,%/+\-]+"
)


# Within a unit too wide for its line: the parts that still hold together (〔2021〕7号, （二）, numbers)
_FINE = re.compile(
    r"[〔［\[【（(]\d{4}[〕］\]】）)]\d{1,4}号|（[^（）]{1,6}）|\d[\d,]*(?:\.\d+)?|[A-Za-z0-9_.\-]+"
)


def _fitting(
    text: str, hard: list[tuple[int, int]], prefix: list[float], max_width: float
) -> list[tuple[int, int]]:
    """``hard`` with each unit wider than a line replaced by its parts that fit."""
    out = []
    for a, b in hard:
        if prefix[b] - prefix[a] <= max_width + 1e-9:
            out.append((a, b))
            continue
        for m in _FINE.finditer(text, a, b):
            x, y = m.span()
            if y - x > 1 and prefix[y] - prefix[x] <= max_width + 1e-9:
                out.append((x, y))
    return out


# Words that end on the first character a 文号 match took (依据临政字… is 依据 + 临政字…).
_LEAD_WORDS = frozenset("依据 根据 按照 依照 参照 对照 获得 关于 经过 通过 属于 对于".split())


def text_units(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that never break: 文号, numbers with their unit, Latin words, and short
    quoted terms or asides (“四强”, （软件）)."""
    spans = []
    for m in _ATOMIC.finditer(text):
        a, b = m.span()
        if a and text[a - 1 : a + 1] in _LEAD_WORDS:
            a += 1  # the 文号's 机关代字 starts after the word the match began inside
        if b - a > 1:
            spans.append((a, b))
    return spans


def word_units(name: str) -> list[tuple[int, int]]:
    """Spans of the words of a name (it breaks only between them)."""
    spans, at = [], 0
    for word in name_words(name):
        spans.append((at, at + len(word)))
        at += len(word)
    return spans


class LineBreaker:
    """Greedy line filling: the characters of a line are found by bisection over the prefix sums
    of their widths; the break then moves back out of any unit (文号, number, word of a name) and
    away from closing and opening marks, and the last line takes company if it is one character.
    """

    def __init__(self, char_widths: Mapping[str, float]) -> None:
        self.char_widths = char_widths  # a mapping that measures what it lacks (``__missing__``)

    def lines(
        self, text: str, max_width: float, units: Callable[[str], list[tuple[int, int]]]
    ) -> list[str]:
        out: list[str] = []
        for paragraph in text.split("\n"):
            out += self._paragraph(paragraph, max_width, units(paragraph))
        return out

    def _paragraph(self, text: str, max_width: float, hard: list[tuple[int, int]]) -> list[str]:
        prefix = list(accumulate(map(self.char_widths.__getitem__, text), initial=0.0))
        rules = _Breaks(text, _fitting(text, hard, prefix, max_width))
        n = len(text)
        spans: list[tuple[int, int]] = []
        s = 0
        while s < n:
            while s < n and text[s].isspace():
                s += 1  # a space at a break is dropped
            if s >= n:
                break
            j = bisect.bisect_right(prefix, prefix[s] + max_width + 1e-9) - 1
            j = n if j >= n else (s + 1 if j <= s else rules.back(s, j))
            spans.append((s, j))
            s = j
        if not spans:
            spans.append((0, 0))
        _no_orphan(text, prefix, spans, max_width, rules)
        return [text[a:b].rstrip() for a, b in spans]


class _Breaks:
    """Where a line of ``text`` may end: not inside a unit, not before a closing mark or after an
    opening one."""

    def __init__(self, text: str, hard: list[tuple[int, int]]) -> None:
        self.text = text
        self.hard = hard
        self.starts = [a for a, _b in hard]

    def inside(self, i: int) -> bool:
        k = bisect.bisect_right(self.starts, i) - 1
        return k >= 0 and self.hard[k][0] < i < self.hard[k][1]

    def marks(self, i: int) -> bool:
        return self.text[i] in NO_LINE_START or self.text[i - 1] in NO_LINE_END

    def ok(self, i: int) -> bool:
        return not self.inside(i) and not self.marks(i)

    def back(self, s: int, j: int) -> int:
        """The break at or before ``j`` (a line from ``s``): the last good one; else the last that
        keeps units whole, with the closing marks after it hanging at the line's end (标点悬挂);
        else ``j`` (a unit wider than the line is cut after all)."""
        k = j
        while k > s + 1 and not self.ok(k):
            k -= 1
        if self.ok(k):
            return k
        k = j
        while k > s + 1 and self.inside(k):
            k -= 1
        if self.inside(k):
            return j
        while k < len(self.text) and self.text[k] in NO_LINE_START:
            k += 1
        return k


def _no_orphan(
    text: str,
    prefix: list[float],
    spans: list[tuple[int, int]],
    max_width: float,
    rules: _Breaks,
) -> None:
    """A last line of one character takes the last unit (or two, three) of the line before."""
    if len(spans) < 2:
        return
    (p, a), (a2, b) = spans[-2], spans[-1]
    if b - a2 > 3 or _visible(text[a2:b]) != 1:
        return
    tried = 0
    m = a - 1
    while m > p + 1 and tried < 3:
        if rules.ok(m):
            tried += 1
            if prefix[b] - prefix[m] <= max_width + 1e-9 and _visible(text[p:m]) > 1:
                spans[-2], spans[-1] = (p, m), (m, b)
                return
        m -= 1
