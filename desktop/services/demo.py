"""A demo database: fictional enterprises over the towns, 四强 lists 2021–2025 and matters that
cover every rule, calculated year by year, with some approved, paid and rejected.

Deterministic (fixed seed), so screenshots and rendered reports are the same on every machine.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from desktop.core import status
from desktop.core.creditcode import CHARSET, make_credit_code
from desktop.services.applications import ApplicationInput, insert_applications
from desktop.services.awards import approve, mark_paid, reject
from desktop.services.calculation import calculate_year
from desktop.services.registry import INDUSTRIES, EnterpriseInput, towns, upsert_enterprises
from desktop.services.siqiang_lists import replace_list
from desktop.storage.database import Database

NAME_PREFIXES = [
    "齐鑫",
    "鲁华",
    "泰宏",
    "稷宏",
    "淄江",
    "临宇",
    "华晟",
    "恒润",
    "金鼎",
    "瑞祥",
    "齐悦",
    "鼎盛",
    "博远",
    "海川",
    "齐创",
    "天衡",
    "正元",
    "凯瑞",
    "康桥",
    "宏图",
    "聚能",
    "远航",
    "明德",
    "新岭",
    "晨曦",
    "金桥",
    "信达",
    "丰源",
    "嘉禾",
    "同力",
    "锦程",
    "中齐",
]
_TRADE = {
    "新材料": ["新材料", "高分子材料", "化工新材料", "特种陶瓷", "尼龙材料", "稀土材料"],
    "智能装备": ["智能装备", "机械制造", "汽车零部件", "自动化设备", "光伏科技", "精密机械"],
    "医药健康": ["医药", "生物科技", "医疗器械", "健康防护用品", "制药"],
    "电子信息": ["电子科技", "信息技术", "大数据科技", "半导体", "软件科技"],
    None: ["机械", "建材", "纺织", "化工", "食品"],
}
NAME_SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司"]
YEARS = (2021, 2022, 2023, 2024, 2025)


def _name(rng: random.Random, industry: str | None, used: set[str]) -> str:
    while True:
        name = f"淄博{rng.choice(NAME_PREFIXES)}{rng.choice(_TRADE[industry])}{rng.choice(NAME_SUFFIXES)}"
        if name not in used:
            used.add(name)
            return name


def _code(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789" if i < 2 else CHARSET[:31]) for i in range(8))
    return make_credit_code("9", "1", "370305", "MA" + body[2:])


def _day(rng: random.Random, year: int, start: date | None = None) -> date:
    first = start or date(year, 1, 5)
    return first + timedelta(days=rng.randrange(0, (date(year, 12, 20) - first).days))


_LONG_NAME = "淄博齐鲁高端化工新材料产业链协同创新与智能制造示范基地建设运营管理有限公司"
# Matters each demo year brings, by rule: (rule, how many, drawn from the year's 四强 list?,
# basis range in 分 or None, city document, description, levels). LZ41-2 and LZ41-3 are apart.
_YEARLY: tuple[
    tuple[str | None, int, bool, tuple[int, int] | None, str | None, str, tuple[str, ...]], ...
] = (
    ("LZ41-1A", 3, True, (20_000_000, 250_000_000), None, "首台（套）保险补偿保费", ()),
    ("LZ41-5A", 4, False, (5_000_000, 800_000_000), None, "市级设备购置补助", ()),
    (None, 2, False, (5_000_000, 90_000_000), "淄政办发〔2020〕11号", "工业互联网扶持资金", ()),
    ("LZ41-8A", 2, False, (50_000_000, 500_000_000), "淄政发〔2020〕14号", "跨越发展扶持资金", ()),
    ("LZ41-6B", 2, False, None, None, "两化融合管理体系贯标认定", ()),
    ("LZ41-6C", 1, False, None, None, "市智慧工厂认定", ()),
    ("LZ41-6D", 2, False, None, None, "市智能车间认定", ()),
    ("LZ41-8C", 1, False, None, None, "瞪羚企业", ("市级",)),
    ("LZ41-10A", 2, False, None, None, "技术创新示范企业", ("国家级", "省级")),
    ("LZ41-10B", 2, False, None, None, "一企一技术研发中心", ("省级", "市级")),
    ("LZ41-10C", 2, False, None, None, "工业设计项目", ("省级", "市级")),
)
_MANUAL = (
    ("LZ41-1B", "鲁财社〔2018〕29号", "仿制药一致性评价通过"),
    ("LZ41-4", None, "招商引资项目落地"),
    ("LZ41-5B", None, "智能化改造项目"),
    ("LZ41-7", "临发〔2020〕10号", "五个优化项目"),
    ("LZ41-8B", "临办发〔2019〕11号", "省级单项冠军"),
)


class _Matters:
    """Collects the demo's matters (one ApplicationInput per call of :meth:`add`)."""

    def __init__(self, code_of: dict[int, str]) -> None:
        self.code_of = code_of
        self.items: list[ApplicationInput] = []

    def add(self, eid: int, rule: str | None, when: date, **kw: object) -> None:
        self.items.append(
            ApplicationInput(
                enterprise_id=eid,
                credit_code=self.code_of[eid],
                rule_code=rule,
                event_date=when,
                **kw,  # type: ignore[arg-type]
            )
        )

    def unique(self) -> list[ApplicationInput]:
        seen: set[str] = set()
        out = []
        for a in self.items:
            if a.identity_key not in seen:
                seen.add(a.identity_key)
                out.append(a)
        return out


