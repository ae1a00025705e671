"""试算 (what-if): a year computed under a draft, or with a few parameters changed, against the
rules in force — by clause, by town and the enterprises whose amount changes. Nothing is
written.

现行 and 试算 are granted amounts (interfaces.md): 现行 counts a granted decision at its amount
and a draft at what the engine gives it now; 试算 gives the year's matters what the trial rules
give them, approved or not (what a 局务会 asks: what would these matters get under the new
rules), while 不予奖补 and 已撤销 count 0 on both sides and other years' decisions stand. An
enterprise none of whose matters meets a changed rule counts the same on both sides. The year's inputs are read once (``calculation.year_inputs``); an enterprise none of
whose matters meets a changed rule is evaluated once and counted the same on both sides.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from desktop.core.engine import Application, AwardResult
from desktop.core.errors import Cancelled, ValidationError
from desktop.core.money import yuan_string
from desktop.core.rules import Catalogue, RuleVersion, format_date_cn, normalize_document
from desktop.services.calculation import Progress, year_inputs
from desktop.services.catalogue import changed_rule, load_catalogue, parse_assignments
from desktop.storage.database import Database


@dataclass(frozen=True)
class Compared:
    """One line of a comparison: now and under the trial, in 分."""

    key: str
    name: str
    now_fen: int
    trial_fen: int
    town: str = ""

    @property
    def difference_fen(self) -> int:
        return self.trial_fen - self.now_fen


@dataclass
class WhatIf:
    year: int
    against: str  # what the trial is: 草稿[2] 临政字〔2026〕1号, or the changed parameters
    now_fen: int = 0
    trial_fen: int = 0
    by_rule: list[Compared] = field(default_factory=list)
    by_town: list[Compared] = field(default_factory=list)
    enterprises: list[Compared] = field(default_factory=list)  # only those whose amount changes
    evaluated: int = 0  # enterprises computed
    recomputed: int = 0  # of them, computed a second time under the trial

    @property
    def difference_fen(self) -> int:
        return self.trial_fen - self.now_fen

    def json_value(self) -> dict[str, Any]:
        """interfaces.md: 年度, 现行合计, 试算合计, 差额, 按条款, 企业 (plus 依据, 按镇街, names)."""
        return {
            "年度": self.year,
            "依据": self.against,
            "现行合计": yuan_string(self.now_fen),
            "试算合计": yuan_string(self.trial_fen),
            "差额": yuan_string(self.difference_fen),
            "按条款": [
                {
                    "条款编号": c.key,
                    "条款名称": c.name,
                    "现行": yuan_string(c.now_fen),
                    "试算": yuan_string(c.trial_fen),
                    "差额": yuan_string(c.difference_fen),
                }
                for c in self.by_rule
            ],
            "按镇街": [
                {
                    "镇街": c.key,
                    "现行": yuan_string(c.now_fen),
                    "试算": yuan_string(c.trial_fen),
                    "差额": yuan_string(c.difference_fen),
                }
                for c in self.by_town
            ],
            "企业": [
                {
                    "统一社会信用代码": c.key,
                    "企业名称": c.name,
                    "所属镇街": c.town,
                    "现行": yuan_string(c.now_fen),
                    "试算": yuan_string(c.trial_fen),
                    "差额": yuan_string(c.difference_fen),
                }
                for c in self.enterprises
            ],
        }


# -- the trial catalogue ------------------------------------------------------------------------
def with_settings(catalogue: Catalogue, year: int, items: list[str]) -> Catalogue:
    """``catalogue`` with parameters changed (``CODE.PARAM=VALUE``, as a clerk writes them) in
    every version of the clause in force during ``year``; invalid values are refused now."""
    changes = parse_assignments(items)
    first, last = date(year, 1, 1), date(year, 12, 31)
    changed: dict[int, RuleVersion] = {}
    for code, change in changes.items():
        if not catalogue.known(code):
            raise ValidationError(f"条款编号{code}不存在", field="条款编号")
        versions = [
            v
            for v in catalogue.versions(code)
            if v.valid_from <= last and (v.valid_to is None or v.valid_to >= first)
        ]
        if not versions:
            raise ValidationError(f"条款{code}在{year}年度没有施行中的政策版本", field="条款编号")
        for v in versions:
            params, conditions = changed_rule(
                v.method, code, dict(v.params), list(v.conditions), change
            )
            changed[id(v)] = replace(v, params=params, conditions=conditions)
    return Catalogue([changed.get(id(v), v) for v in catalogue.all_versions()], catalogue.drafts)


def _content(version: RuleVersion | None) -> tuple[Any, ...] | None:
    """What decides a version's amounts (its id and dates aside)."""
    if version is None:
        return None
    return (
        version.method,
        json.dumps(version.params, sort_keys=True, ensure_ascii=False),
        version.conditions,
        version.first_key if version.first_time else None,
        tuple(sorted(normalize_document(d) for d in version.city_documents)),
    )


class _Sameness:
    """Whether an enterprise's matters meet the same rules under both catalogues (then its
    results are the same: the engine reads nothing else of the catalogue for amounts)."""

    def __init__(self, now: Catalogue, trial: Catalogue) -> None:
        self.now, self.trial = now, trial
        self._memo: dict[tuple[str | None, str | None, date], bool] = {}

    def same(self, app: Application) -> bool:
        key = (app.rule_code, app.city_document, app.event_date)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._judge(app)
        return found

    def _judge(self, app: Application) -> bool:
        if app.rule_code:
            codes_now = codes_trial = [app.rule_code]
        else:
            codes_now = self.now.match_document(app.city_document)
            codes_trial = self.trial.match_document(app.city_document)
            if sorted(codes_now) != sorted(codes_trial):
                return False
        return all(
            self.now.known(c) == self.trial.known(c)
            and _content(self.now.in_force(c, app.event_date))
            == _content(self.trial.in_force(c, app.event_date))
            for c in codes_now
        )


