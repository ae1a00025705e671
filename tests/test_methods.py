"""Each calculation method is one unit: its parameters as a clerk writes them (parsing is
validation, one canonical stored form), its amount, schedule, description and form fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from desktop.core.errors import ValidationError
from desktop.core.methods import METHODS, Computed, MatterInput, Method, method
from desktop.core.params import AMOUNT, ParamSpec

RATIO = METHODS["ratio"]


@pytest.mark.parametrize("written", ["25%", "0.25", "２５％", " 25 % ", "0.250"])
def test_a_rate_is_read_however_a_clerk_writes_it_and_stored_one_way(written):
    stored = RATIO.with_changes({"rate": "0.3", "cap": "1500000.00"}, {"rate": written})
    assert stored["rate"] == "0.25"
    assert RATIO.parse(stored).rate == Decimal("0.25")


@pytest.mark.parametrize(
    ("written", "fen"),
    [
        ("150万", 150_000_000),
        ("1,500,000", 150_000_000),
        ("1500000", 150_000_000),
        ("1500000.00", 150_000_000),
        ("150万元", 150_000_000),
        ("１５０万", 150_000_000),
    ],
)
def test_an_amount_is_read_however_a_clerk_writes_it(written, fen):
    stored = RATIO.with_changes({"rate": "0.3"}, {"上限": written})
    assert stored["cap"] == "1500000.00" and RATIO.parse(stored).cap_fen == fen


@pytest.mark.parametrize("written", ["", "无", "不设上限"])
def test_an_empty_cap_means_no_cap(written):
    assert "cap" not in RATIO.with_changes({"rate": "0.3", "cap": "1.00"}, {"cap": written})


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"rate": "130%"}, "不超过100%"),
        ({"rate": "abc"}, "不是有效的比例"),
        ({"cap": "-5"}, "负数"),
        ({"cap": "0"}, "大于0"),
        ({"上限口径": "每月"}, "不在可选范围内"),
        ({"rates": "1"}, "没有参数"),
    ],
)
def test_an_invalid_value_is_refused_when_set_naming_the_rule_and_parameter(change, needle):
    with pytest.raises(ValidationError, match=needle) as caught:
        RATIO.with_changes({"rate": "0.3"}, change, "LZ41-2")
    assert "LZ41-2" in str(caught.value)


def test_installment_years_must_be_a_whole_number_in_range():
    stored = {"one_time": "2000000.00", "yearly": "500000.00", "years": 3}
    with pytest.raises(ValidationError, match="1到20之间"):
        METHODS["installments"].with_changes(stored, {"补贴年数": "30"})
    assert METHODS["installments"].with_changes(stored, {"years": "4年"})["years"] == 4


def test_levels_are_set_by_name():
    stored = METHODS["level"].with_changes(
        {"amounts": {"省级": "300000.00"}}, {"国家级金额": "100万", "amounts.省级": ""}
    )
    assert stored["amounts"] == {"国家级": "1000000.00"}
    with pytest.raises(ValidationError, match="至少一级"):
        METHODS["level"].with_changes(stored, {"国家级金额": ""})


def test_descriptions_are_chinese_labels_and_values():
    lines = RATIO.describe(
        RATIO.parse({"rate": "0.3", "cap": "1500000.00", "basis_label": "市级资金"})
    )
    assert [(p.label, p.value) for p in lines] == [
        ("比例", "30%"),
        ("上限", "1,500,000.00 元"),
        ("上限口径", "每户企业每年度按本条款累计"),
        ("计算基数", "市级资金"),
    ]


def test_each_method_says_which_matter_fields_its_form_needs():
    assert RATIO.needs(RATIO.parse({"rate": "0.3", "basis_label": "保费"})).basis_label == "保费"
    level = METHODS["level"]
    assert level.needs(level.parse({"amounts": {"省级": "1.00", "市级": "2.00"}})).levels == (
        "省级",
        "市级",
    )
    manual = METHODS["manual"]
    assert manual.needs(manual.parse({"reference": "临发〔2020〕10号"})).manual_amount


def test_the_installment_schedule_belongs_to_the_method():
    inst = METHODS["installments"]
    params = inst.parse({"one_time": "200万", "yearly": "50万", "years": 3})
    assert [(p.no, p.year, p.amount_fen) for p in inst.schedule(params, 2023, 200_000_000)] == [
        (0, 2023, 200_000_000),
        (1, 2024, 50_000_000),
        (2, 2025, 50_000_000),
        (3, 2026, 50_000_000),
    ]
    assert inst.total_fen(params, 200_000_000) == 350_000_000


def test_every_method_round_trips_its_canonical_form():
    samples = {
        "ratio": {"rate": "30%", "cap": "150万", "basis_label": "市级资金"},
        "fixed": {"amount": "30万"},
        "level": {"amounts": {"国家级": "100万"}},
        "installments": {"one_time": "200万", "yearly": "50万", "years": "3"},
        "manual": {"reference": "临发〔2020〕10号", "fund_source": "市级财政"},
    }
    for key, raw in samples.items():
        found = method(key)
        stored = found.canonical(found.parse(raw))
        assert found.canonical(found.parse(stored)) == stored
    assert method("manual").fund_source(method("manual").parse(samples["manual"])) == "市级财政"
    assert method("fixed").fund_source(method("fixed").parse(samples["fixed"])) == "区级财政"


def test_an_unknown_method_is_refused_in_chinese():
    with pytest.raises(ValidationError, match="不在允许范围内"):
        method("formula")


# -- a new method is one module --------------------------------------------------------------


@dataclass(frozen=True)
class PerHeadParams:
    amount_fen: int
    fund_source: str | None = None


class PerHead(Method[PerHeadParams]):
    """A made-up method: a fixed amount per 新增就业人数 (the matter's 认定级别 column is not used;
    the 基数 carries the head count in 元 for the sake of the test)."""

    key = "per_head"
    label = "按人数定额"
    specs = (ParamSpec("amount", "每人金额", AMOUNT),)

    def build(self, values: dict[str, Any], code: str) -> PerHeadParams:
        return PerHeadParams(values["amount"], values["fund_source"])

    def values(self, params: PerHeadParams) -> dict[str, Any]:
        return {"amount": params.amount_fen, "fund_source": params.fund_source}

    def compute(self, params: PerHeadParams, matter: MatterInput, rule_name: str) -> Computed:
        heads = (matter.basis_fen or 0) // 100
        amount = heads * params.amount_fen
        return Computed(amount, steps=[f"{heads}人"], summary=f"{heads}人 × 每人")


def test_adding_a_method_is_one_module(monkeypatch, tmp_path):
    """Registering a method makes it usable end to end: storage, catalogue, engine, trace."""
    import json

    from desktop.core.engine import Application, EnterpriseFacts, evaluate_enterprise
    from desktop.services.catalogue import load_catalogue
    from desktop.storage.database import Database

    monkeypatch.setitem(METHODS, "per_head", PerHead())
    with Database(tmp_path / "m.db") as db:
        with db.transaction():
            db.execute(
                "UPDATE rules SET method = 'per_head', params = ? WHERE code = 'LZ41-6D'",
                (json.dumps({"amount": "1000.00"}),),
            )
        catalogue = load_catalogue(db)
    app = Application(1, 1, "LZ41-6D", date(2024, 5, 1), basis_fen=12 * 100)
    (result,) = evaluate_enterprise([app], EnterpriseFacts(1, True), catalogue)
    assert result.amount_fen == 12 * 100_000
    assert [(p.label, p.value) for p in result.trace.parameters] == [("每人金额", "1,000.00 元")]
