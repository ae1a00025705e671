"""Property tests: no award exceeds its cap, none is negative, and each equals a Decimal reference."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.engine import Application, EnterpriseFacts, evaluate_enterprise
from desktop.services.catalogue import load_catalogue
from desktop.storage.database import Database

_CATALOGUE = None


def catalogue():
    global _CATALOGUE
    if _CATALOGUE is None:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d, Database(Path(d) / "c.db") as db:
            _CATALOGUE = load_catalogue(db)
    return _CATALOGUE


RATIO_RULES = ["LZ41-1A", "LZ41-2", "LZ41-3", "LZ41-5A", "LZ41-6A", "LZ41-8A"]
FACTS = EnterpriseFacts(1, True, frozenset({2024}))


def reference(basis_fen: int, rate: str) -> int:
    yuan = Decimal(basis_fen) / 100 * Decimal(rate)
    return int(yuan.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


@settings(max_examples=300, deadline=None)
@given(rule=st.sampled_from(RATIO_RULES), basis=st.integers(min_value=0, max_value=10**13))
def test_single_award_equals_the_decimal_reference_within_the_cap(rule, basis):
    cat = catalogue()
    version = cat.latest(rule)
    (result,) = evaluate_enterprise(
        [Application(1, 1, rule, date(2024, 6, 1), basis_fen=basis)], FACTS, cat
    )
    expected = reference(basis, version.params["rate"])
    cap = version.cap_fen()
    if cap is not None:
        expected = min(expected, cap)
    assert result.amount_fen == expected >= 0


@settings(max_examples=200, deadline=None)
@given(
    rule=st.sampled_from([r for r in RATIO_RULES if r != "LZ41-3"]),  # LZ41-3 is first-time only
    bases=st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=8),
    days=st.lists(st.integers(min_value=0, max_value=364), min_size=8, max_size=8),
)
def test_awards_of_one_year_never_exceed_the_cap_together(rule, bases, days):
    cat = catalogue()
    version = cat.latest(rule)
    apps = [
        Application(i + 1, 1, rule, date(2024, 1, 1) + timedelta(days=days[i]), basis_fen=b)
        for i, b in enumerate(bases)
    ]
    results = evaluate_enterprise(apps, FACTS, cat)
    assert all(r.amount_fen >= 0 for r in results)
    cap = version.cap_fen()
    total = sum(r.amount_fen for r in results)
    uncapped = sum(reference(b, version.params["rate"]) for b in bases)
    if cap is None:
        assert total == uncapped
    else:
        assert total == min(uncapped, cap)  # the cap is reached exactly, never passed
