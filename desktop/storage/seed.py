"""Loads ``db/seed/catalogue.json`` (towns and the rule catalogue) into a new database."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from desktop.core.rules import parse_rule
from desktop.resources import db_path

if TYPE_CHECKING:
    from desktop.storage.database import Database


def load_catalogue() -> dict[str, Any]:
    return json.loads(db_path("seed", "catalogue.json").read_text(encoding="utf-8"))


def seed_catalogue(db: Database) -> None:
    """Insert the seeded towns, policies, versions and rules (inside the migration's transaction)."""
    from desktop.storage.database import now_text

    catalogue = load_catalogue()
    at = now_text()
    for order, name in enumerate(catalogue["towns"], start=1):
        db.execute("INSERT INTO towns (name, sort_order) VALUES (?, ?)", (name, order))
    for policy in catalogue["policies"]:
        policy_id = db.insert(
            "INSERT INTO policies (code, title) VALUES (?, ?)", (policy["code"], policy["title"])
        )
        for version in policy["versions"]:
            version_id = db.insert(
                "INSERT INTO policy_versions (policy_id, doc_number, title, issued_on, valid_from,"
                " valid_to, source_text, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    policy_id,
                    version["doc_number"],
                    version["title"],
                    version.get("issued_on"),
                    version["valid_from"],
                    version.get("valid_to"),
                    version.get("source_text"),
                    at,
                    "系统",
                ),
            )
            for rule in version["rules"]:
                # The seed is written as a clerk would; store what the method makes canonical.
                params, conditions = parse_rule(
                    rule["method"], rule["params"], rule["conditions"], rule["code"]
                )
                db.execute(
                    "INSERT INTO rules (policy_version_id, code, clause, name, method, params,"
                    " conditions, first_time_key, city_documents, clause_text, sort_order)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        version_id,
                        rule["code"],
                        rule["clause"],
                        rule["name"],
                        rule["method"],
                        json.dumps(params, ensure_ascii=False),
                        json.dumps(list(conditions), ensure_ascii=False),
                        rule.get("first_time_key"),
                        json.dumps(rule.get("city_documents", []), ensure_ascii=False),
                        rule["clause_text"],
                        rule.get("sort_order", 0),
                    ),
                )
    db.set_setting("assessment_rules", json.dumps(catalogue["town_assessment_rules"]))
    db.log("初始化", "database", None, None, {"towns": len(catalogue["towns"])})