def _enterprises(db: Database, rng: random.Random, count: int) -> list[EnterpriseInput]:
    town_names = [t.name for t in towns(db)]
    used: set[str] = set()
    items = []
    for i in range(count):
        industry = rng.choice([*INDUSTRIES, *INDUSTRIES, None])
        name = _LONG_NAME if i == 7 else _name(rng, industry, used)
        items.append(
            EnterpriseInput(
                credit_code=_code(rng),
                name=name,
                town=town_names[i % len(town_names)],
                above_scale=rng.random() < 0.7,
                industry=industry,
                contact=rng.choice(["王", "李", "张", "刘", "陈", "杨", "赵"])
                + rng.choice(["经理", "主任", "会计"]),
                phone=f"0533-7{rng.randrange(100000, 999999)}",
            )
        )
    upsert_enterprises(db, items, action="演示")
    return items


def _lists(db: Database, rng: random.Random, siqiang: list[int]) -> dict[int, set[int]]:
    """A core present every year, plus newcomers each year (LZ41-3 candidates) and leavers."""
    on_list: dict[int, set[int]] = {}
    pool = list(siqiang)
    rng.shuffle(pool)
    current = set(pool[: len(pool) // 2])
    later = pool[len(pool) // 2 :]
    for year in YEARS:
        newcomers = {later.pop() for _ in range(min(8, len(later)))}
        leavers = set(rng.sample(sorted(current), 3)) if year > 2021 else set()
        current = (current - leavers) | newcomers
        on_list[year] = set(current)
        replace_list(db, year, set(current))
    return on_list


def _year_matters(
    out: _Matters, rng: random.Random, year: int, on_list: dict[int, set[int]], all_ids: list[int]
) -> None:
    listed = sorted(on_list[min(year, 2025)])
    start = date(2021, 4, 26) if year == 2021 else None
    for eid in rng.sample(listed, 10):  # LZ41-2, some by city document only
        basis = rng.randrange(30_000_000, 700_000_000)
        if rng.random() < 0.4:
            out.add(
                eid,
                None,
                _day(rng, year, start),
                basis_fen=basis,
                city_document="淄政办字〔2021〕7号",
                description="市级四强产业扶持资金到账",
            )
        else:
            out.add(
                eid,
                "LZ41-2",
                _day(rng, year, start),
                basis_fen=basis,
                description="市级扶持资金到账",
            )
    for rule, count, from_list, basis_range, doc, why, levels in _YEARLY:
        pool = listed if from_list else all_ids
        picked = rng.sample(pool, count)
        for n, eid in enumerate(picked):
            kw: dict[str, object] = {"description": why}
            if basis_range:
                when = _day(rng, year, start)
                kw["basis_fen"] = rng.randrange(*basis_range)
            else:
                when = _day(rng, year, start)
            if doc:
                kw["city_document"] = doc
            if levels:
                kw["level"] = levels[n % len(levels)]
            out.add(eid, rule, when, **kw)
    code, doc, why = _MANUAL[year % len(_MANUAL)]
    out.add(
        rng.choice(all_ids),
        code,
        _day(rng, year, start),
        manual_amount_fen=rng.randrange(5, 60) * 1_000_000,
        city_document=doc,
        description=why,
    )
    if year in on_list and year > 2021:  # newly listed, above scale → LZ41-3
        newly = [e for e in on_list[year] if not any(e in on_list[y] for y in YEARS if y < year)]
        for eid in newly[:4]:
            out.add(
                eid,
                "LZ41-3",
                _day(rng, year, date(year, 3, 1)),
                basis_fen=rng.randrange(20_000_000, 400_000_000),
                description="上年度税收区级财力贡献",
            )


def _worked_examples(out: _Matters, listed_2024: list[int], all_ids: list[int]) -> None:
    """Cap carried across two receipts (rules.md), 就高不重复, installments, first-time repeat."""
    e1, e2, e3, e4 = listed_2024[0], listed_2024[1], all_ids[5], all_ids[6]
    out.add(e1, "LZ41-2", date(2024, 3, 15), basis_fen=320_500_000, description="第一笔市级资金")
    out.add(e1, "LZ41-2", date(2024, 9, 20), basis_fen=200_000_000, description="第二笔市级资金")
    out.add(
        e2,
        "LZ41-10B",
        date(2023, 5, 8),
        level="省级",
        same_matter_key="研发中心2023",
        description="省级研发中心",
    )
    out.add(
        e2,
        "LZ41-10C",
        date(2023, 5, 8),
        level="省级",
        same_matter_key="研发中心2023",
        description="同一项目另报工业设计",
    )
    out.add(e3, "LZ41-9A", date(2023, 6, 15), description="新认定省级制造业创新中心")
    out.add(e4, "LZ41-9A", date(2022, 8, 1), description="新认定省级技术创新中心")
    out.add(e4, "LZ41-9B", date(2025, 7, 1), description="升级为国家级创新中心")
    out.add(e3, "LZ41-6B", date(2022, 4, 1), description="两化融合贯标认定")
    out.add(e3, "LZ41-6B", date(2024, 4, 1), description="两化融合贯标再次认定")
    out.add(e3, "LZ41-5A", date(2021, 3, 1), basis_fen=12_345_678, description="政策施行前的补助")
    out.add(e4, "LZ41-5A", date(2026, 3, 1), basis_fen=10_000_000, description="政策到期后的补助")


def _decide(db: Database) -> None:
    """Calculate every year; approve 2021–2023, pay 2021–2022, reject one 2024 draft."""
    for year in (*YEARS, 2026):
        calculate_year(db, year)
    for year in (2021, 2022, 2023):
        approve(db, year)
    paid = [
        r[0]
        for r in db.query(
            f"SELECT id FROM awards WHERE year IN (2021, 2022) AND status = '{status.APPROVED}'"
        )
    ]
    mark_paid(db, paid)
    draft = db.one(
        f"SELECT id FROM awards WHERE year = 2024 AND status = '{status.DRAFT}' AND amount_fen > 0"
        " AND rule_code = 'LZ41-6D' ORDER BY id LIMIT 1"
    )
    if draft:
        reject(db, draft[0], "企业申报材料不全，经复核不予奖补")
    for year in (2024, 2025, 2026):
        calculate_year(db, year)


def build_demo(db: Database, *, enterprises: int = 240, seed: int = 2021) -> str:
    """Fill an empty database with demo data; returns a one-line summary."""
    from desktop.core.errors import Conflict

    if db.scalar("SELECT count(*) FROM enterprises"):
        raise Conflict("数据库中已有企业数据，演示数据只能生成在新的空数据库中")
    rng = random.Random(seed)
    items = _enterprises(db, rng, enterprises)
    ids = {r[0]: r[1] for r in db.query("SELECT credit_code, id FROM enterprises")}
    on_list = _lists(db, rng, [ids[e.credit_code] for e in items if e.industry])
    matters = _Matters({v: k for k, v in ids.items()})
    all_ids = sorted(ids.values())
    for year in (*YEARS, 2026):
        _year_matters(matters, rng, year, on_list, all_ids)
    _worked_examples(matters, sorted(on_list[2024]), all_ids)
    unique = matters.unique()
    insert_applications(db, unique, source="演示")
    _decide(db)
    n_awards = db.scalar("SELECT count(*) FROM awards")
    return f"{len(items)}户企业，{len(unique)}个奖补事项，{n_awards}条核定结果"
