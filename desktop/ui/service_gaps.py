"""Stop-gaps for service functions the GUI needs but ``desktop/services`` does not offer yet.

Each one is built only from existing service calls (no SQL in the UI). Replace them with the real
service functions once they exist (see the list in the GUI hand-over report):

* ``applications.list_applications(db, year)`` — the stored fields of a year's applications,
  including 事项说明 and 核定金额, which no service returns today. Until then the rows come from
  ``calculation.compute_year`` (nothing written), whose trace carries every field except the
  description; ``ApplicationRow.complete`` is False for such rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.money import parse_amount
from desktop.storage.database import Database


@dataclass(frozen=True)
class ApplicationRow:
    id: int
    enterprise_id: int
    credit_code: str
    enterprise_name: str
    town: str
    rule_code: str | None
    matched_code: str | None  # the rule the engine used (differs when matched by 文号)
    event_date: date
    basis_fen: int | None
    level: str | None
    city_document: str | None
    same_matter_key: str | None
    manual_amount_fen: int | None
    description: str | None
    preview_fen: int
    preview_text: str
    method: str | None
    complete: bool  # False: description (and a refused manual amount) could not be read


def list_applications(db: Database, year: int) -> list[ApplicationRow]:
    """The applications whose 事项日期 falls in ``year``, with what the engine would award now."""
    from desktop.services.calculation import compute_year
    from desktop.services.registry import enterprises_by_ids

    best: dict[int, object] = {}
    for result in compute_year(db, year):
        app = result.trace.get("application", {})
        if not app or date.fromisoformat(app["event_date"]).year != year:
            continue
        current = best.get(result.application_id)
        if current is None or _rank(result) > _rank(current):
            best[result.application_id] = result
    people = enterprises_by_ids(db, sorted({r.enterprise_id for r in best.values()}))
    rows = []
    for app_id, result in best.items():
        trace = result.trace
        app = trace["application"]
        enterprise = people.get(result.enterprise_id)
        method = (trace.get("rule") or {}).get("method")
        manual = result.amount_fen if method == "manual" and result.amount_fen else None
        rows.append(ApplicationRow(
            id=app_id, enterprise_id=result.enterprise_id,
            credit_code=enterprise.credit_code if enterprise else "",
            enterprise_name=enterprise.name if enterprise else "（已删除）",
            town=enterprise.town if enterprise else "",
            rule_code=app.get("rule_code"), matched_code=result.rule_code,
            event_date=date.fromisoformat(app["event_date"]),
            basis_fen=parse_amount(app["basis"]) if app.get("basis") else None,
            level=app.get("level"), city_document=app.get("city_document"),
            same_matter_key=app.get("same_matter_key"), manual_amount_fen=manual, description=None,
            preview_fen=result.amount_fen, preview_text=result.explanation, method=method,
            complete=False,
        ))
    rows.sort(key=lambda r: (r.event_date, r.id))
    return rows


def _rank(result) -> tuple[int, int, int]:
    return (int(result.eligible), result.amount_fen, -result.installment_no)
