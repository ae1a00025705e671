"""Signed decisions: who signs, what is signed, and how ``check`` verifies it.

Every decision on an award (审核通过 at any sign-off node, 拨付, 撤销, 不予奖补, 恢复草稿), every
published or edited rule and every user's key certificate is one row of ``signatures``: an
Ed25519 signature (``desktop.core.signatures``) over a canonical JSON payload that holds the whole
record decided on and the hash of the previous row (one chain over the table).

- With logins on, the acting user signs with their own key. The private key is stored only
  sealed (AES-GCM) under a key derived from the user's password by the same scrypt call that
  checks it (:mod:`desktop.services.users`), so it is usable only after a login.
- Users' keys are certified by a 管理员's key; the first 管理员 certifies himself (the *root*).
  ``check`` and every report print the root's fingerprint: someone who rewrites the whole table
  with keys of their own gets another fingerprint.
- Without logins (single-user mode) the installation key (``desktop.services.keys``, a file in the
  user data folder, not in the database) signs. ``check`` then says whether the signing key is this
  computer's key; on another computer it can only print its fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from desktop.core import signatures
from desktop.core.errors import PermissionDenied
from desktop.storage.anchor import ROOT_ACTION, row_hash
from desktop.storage.database import GENESIS_HASH, Database, now_text

INSTALLATION = "本机"
AWARD, RULE, USER = "award", "rule", "user"
# The signature actions of a user's key certificate.
CERTIFY, ROOT, UPGRADE = "认证用户密钥", ROOT_ACTION, "升级用户密钥"
BASELINE = "升级签名基线"  # decisions taken before signatures existed, signed at the upgrade
RECEIPT = "按回执更新条款"  # a township's rules as the district's signed receipt gave them


@dataclass(frozen=True)
class Signer:
    name: str  # the user's name, or 本机
    public_hex: str
    private: Ed25519PrivateKey

    @property
    def fingerprint(self) -> str:
        return signatures.fingerprint(self.public_hex)

    def sign(self, payload: Any) -> str:
        return signatures.sign(self.private, payload)


def installation_signer() -> Signer:
    from desktop.services.keys import installation_key

    key = installation_key()
    return Signer(INSTALLATION, key.public_hex, key.private)


def current_signer(db: Database) -> Signer:
    """The key that signs what the acting user decides now (see the module text)."""
    signer = getattr(db, "signer", None)
    if isinstance(signer, Signer) and signer.name == db.user and db.role is not None:
        return signer
    from desktop.services.users import logins_enabled

    if not logins_enabled(db):
        return installation_signer()
    raise PermissionDenied(f"用户“{db.user}”的签名密钥未解锁：请重新登录后再操作")


# -- sealing a private key under a password-derived key ----------------------------------------
def seal(private: Ed25519PrivateKey, key: bytes, name: str) -> str:
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    nonce = os.urandom(12)
    return (nonce + AESGCM(key).encrypt(nonce, raw, name.encode("utf-8"))).hex()


def unseal(sealed_hex: str, key: bytes, name: str) -> Ed25519PrivateKey | None:
    try:
        data = bytes.fromhex(sealed_hex)
        raw = AESGCM(key).decrypt(data[:12], data[12:], name.encode("utf-8"))
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, InvalidTag):
        return None


# -- what is signed ----------------------------------------------------------------------------
_RULE_SQL = (
    "SELECT r.id, r.code, r.clause, r.name, r.method, r.params, r.conditions, r.first_time_key,"
    " r.city_documents, r.clause_text, r.sort_order, v.doc_number, v.valid_from, v.valid_to,"
    " v.created_by AS version_by FROM rules r JOIN policy_versions v ON v.id = r.policy_version_id"
)


def _rule_content(row: Any) -> dict[str, Any]:
    return {
        "code": row["code"],
        "clause": row["clause"],
        "name": row["name"],
        "method": row["method"],
        "params": json.loads(row["params"]),
        "conditions": json.loads(row["conditions"]),
        "first_time_key": row["first_time_key"],
        "city_documents": json.loads(row["city_documents"]),
        "clause_text": row["clause_text"],
        "doc_number": row["doc_number"],
        "valid_from": row["valid_from"],
        "valid_to": row["valid_to"],
    }


def rule_contents(db: Database, ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """rule id → what a rule says (its version's 文号 and validity included)."""
    if ids is None:
        rows = db.query(_RULE_SQL + " ORDER BY r.id")
    else:
        wanted = sorted({int(i) for i in ids})
        rows = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows.extend(db.query(_RULE_SQL + f" WHERE r.id IN ({marks}) ORDER BY r.id", chunk))
    return {r["id"]: _rule_content(r) for r in rows}


def content_hash(content: Any) -> str:
    return hashlib.sha256(signatures.canonical_bytes(content)).hexdigest()


_AWARD_SQL = """
SELECT a.id, a.application_id, a.enterprise_id, e.credit_code, a.rule_code, a.rule_id, a.year,
       a.installment_no, a.basis_fen, a.amount_fen, a.computed_fen, a.status, a.decision_reason,
       a.supersedes, a.after_expiry, a.paid_fen, a.voucher, ap.rule_code AS m_rule_code, ap.event_date, ap.basis_fen AS m_basis,
       ap.level, ap.city_document, ap.manual_amount_fen, ap.same_matter_key, ap.enterprise_id AS m_ent
FROM awards a JOIN enterprises e ON e.id = a.enterprise_id
JOIN applications ap ON ap.id = a.application_id
"""


def _award_record(row: Any, rule_hashes: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "enterprise_id": row["enterprise_id"],
        "credit_code": row["credit_code"],
        "application_id": row["application_id"],
        "matter": {
            "enterprise_id": row["m_ent"],
            "rule_code": row["m_rule_code"],
            "event_date": row["event_date"],
            "basis_fen": row["m_basis"],
            "level": row["level"],
            "city_document": row["city_document"],
            "manual_amount_fen": row["manual_amount_fen"],
            "same_matter_key": row["same_matter_key"],
        },
        "rule_code": row["rule_code"],
        "rule_id": row["rule_id"],
        "rule_hash": rule_hashes.get(row["rule_id"]) if row["rule_id"] is not None else None,
        "year": row["year"],
        "installment_no": row["installment_no"],
        "basis_fen": row["basis_fen"],
        "amount_fen": row["amount_fen"],
        "computed_fen": row["computed_fen"],
        "after_expiry": row["after_expiry"],
        "supersedes": row["supersedes"],
        "status": row["status"],
        "reason": row["decision_reason"],
        "paid_fen": row["paid_fen"],
        "voucher": row["voucher"],
    }


def award_records(db: Database, ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """award id → the whole record a decision is signed over (enterprise and credit code, the
    matter's fields, rule version and the hash of what the rule says, year, installment, basis,
    amounts, status, reason)."""
    if ids is None:
        rows = db.query(_AWARD_SQL + " ORDER BY a.id")
    else:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        rows = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows.extend(db.query(_AWARD_SQL + f" WHERE a.id IN ({marks})", chunk))
    rule_ids = None if ids is None else [r["rule_id"] for r in rows if r["rule_id"] is not None]
    rule_hashes = {i: content_hash(c) for i, c in rule_contents(db, rule_ids).items()}
    return {r["id"]: _award_record(r, rule_hashes) for r in rows}


# -- writing signatures ------------------------------------------------------------------------
def append(
    db: Database,
    kind: str,
    items: Sequence[tuple[Any, str, dict[str, Any]]],
    *,
    signer: Signer | None = None,
) -> None:
    """Sign and store ``items`` (subject, action, record), inside the caller's transaction."""
    if not items:
        return
    if not db.conn.in_transaction:
        raise RuntimeError("signatures are written inside the decision's transaction")
    signer = signer or current_signer(db)
    newest = db.one("SELECT signature FROM signatures ORDER BY id DESC LIMIT 1")
    prev = row_hash(newest["signature"]) if newest else GENESIS_HASH
    at = now_text()
    rows = []
    for subject, action, record in items:
        payload = {
            "kind": kind,
            "subject": str(subject),
            "action": action,
            "signer": signer.name,
            "at": at,
            "prev": prev,
            "record": record,
        }
        signature = signer.sign(payload)
        rows.append(
            (
                kind,
                str(subject),
                action,
                signer.name,
                signer.public_hex,
                signatures.canonical_bytes(payload).decode("utf-8"),
                prev,
                signature,
                at,
            )
        )
        prev = row_hash(signature)
    db.executemany(
        "INSERT INTO signatures (kind, subject, action, signer, public_key, payload, prev_hash,"
        " signature, at) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )


def sign_awards(
    db: Database, action: str, award_ids: Iterable[int], signer: Signer | None = None
) -> None:
    """Sign the current record of each award, inside the decision's transaction after the award
    rows were updated. ``action`` is the status the decision gives (审核通过 → 已审核, at a
    sign-off node 审核中 …). Every decision calls it: approve, pay, revoke, reject, reopen, and
    whatever decides on an award later (拨付失败, 公示 outcomes …)."""
    ids = list(award_ids)
    if not ids:
        return
    records = award_records(db, ids)
    append(db, AWARD, [(i, action, records[i]) for i in records], signer=signer)


def sign_rules(
    db: Database, action: str, rule_ids: Iterable[int], signer: Signer | None = None
) -> None:
    contents = rule_contents(db, rule_ids)
    append(db, RULE, [(i, action, c) for i, c in contents.items()], signer=signer)


def user_certificate(name: str, role: str, public_hex: str) -> dict[str, Any]:
    return {"name": name, "role": role, "public_key": public_hex}


def root_fingerprint(db: Database) -> str | None:
    """The fingerprint of the first 管理员's key (None in single-user mode)."""
    row = db.one(
        "SELECT public_key FROM signatures WHERE kind = 'user' AND action = ? ORDER BY id LIMIT 1",
        (ROOT,),
    )
    return signatures.fingerprint(row[0]) if row else None


def ensure_baseline(db: Database) -> int:
    """Sign, with the installation key, the decided awards and published rules of a database
    that has no signature yet (decisions taken by an older program), on its first writable open
    by this one. Once any signature exists nothing is signed after the fact, and ``check``
    refuses a baseline row after any other signature. Returns how many were signed."""
    if db.readonly or db.scalar("SELECT EXISTS (SELECT 1 FROM signatures)"):
        return 0
    from desktop.core import status
    from desktop.core.rules import PUBLISHED_VERSION

    awards = [
        r[0]
        for r in db.query("SELECT id FROM awards WHERE status <> ? ORDER BY id", (status.DRAFT,))
    ]
    rules = [
        r[0]
        for r in db.query(
            "SELECT r.id FROM rules r JOIN policy_versions v ON v.id = r.policy_version_id"
            " WHERE v.created_by <> '系统' AND v.status = ? ORDER BY r.id",
            (PUBLISHED_VERSION,),
        )
    ]
    if not awards and not rules:
        return 0
    signer = installation_signer()
    with db.transaction():
        records = award_records(db, awards)
        append(db, AWARD, [(i, BASELINE, records[i]) for i in records], signer=signer)
        contents = rule_contents(db, rules)
        append(db, RULE, [(i, BASELINE, c) for i, c in contents.items()], signer=signer)
        db.log("签名基线", "signatures", None, None, {"awards": len(awards), "rules": len(rules)})
    return len(awards) + len(rules)
