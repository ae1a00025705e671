"""The audit dossier of one award (审计档案): everything 审计 asks about it, as read-only data.

The rule version and its text, the calculation trace, the sign-off nodes, the 公示 and its
objections, the 失信 checks, payments and vouchers, any 追回, and every change-log entry about it.
The reports layer renders it (``reports/payment.py``) with the data fingerprint in the footer.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.services.awards import AwardView, award_row, explain, get_award
from desktop.services.clawbacks import ClawbackView, list_clawbacks
from desktop.services.payments import PaymentItem, payments_of_award
from desktop.services.publicity import Objection, Publicity, list_objections, publicity_of_award
from desktop.services.signoff import Signature, signatures
from desktop.storage.database import Database


@dataclass(frozen=True)
class LogLine:
    id: int
    at: str
    user: str
    action: str
    table: str
    row_key: str
    new_values: str
    hash: str


@dataclass(frozen=True)
class Dossier:
    award: AwardView
    explanation: str  # explain(): rule version, clause text, parameters, checks, steps
    supersedes: int | None
    superseded_by: list[int]
    signatures: list[Signature]
    publicity: Publicity | None
    objections: list[Objection]
    payments: list[PaymentItem]
    clawbacks: list[ClawbackView]
    log: list[LogLine]
    paid_fen: int
    voucher: str | None


def dossier(db: Database, award_id: int) -> Dossier:
    award = get_award(db, award_id)
    row = award_row(db, award_id)
    later = [
        r[0]
        for r in db.query("SELECT id FROM awards WHERE supersedes = ? ORDER BY id", (award_id,))
    ]
    objections = list_objections(db, award_id=award_id)
    items = payments_of_award(db, award_id)
    claws = [
        c
        for c in list_clawbacks(db, enterprise_id=award.enterprise_id)
        if c.award_id == award_id or c.offset_award_id == award_id
    ]
    keys = [
        ("awards", str(award_id)),
        *(("objections", str(o.id)) for o in objections),
        *(("payment_items", str(i.id)) for i in items),
        *(("clawbacks", str(c.id)) for c in claws),
    ]
    log = []
    for table, key in keys:
        log += [
            LogLine(*r)
            for r in db.query(
                "SELECT id, at, user, action, table_name, row_key, COALESCE(new_values, ''), hash"
                " FROM change_log WHERE table_name = ? AND row_key = ?",
                (table, key),
            )
        ]
    publicity = publicity_of_award(db, award_id)
    if publicity is not None:
        log += [
            LogLine(*r)
            for r in db.query(
                "SELECT id, at, user, action, table_name, row_key, '', hash FROM change_log"
                " WHERE table_name = 'publicities' AND row_key = ?",
                (str(publicity.id),),
            )
        ]
    log.sort(key=lambda x: x.id)
    return Dossier(
        award=award,
        explanation=explain(db, award_id),
        supersedes=row["supersedes"],
        superseded_by=later,
        signatures=signatures(db, [award_id]).get(award_id, []),
        publicity=publicity,
        objections=objections,
        payments=items,
        clawbacks=claws,
        log=log,
        paid_fen=int(row["paid_fen"] or 0),
        voucher=row["voucher"],
    )
