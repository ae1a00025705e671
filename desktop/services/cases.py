"""典型案例: the clerks' worked examples, stored, edited and checked against the rules.

``run_cases(db)`` checks every case against the published catalogue, ``run_cases(db,
with_draft=ID)`` against the catalogue with that draft in force; nothing is written. Every edit
and the publication of a draft run them (``desktop.services.policy_drafts``), so a change that
breaks a case is shown when it is made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from desktop.core.cases import Case, CaseMatter, CaseOutcome, Expectation, check_case
from desktop.core.errors import NotFound, ValidationError
from desktop.core.methods import LEVELS
from desktop.core.money import parse_optional_amount, yuan_string
from desktop.core.rules import Catalogue
from desktop.services.catalogue import load_catalogue
from desktop.services.cells import parse_choice, parse_date, text_field
from desktop.services.users import CLERK, require_role
from desktop.storage.database import Database, now_text


def _case(row: Any) -> Case:
    facts = json.loads(row["facts"])
    return Case(
        row["id"],
        row["name"],
        bool(facts.get("above_scale", True)),
        frozenset(int(y) for y in facts.get("list_years", [])),
        tuple(CaseMatter.from_json(m) for m in json.loads(row["matters"])),
        tuple(Expectation.from_json(e) for e in json.loads(row["expected"])),
        row["note"],
        row["source"],
    )


def list_cases(db: Database) -> list[Case]:
    return [_case(r) for r in db.query("SELECT * FROM policy_cases ORDER BY id")]


def get_case(db: Database, case_id: int) -> Case:
    row = db.one("SELECT * FROM policy_cases WHERE id = ?", (case_id,))
    if row is None:
        raise NotFound(f"典型案例{case_id}不存在")
    return _case(row)


@dataclass(frozen=True)
class CaseReport:
    """Every case checked against one catalogue."""

    against: str  # 现行政策 / 草稿 临政字〔2026〕1号
    outcomes: list[CaseOutcome] = field(default_factory=list)

    @property
    def failing(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.holds]

    @property
    def headline(self) -> str:
        total, bad = len(self.outcomes), len(self.failing)
        if not bad:
            return f"典型案例：按{self.against}，{total}个全部成立"
        return f"典型案例：按{self.against}，{total}个中{bad}个不再成立"

    def lines(self) -> list[str]:
        out = [self.headline]
        for outcome in self.failing:
            for line in outcome.failures:
                out.append(f"  不再成立：[{outcome.case.id}] {outcome.case.name} — {line.text}")
        return out

    def json_value(self) -> dict[str, Any]:
        return {
            "依据": self.against,
            "案例": [
                {
                    "编号": o.case.id,
                    "名称": o.case.name,
                    "成立": o.holds,
                    "核对": [
                        {
                            "事项": line.expectation.matter,
                            "年度": line.expectation.year,
                            "应得": yuan_string(line.expectation.amount_fen),
                            "现得": yuan_string(line.amount_fen),
                            "成立": line.holds,
                            "说明": line.explanation,
                        }
                        for line in o.lines
                    ],
                }
                for o in self.outcomes
            ],
        }


def check_cases(cases: list[Case], catalogue: Catalogue, against: str) -> CaseReport:
    return CaseReport(against, [check_case(c, catalogue) for c in cases])


def run_cases(db: Database, *, with_draft: int | None = None) -> CaseReport:
    """Check every case against the published rules, or with draft ``with_draft`` in force."""
    catalogue = load_catalogue(db, with_draft=with_draft)
    against = "现行政策"
    if with_draft is not None:
        doc = db.scalar("SELECT doc_number FROM policy_versions WHERE id = ?", (with_draft,))
        against = f"草稿[{with_draft}] {doc}"
    return check_cases(list_cases(db), catalogue, against)


# -- entering a case ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseInput:
    """A case as a clerk writes it: texts, checked by :func:`parse_case`."""

    name: str
    above_scale: bool
    list_years: list[Any]
    matters: list[dict[str, Any]]  # rule_code, event_date, basis, level, city_document, …
    expected: list[dict[str, Any]]  # matter, year, amount, reason
    note: str | None = None


def _matter(raw: dict[str, Any], n: int, catalogue: Catalogue) -> CaseMatter:
    where = f"第{n}个事项"
    code = text_field(raw.get("rule_code"), f"{where}的条款编号", max_length=20)
    code = code.upper() if code else None
    document = text_field(raw.get("city_document"), f"{where}的市级政策文号", max_length=60)
    if code and not (catalogue.known(code) or catalogue.draft_with(code)):
        raise ValidationError(f"{where}的条款编号“{code}”不存在", field="条款编号")
    if not code and not (document and catalogue.match_document(document)):
        raise ValidationError(f"{where}须填写条款编号或可匹配条款的市级政策文号", field="条款编号")
    return CaseMatter(
        code,
        parse_date(raw.get("event_date"), field=f"{where}的事项日期"),
        parse_optional_amount(raw.get("basis"), field=f"{where}的基数金额（元）"),
        parse_choice(raw.get("level"), LEVELS, field=f"{where}的认定级别", required=False),
        document,
        text_field(raw.get("same_matter_key"), f"{where}的同一事项编号", max_length=40),
        parse_optional_amount(raw.get("manual_amount"), field=f"{where}的核定金额（元）"),
        text_field(raw.get("description"), f"{where}的事项说明", max_length=500),
    )


def _year(value: Any, field: str) -> int:
    text = str(value).strip().removesuffix("年度").removesuffix("年")
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise ValidationError(f"{field}“{value}”不是有效的年度", field=field)
    return int(text)


def _expectation(raw: dict[str, Any], n: int, matters: int) -> Expectation:
    where = f"第{n}项应得结果"
    try:
        matter = int(str(raw.get("matter", "")).strip())
    except ValueError:
        matter = 0
    if not 1 <= matter <= matters:
        raise ValidationError(
            f"{where}的事项序号须为1到{matters}之间的整数（实际为“{raw.get('matter')}”）",
            field="事项序号",
        )
    amount = parse_optional_amount(raw.get("amount"), field=f"{where}的金额（元）")
    if amount is None:
        raise ValidationError(f"{where}须填写应得金额（不予奖补填0）", field="金额")
    reason = text_field(raw.get("reason"), f"{where}的说明文字", max_length=200)
    return Expectation(matter, _year(raw.get("year"), f"{where}的年度"), amount, reason)


def parse_case(item: CaseInput, catalogue: Catalogue) -> Case:
    """The case ``item`` describes; anything invalid is refused naming the field."""
    name = text_field(item.name, "案例名称", max_length=100)
    if not name:
        raise ValidationError("案例名称不能为空", field="案例名称")
    if not item.matters:
        raise ValidationError("案例至少需要一个奖补事项", field="事项")
    if not item.expected:
        raise ValidationError("案例至少需要一项应得结果", field="应得结果")
    matters = tuple(_matter(m, n, catalogue) for n, m in enumerate(item.matters, start=1))
    expected = tuple(_expectation(e, n, len(matters)) for n, e in enumerate(item.expected, start=1))
    years = frozenset(_year(y, "四强名单年度") for y in item.list_years if str(y).strip())
    note = text_field(item.note, "备注", max_length=500)
    return Case(0, name, bool(item.above_scale), years, matters, expected, note)


def save_case(db: Database, item: CaseInput, *, case_id: int | None = None) -> int:
    """Insert a case (``case_id`` None) or replace one; returns its id."""
    require_role(db, CLERK)
    case = parse_case(item, load_catalogue(db))
    values = {
        "name": case.name,
        "facts": json.dumps(case.facts_json(), ensure_ascii=False),
        "matters": json.dumps([m.to_json() for m in case.matters], ensure_ascii=False),
        "expected": json.dumps([e.to_json() for e in case.expected], ensure_ascii=False),
        "note": case.note,
    }
    clash = db.scalar(
        "SELECT id FROM policy_cases WHERE name = ? AND id IS NOT ?", (case.name, case_id)
    )
    if clash:
        raise ValidationError(f"已有名为“{case.name}”的典型案例（编号{clash}）", field="案例名称")
    at = now_text()
    with db.transaction():
        if case_id is None:
            case_id = db.insert(
                "INSERT INTO policy_cases (name, facts, matters, expected, note, created_at,"
                " created_by, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?)",
                (*values.values(), at, db.user, at, db.user),
            )
            db.log("新增典型案例", "policy_cases", case_id, None, values)
        else:
            old = get_case(db, case_id)
            db.execute(
                "UPDATE policy_cases SET name = ?, facts = ?, matters = ?, expected = ?, note = ?,"
                " updated_at = ?, updated_by = ? WHERE id = ?",
                (*values.values(), at, db.user, case_id),
            )
            db.log("修改典型案例", "policy_cases", case_id, {"name": old.name}, values)
    return case_id


def delete_case(db: Database, case_id: int) -> None:
    require_role(db, CLERK)
    case = get_case(db, case_id)
    with db.transaction():
        db.execute("DELETE FROM policy_cases WHERE id = ?", (case_id,))
        db.log("删除典型案例", "policy_cases", case_id, {"name": case.name}, None)
