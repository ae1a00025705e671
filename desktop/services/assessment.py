"""镇街考核加分: which rules earn a town its 加分, as data (table ``town_assessment_rules``).

临政字〔2021〕41号三（三）: "辖区内有企业享受以上政策的镇（街道），在年度考核中予以加分" — seeded with
LZ41-1A/1B/2/3 (三（一）至（三）); an administrator may change the list when a policy does.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.errors import ValidationError
from desktop.services.catalogue import load_catalogue
from desktop.services.users import ADMIN, require_role
from desktop.storage.database import Database


@dataclass(frozen=True)
class AssessmentBasis:
    codes: list[str]  # the rules whose granted awards count
    cited_rule: str | None  # the rule whose clause carries the policy's sentence
    text: str  # that sentence ("" when none is recorded)


def assessment_basis(db: Database) -> AssessmentBasis:
    rows = db.query("SELECT rule_code, basis_text FROM town_assessment_rules ORDER BY rule_code")
    cited = next((r for r in rows if r["basis_text"]), None)
    return AssessmentBasis(
        [r["rule_code"] for r in rows],
        cited["rule_code"] if cited else None,
        cited["basis_text"] if cited else "",
    )


def set_assessment_rules(db: Database, codes: list[str]) -> None:
    """Replace the list of rules that count (管理员 only; logged). The policy sentence stays with
    its rule while that rule is listed."""
    require_role(db, ADMIN)
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    catalogue = load_catalogue(db)
    unknown = [c for c in wanted if not catalogue.known(c)]
    if unknown:
        raise ValidationError(f"条款编号{'、'.join(unknown)}不存在", field="条款编号")
    old = assessment_basis(db)
    with db.transaction():
        db.execute(
            "DELETE FROM town_assessment_rules WHERE rule_code NOT IN"
            f" ({','.join('?' * len(wanted)) or 'NULL'})",
            wanted,
        )
        db.executemany(
            "INSERT OR IGNORE INTO town_assessment_rules (rule_code) VALUES (?)",
            [(c,) for c in wanted],
        )
        db.log(
            "修改考核加分条款",
            "town_assessment_rules",
            None,
            {"codes": old.codes},
            {"codes": wanted},
        )