# -- the comparison -------------------------------------------------------------------------------
def _granted(results: list[AwardResult]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in results:
        out[r.rule_code] += r.amount_fen
    return out


def compare_year(
    db: Database,
    year: int,
    trial: Catalogue,
    against: str,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> WhatIf:
    """``year`` under the published rules and under ``trial`` (nothing is written)."""
    now = load_catalogue(db)
    inputs = year_inputs(db, year, [now, trial])
    reopened = inputs.reopened(year)
    sameness = _Sameness(now, trial)
    per_enterprise: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
    out = WhatIf(year, against)
    total = len(inputs.matters)
    for done, eid in enumerate(inputs.matters, start=1):
        if cancel is not None and done % 500 == 0 and cancel.is_set():
            raise Cancelled("试算")
        if progress is not None and done % 2000 == 0:
            progress(done, total, f"正在试算 {done}/{total} 户企业")
        now_results = _granted(inputs.evaluate(eid, now, year))
        if all(sameness.same(a) for a in inputs.matters[eid]):
            trial_results = now_results
        else:
            trial_results = _granted(reopened.evaluate(eid, trial, year))
            out.recomputed += 1
        per_enterprise[eid] = (now_results, trial_results)
    out.evaluated = total
    _summarise(db, out, per_enterprise, now, trial)
    return out


def _summarise(
    db: Database,
    out: WhatIf,
    per_enterprise: dict[int, tuple[dict[str, int], dict[str, int]]],
    now: Catalogue,
    trial: Catalogue,
) -> None:
    names = {
        r["id"]: (r["credit_code"], r["name"], r["town"], r["town_order"])
        for r in db.query(
            "SELECT e.id, e.credit_code, e.name, t.name AS town, t.sort_order AS town_order"
            " FROM json_each(?) j JOIN enterprises e ON e.id = j.value"
            " JOIN towns t ON t.id = e.town_id",
            (json.dumps(sorted(per_enterprise)),),
        )
    }
    rules: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    towns: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    town_order: dict[str, int] = {}
    for eid, (now_by, trial_by) in per_enterprise.items():
        code, name, town, order = names[eid]
        town_order[town] = order
        for side, by_rule in enumerate((now_by, trial_by)):
            for rule_code, fen in by_rule.items():
                rules[rule_code][side] += fen
                towns[town][side] += fen
        a, b = sum(now_by.values()), sum(trial_by.values())
        if a != b:
            out.enterprises.append(Compared(code, name, a, b, town))
    order = {c: i for i, c in enumerate([*trial.codes(), *now.codes()]) if c}
    for rule_code in sorted(rules, key=lambda c: (order.get(c, len(order)), c)):
        a, b = rules[rule_code]
        if a or b:
            out.by_rule.append(Compared(rule_code, _rule_name(rule_code, trial, now), a, b))
    for town in sorted(towns, key=lambda t: town_order[t]):
        a, b = towns[town]
        if a or b:
            out.by_town.append(Compared(town, town, a, b))
    out.enterprises.sort(key=lambda c: (-abs(c.difference_fen), c.key))
    out.now_fen = sum(c.now_fen for c in out.by_rule)
    out.trial_fen = sum(c.trial_fen for c in out.by_rule)


def _rule_name(code: str, *catalogues: Catalogue) -> str:
    for catalogue in catalogues:
        if catalogue.known(code):
            return catalogue.latest(code).name
    return ""


def _draft_trial(db: Database, version: int, year: int) -> tuple[Catalogue, str]:
    """The catalogue with draft ``version`` in force. A successor is usually tried on a year it
    does not reach (the 局务会 asks what last year's matters would get under it): a draft whose
    dates leave out the whole year is taken as in force over that year, and ``against`` says so."""
    row = db.one(
        "SELECT doc_number, valid_from, valid_to FROM policy_versions WHERE id = ?", (version,)
    )
    against = f"草稿[{version}] {row['doc_number']}" if row else f"草稿[{version}]"
    first, last = date(year, 1, 1), date(year, 12, 31)
    if row is not None:
        start = date.fromisoformat(row["valid_from"])
        end = date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
        if start > last or (end is not None and end < first):
            shown = f"自{format_date_cn(start)}施行"
            note = f"（{shown}，试算假定其在{year}年度施行）"
            return load_catalogue(db, with_draft=version, draft_span=(first, last)), against + note
    return load_catalogue(db, with_draft=version), against


def whatif(
    db: Database,
    year: int,
    *,
    version: int | None = None,
    settings: list[str] | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> WhatIf:
    """``whatif --year Y (--version DRAFT | --set CODE.PARAM=VALUE …)``"""
    from desktop.services.siqiang_lists import check_year

    check_year(year)
    if (version is None) == (not settings):
        raise ValidationError("请指定 --version 草稿编号，或用 --set 给出要试算的参数（二者选一）")
    if version is not None:
        trial, against = _draft_trial(db, version, year)
    else:
        trial = with_settings(load_catalogue(db), year, settings or [])
        against = "参数调整 " + "，".join(settings or [])
    return compare_year(db, year, trial, against, progress=progress, cancel=cancel)
