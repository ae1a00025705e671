"""The in-memory registry search gives exactly what the SQL search gives."""

from __future__ import annotations

import random

import pytest

from desktop.core.creditcode import make_credit_code, random_credit_code
from desktop.services.registry import (
    EnterpriseFilter,
    EnterpriseIndex,
    EnterpriseInput,
    search_enterprise_ids,
    towns,
    upsert_enterprises,
)
from desktop.services.siqiang_lists import replace_list


@pytest.fixture
def registry(db):
    rng = random.Random(7)
    names = [t.name for t in towns(db)]
    items = [
        EnterpriseInput(
            random_credit_code(rng),
            f"淄博{rng.choice(['齐鑫', '鲁华', '泰宏'])}{i}号材料有限公司",
            rng.choice(names),
            rng.random() < 0.5,
            rng.choice(["新材料", "医药健康", None]),
        )
        for i in range(300)
    ]
    upsert_enterprises(db, items)
    ids = [r[0] for r in db.query("SELECT id FROM enterprises")]
    replace_list(db, 2024, set(rng.sample(ids, 100)))
    return db


@pytest.mark.parametrize(
    "flt",
    [
        EnterpriseFilter(),
        EnterpriseFilter(text="齐鑫"),
        EnterpriseFilter(text="1号"),
        EnterpriseFilter(text="  鲁华 "),
        EnterpriseFilter(text="9"),
        EnterpriseFilter(text="没有这家"),
        EnterpriseFilter(town_id=3),
        EnterpriseFilter(industry="新材料", above_scale=True),
        EnterpriseFilter(text="泰宏", on_list_year=2024),
        EnterpriseFilter(on_list_year=2023),
        EnterpriseFilter(text="淄博"),  # in every name: answered without a scan
        EnterpriseFilter(text="博", town_id=3),
        EnterpriseFilter(text="淄博齐"),  # beyond the common beginning: scanned
    ],
)
def test_index_matches_the_sql_search(registry, flt):
    assert EnterpriseIndex(registry).search(flt) == search_enterprise_ids(registry, flt)


def test_credit_code_search_ignores_case(registry):
    code = registry.scalar("SELECT credit_code FROM enterprises LIMIT 1")
    hits = EnterpriseIndex(registry).search(EnterpriseFilter(text=code[4:12].lower()))
    assert registry.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (code,)) in hits


def test_text_every_code_begins_with_matches_every_row_in_any_case(db):
    """Linzi's codes all begin 91370305MA: typing "91370305ma" lists every enterprise."""
    upsert_enterprises(
        db,
        [
            EnterpriseInput(
                make_credit_code(org_body=f"MA3C4H{i:02d}"), f"临淄{i}号公司", "辛店街道", True
            )
            for i in range(12)
        ],
    )
    index = EnterpriseIndex(db)
    everything = index.search(EnterpriseFilter())
    assert len(everything) == 12
    assert index.search(EnterpriseFilter(text="91370305ma")) == everything
    assert index.search(EnterpriseFilter(text="临淄")) == everything
    assert index.search(EnterpriseFilter(text="临淄1")) == search_enterprise_ids(
        db, EnterpriseFilter(text="临淄1")
    )
