"""Line breaking for the PDF's table cells, measured with the font's own glyph widths.

What a 办公室 reviewer checks on paper, and how it is kept:

- a 文号 (淄政办字〔2021〕7号) never breaks: it is one unit, like a number with its unit or
  counter (``3,205,000.00 元``, ``30%``, ``2023年``, ``第1年``'s ``1年``) and a Latin word;
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

import re
from collections.abc import Callable
from functools import lru_cache

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,4}[〔［\[【（(]\d{4}[〕］\]】）)]\d{1,4}号")
"""A 文号: 机关代字, 〔year〕, number, 号 (the leftmost four characters before the bracket at most)."""

NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’%,.;:?!)]}…—·％")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")

_TOKEN = re.compile(
    DOC_NUMBER.pattern
    + r"|第?\d[\d,]*(?:\.\d+)?(?:\s?(?:万元|元|％|%)|[年月日号期笔户项次名个])?"
    + r"|[A-Za-z0-9_.,%/+\-]+"
    + r"|\n|.",
    re.S,
)

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


class LineBreaker:
    """Greedy line filling over units (tokens or name words) with a width function."""

    def __init__(self, width: Callable[[str], float]) -> None:
        self.width = width

    def lines(self, units: list[str], max_width: float) -> list[str]:
        lines: list[list[str]] = []
        cur: list[str] = []
        cur_w = 0.0
        for unit in units:
            if unit == "\n":
                lines.append(cur)
                cur, cur_w = [], 0.0
                continue
            w = self.width(unit)
            if cur_w + w <= max_width:
                cur.append(unit)
                cur_w += w
                continue
            if unit.isspace():
                continue  # a space at a break is dropped
            if len(unit) > 1 and w > max_width:  # wider than the cell: by characters after all
                for ch in unit:
                    cur, cur_w = self._place(lines, cur, cur_w, ch, max_width)
                continue
            cur, cur_w = self._break(lines, cur, unit)
        lines.append(cur)
        self._no_orphan(lines, max_width)
        return ["".join(line).rstrip() for line in lines]

    def _place(
        self, lines: list[list[str]], cur: list[str], cur_w: float, ch: str, max_width: float
    ) -> tuple[list[str], float]:
        w = self.width(ch)
        if cur_w + w <= max_width or not cur:
            return [*cur, ch], cur_w + w
        return self._break(lines, cur, ch)

    def _break(self, lines: list[list[str]], cur: list[str], unit: str) -> tuple[list[str], float]:
        """Start a new line with ``unit``, keeping closing marks off the line start and opening
        marks off the line end (the neighbouring unit comes along)."""
        carry: list[str] = []
        if len(cur) > 1 and (unit[0] in NO_LINE_START or cur[-1][-1] in NO_LINE_END):
            carry = [cur.pop()]
            while len(cur) > 1 and (carry[0][0] in NO_LINE_START or cur[-1][-1] in NO_LINE_END):
                carry.insert(0, cur.pop())
        if cur:
            while cur and cur[-1].isspace():
                cur.pop()
            lines.append(cur)
        new = [*carry, unit]
        return new, sum(self.width(u) for u in new)

    def _no_orphan(self, lines: list[list[str]], max_width: float) -> None:
        """A last line of one character takes the last unit (or two) of the line before."""
        if len(lines) < 2 or _visible("".join(lines[-1])) != 1:
            return
        prev, last = lines[-2], lines[-1]
        for k in (1, 2, 3):
            if len(prev) <= k:
                return
            moved, kept = prev[-k:], prev[:-k]
            if moved[0][0] in NO_LINE_START or kept[-1][-1] in NO_LINE_END:
                continue
            if self.width("".join(moved + last)) <= max_width and _visible("".join(kept)) > 1:
                lines[-2], lines[-1] = kept, moved + last
                return


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)
