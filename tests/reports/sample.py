"""Award data for report benchmarks and tests, made through the services as a clerk would: the
registry, the year's 四强 list, the matters, the calculation, then review (approve, pay, reject).
Every row it makes is written by a service and so recorded in the change log. Deterministic for a
given seed.
"""

from __future__ import annotations

import random
from datetime import date

from desktop.core import status
from desktop.core.creditcode import CHARSET, make_credit_code
from desktop.services.applications import ApplicationInput, insert_applications
from desktop.services.awards import approve, mark_paid, reject
from desktop.services.calculation import calculate_year
from desktop.services.demo import NAME_PREFIXES, NAME_SUFFIXES
from desktop.services.registry import EnterpriseInput, towns, upsert_enterprises
from desktop.services.report_rows import detail_rows
from desktop.services.siqiang_lists import replace_list
from desktop.storage.database import Database

LONG_NAME = "淄博齐鲁高端化工新材料产业链协同创新与智能制造示范基地建设运营管理集团股份有限公司临淄经济开发区稷下高新技术产业园分公司"  # 60 characters
_PREFIX = NAME_PREFIXES[:12]
_TRADE = ["新材料科技", "高分子材料", "智能装备制造", "汽车零部件", "生物医药科技", "电子信息技术"]
_SUFFIX = NAME_SUFFIXES
_RATIO_RULES = ("LZ41-2", "LZ41-5A", "LZ41-1A", "LZ41-8A")


def credit_code(i: int) -> str:
    body = "MA" + "".join(CHARSET[(i // 31**k) % 31] for k in range(6))
    return make_credit_code("9", "1", "370305", body)


def enterprise(
    code: str,
    name: str,
    town: str,
    *,
    above_scale: bool = True,
    industry: str | None = "新材料",
) -> EnterpriseInput:
    return EnterpriseInput(code, name, town, above_scale, industry)


def add_enterprises(db: Database, items: list[EnterpriseInput]) -> dict[str, int]:
    """Register ``items``; returns their ids by credit code."""
    from desktop.services.registry import find_by_code

    upsert_enterprises(db, items, action="样例")
    ids = {}
    for item in items:
        found = find_by_code(db, item.credit_code)
        assert found is not None
        ids[item.credit_code] = found.id
    return ids


def matter(
    db_ids: dict[str, int], code: str, rule: str | None, when: date, **kw
) -> ApplicationInput:
    return ApplicationInput(
        enterprise_id=db_ids[code], credit_code=code, rule_code=rule, event_date=when, **kw
    )


def award_ids(db: Database, year: int, **where) -> list[int]:
    """Ids of the year's stored awards, filtered by field values (via the detail read model)."""
    data = detail_rows(db, year)
    return [
        r.id
        for r in (*data.granted, *data.not_granted)
        if all(getattr(r, k) == v for k, v in where.items())
    ]


def _sample_enterprises(db: Database, n: int, rng: random.Random) -> list[EnterpriseInput]:
    names = [t.name for t in towns(db)]
    items = []
    for i in range(n):
        name = (
            LONG_NAME
            if i == 3
            else f"淄博{rng.choice(_PREFIX)}{rng.choice(_TRADE)}{i:04d}{rng.choice(_SUFFIX)}"
        )
        items.append(enterprise(credit_code(i), name, names[i % len(names)]))
    return items


def build_sample(db: Database, *, rows: int = 10_000, year: int = 2024, seed: int = 7) -> int:
    """About ``rows`` awards for ``year`` (a third approved, half of those paid, one in twelve of
    the rest rejected); returns how many count as granted."""
    rng = random.Random(seed)
    n_ent = max(rows // 5, 1)
    items = _sample_enterprises(db, n_ent, rng)
    ids = add_enterprises(db, items)
    replace_list(db, year, set(ids.values()))
    apps = []
    for k in range(rows):
        code = items[k % n_ent].credit_code
        rule = _RATIO_RULES[(k // n_ent) % len(_RATIO_RULES)]
        when = date(year, 1 + k % 12, 1 + k % 28)
        basis = rng.randrange(1_000_00, 300_000_000)
        apps.append(matter(ids, code, rule, when, basis_fen=basis, description="样例事项"))
    insert_applications(db, apps, source="样例")
    calculate_year(db, year)
    drafts = {r.id: r.amount_fen for r in detail_rows(db, year).granted if r.status == status.DRAFT}
    chosen = [i for i in drafts if rng.random() < 1 / 3]
    approve(db, year, chosen)
    mark_paid(db, chosen[::2])
    taken = set(chosen)
    rest = [i for i in drafts if i not in taken]
    for award_id in rest[11::12]:
        reject(db, award_id, "样例：申报材料不全")
    return len(detail_rows(db, year).granted)
