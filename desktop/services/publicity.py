"""公示: a publicity batch of the year's 已审核 awards, its public list, and the objection register.

The 公示期 is ``days`` working days counted on the working-day calendar from ``start`` (day 1 when
it is a working day). An objection needs a real name with a way to reach the person and a date
inside the 公示期; an objection judged 成立 revokes the award (已撤销, reason recorded) so its matter
can be corrected, recalculated and reviewed again. Awards with an objection not yet closed are
not paid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.core.money import yuan_string
from desktop.services.cells import parse_date, text_field
from desktop.services.offices import require_district_for
from desktop.services.users import REVIEWER, require_role
from desktop.storage.database import Database, now_text

DEFAULT_DAYS = 5
PHONE_SETTING = "publicity_phone"
PHONE_BLANK = "____________"
UPHELD, REJECTED = "成立", "不成立"
OUTCOMES = (UPHELD, REJECTED)
CHANNELS = ("来电", "来信", "来访", "电子邮件", "网上留言", "其他")
_ANONYMOUS = {"匿名", "群众", "市民", "无", "不详", "某某", "知情人", "举报人", "网友"}
_PHONE_IN_TEXT = re.compile(r"\+?\d[\d\-\s]{5,18}\d")


@dataclass(frozen=True)
class Publicity:
    id: int
    year: int
    start_date: str
    days: int
    end_date: str
    phone: str
    calendar_note: str
    created_at: str
    created_by: str
    awards: int
    total_fen: int
    open_objections: int

    def ended(self, on: date) -> bool:
        return self.end_date < on.isoformat()

    def json_row(self, on: date | None = None) -> dict[str, Any]:
        on = on or date.today()
        return {
            "编号": self.id,
            "年度": self.year,
            "公示开始": self.start_date,
            "公示结束": self.end_date,
            "工作日数": self.days,
            "监督电话": self.phone,
            "笔数": self.awards,
            "合计（元）": yuan_string(self.total_fen),
            "未处理异议": self.open_objections,
            "状态": "已结束" if self.ended(on) else "公示中",
        }


_SQL = (
    "SELECT p.id, p.year, p.start_date, p.days, p.end_date, p.phone, p.calendar_note, p.created_at,"
    " p.created_by, (SELECT count(*) FROM publicity_items i WHERE i.publicity_id = p.id),"
    " (SELECT COALESCE(sum(amount_fen), 0) FROM publicity_items i WHERE i.publicity_id = p.id),"
    " (SELECT count(*) FROM objections o WHERE o.publicity_id = p.id AND o.outcome IS NULL)"
    " FROM publicities p"
)


def get_publicity(db: Database, publicity_id: int) -> Publicity:
    row = db.one(_SQL + " WHERE p.id = ?", (publicity_id,))
    if row is None:
        raise NotFound(f"公示编号{publicity_id}不存在")
    return Publicity(*row)


def list_publicities(db: Database, year: int | None = None) -> list[Publicity]:
    if year is None:
        return [Publicity(*r) for r in db.query(_SQL + " ORDER BY p.id")]
    return [Publicity(*r) for r in db.query(_SQL + " WHERE p.year = ? ORDER BY p.id", (year,))]


@dataclass(frozen=True)
class Created:
    publicity: Publicity
    warnings: list[str]


def create_publicity(
    db: Database, year: int, start: Any, days: int = DEFAULT_DAYS, *, phone: str | None = None
) -> Created:
    """Publicise every 已审核 award of ``year`` not yet publicised (审核员)."""
    from desktop.services.workcalendar import WorkCalendar, seed_year

    require_district_for(db, "公示")
    require_role(db, REVIEWER)
    start_day = parse_date(start, field="公示开始日期")
    if not 1 <= int(days) <= 60:
        raise ValidationError(f"公示天数{days}无效，应为1至60个工作日", field="公示天数")
    phone_text = text_field(
        phone if phone is not None else db.setting(PHONE_SETTING), "监督电话", max_length=40
    )
    warnings: list[str] = []
    if not phone_text:
        phone_text = PHONE_BLANK
        warnings.append("未设置监督电话，公示名单中留空待填写（可用 --phone 指定，此后作为默认值）")
    awards = db.query(
        "SELECT a.id, a.amount_fen FROM awards a WHERE a.year = ? AND a.status = ?"
        " AND a.amount_fen > 0 AND NOT EXISTS (SELECT 1 FROM publicity_items i WHERE i.award_id = a.id)"
        " ORDER BY a.id",
        (year, status.APPROVED),
    )
    if not awards:
        raise Conflict(f"{year}年度没有尚未公示的已审核核定结果")
    at = now_text()
    with db.transaction():
        for y in range(start_day.year, start_day.year + 2):
            seed_year(db, y)
        calendar = WorkCalendar(db)
        end = calendar.end_date(start_day, int(days))
        warnings += calendar.warnings
        note = "；".join(calendar.warnings)
        values = {
            "year": year,
            "start_date": start_day.isoformat(),
            "days": int(days),
            "end_date": end.isoformat(),
            "phone": phone_text,
            "calendar_note": note,
            "created_at": at,
            "created_by": db.user,
        }
        publicity_id = db.insert(
            "INSERT INTO publicities (year, start_date, days, end_date, phone, calendar_note,"
            " created_at, created_by) VALUES (:year, :start_date, :days, :end_date, :phone,"
            " :calendar_note, :created_at, :created_by)",
            values,
        )
        db.executemany(
            "INSERT INTO publicity_items (publicity_id, award_id, amount_fen) VALUES (?, ?, ?)",
            [(publicity_id, a[0], a[1]) for a in awards],
        )
        if phone is not None and phone_text != db.setting(PHONE_SETTING):
            db.set_setting(PHONE_SETTING, phone_text)
        db.log(
            "公示",
            "publicities",
            publicity_id,
            None,
            {**values, "awards": [{"award_id": a[0], "amount_fen": a[1]} for a in awards]},
        )
    return Created(get_publicity(db, publicity_id), warnings)


@dataclass(frozen=True)
class PublicRow:
    award_id: int
    enterprise: str
    rule_name: str
    amount_fen: int


def public_rows(db: Database, publicity_id: int) -> list[PublicRow]:
    """What the public list shows: 企业名称, 条款名称, 奖补金额 (no credit code, no bank data)."""
    return [
        PublicRow(*r)
        for r in db.query(
            "SELECT a.id, e.name, COALESCE(r.name, a.rule_code), i.amount_fen FROM publicity_items i"
            " JOIN awards a ON a.id = i.award_id JOIN enterprises e ON e.id = a.enterprise_id"
            " LEFT JOIN rules r ON r.id = a.rule_id WHERE i.publicity_id = ?"
            " ORDER BY e.name, a.rule_code, a.id",
            (publicity_id,),
        )
    ]


def publicity_of_award(db: Database, award_id: int) -> Publicity | None:
    value = db.scalar("SELECT publicity_id FROM publicity_items WHERE award_id = ?", (award_id,))
    return None if value is None else get_publicity(db, int(value))


# -- objections ----------------------------------------------------------------------------------


def _parse_person(text: str | None) -> tuple[str, str]:
    """``"张三 13800001111"`` (also ``张三（0533-7123456）``) → (name, contact). The name must be a
    real one (not 匿名/群众…); the contact is whatever phone number the text holds."""
    raw = (text or "").replace("\u3000", " ").strip()
    phone = _PHONE_IN_TEXT.search(raw)
    contact = phone.group(0).strip() if phone else ""
    name = (raw.replace(contact, " ", 1) if contact else raw).strip(" ,，:：;；()（）")
    name = name.split()[0] if name.split() else ""
    if not name:
        raise ValidationError(
            "异议须实名提出：请按“姓名 联系电话”填写提出人（匿名异议不予登记）", field="提出人"
        )
    if name in _ANONYMOUS or len(name) < 2 or len(name) > 20 or any(c.isdigit() for c in name):
        raise ValidationError(f"提出人姓名“{name}”不是真实姓名，异议须实名提出", field="提出人")
    return name, contact


@dataclass(frozen=True)
class Objection:
    id: int
    publicity_id: int
    award_id: int
    person: str
    contact: str
    channel: str
    received_on: str
    content: str
    outcome: str | None
    handling: str | None
    closed_at: str | None
    closed_by: str | None
    created_at: str
    created_by: str

    def json_row(self) -> dict[str, Any]:
        return {
            "编号": self.id,
            "公示编号": self.publicity_id,
            "核定结果编号": self.award_id,
            "提出人": self.person,
            "联系电话": self.contact,
            "方式": self.channel,
            "收到日期": self.received_on,
            "内容": self.content,
            "结论": self.outcome or "待处理",
            "处理情况": self.handling or "",
        }


def add_objection(
    db: Database,
    publicity_id: int,
    award_id: int,
    person: str,
    received: Any,
    content: str,
    *,
    channel: str | None = None,
) -> int:
    """Register an objection (审核员): a real name and contact, a date inside the 公示期."""
    require_district_for(db, "登记公示异议")
    require_role(db, REVIEWER)
    pub = get_publicity(db, publicity_id)
    if not db.scalar(
        "SELECT 1 FROM publicity_items WHERE publicity_id = ? AND award_id = ?",
        (publicity_id, award_id),
    ):
        raise NotFound(f"核定结果{award_id}不在公示{publicity_id}中")
    name, contact = _parse_person(person)
    day = parse_date(received, field="收到日期")
    if not pub.start_date <= day.isoformat() <= pub.end_date:
        raise ValidationError(
            f"异议收到日期{day.isoformat()}不在公示期（{pub.start_date}至{pub.end_date}）内，不予登记",
            field="收到日期",
        )
    text = text_field(content, "异议内容", required=True, max_length=2000) or ""
    how = text_field(channel, "方式", max_length=20) or ""
    values = {
        "publicity_id": publicity_id,
        "award_id": award_id,
        "person": name,
        "contact": contact,
        "channel": how,
        "received_on": day.isoformat(),
        "content": text,
        "created_at": now_text(),
        "created_by": db.user,
    }
    with db.transaction():
        objection_id = db.insert(
            "INSERT INTO objections (publicity_id, award_id, person, contact, channel, received_on,"
            " content, created_at, created_by) VALUES (:publicity_id, :award_id, :person, :contact,"
            " :channel, :received_on, :content, :created_at, :created_by)",
            values,
        )
        db.log("异议登记", "objections", objection_id, None, values)
    return objection_id


def get_objection(db: Database, objection_id: int) -> Objection:
    row = db.one("SELECT * FROM objections WHERE id = ?", (objection_id,))
    if row is None:
        raise NotFound(f"异议编号{objection_id}不存在")
    return Objection(*[row[k] for k in Objection.__dataclass_fields__])


def list_objections(
    db: Database, *, publicity_id: int | None = None, award_id: int | None = None
) -> list[Objection]:
    where, params = [], []
    if publicity_id is not None:
        where.append("publicity_id = ?")
        params.append(publicity_id)
    if award_id is not None:
        where.append("award_id = ?")
        params.append(award_id)
    rows = db.query(
        "SELECT * FROM objections"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY id",
        params,
    )
    return [Objection(*[r[k] for k in Objection.__dataclass_fields__]) for r in rows]


def close_objection(db: Database, objection_id: int, outcome: str, reason: str | None) -> Objection:
    """Close an objection with its outcome (审核员). 成立 revokes the award for correction."""
    from desktop.services.awards import REVOCABLE, award_row, revoke_in_transaction

    require_district_for(db, "处理公示异议")
    require_role(db, REVIEWER)
    objection = get_objection(db, objection_id)
    if outcome not in OUTCOMES:
        raise ValidationError(f"结论“{outcome}”无效，应为成立或不成立", field="结论")
    if objection.outcome is not None:
        raise Conflict(f"异议{objection_id}已于{objection.closed_at}处理（{objection.outcome}）")
    text = text_field(reason, "处理理由", required=True, max_length=1000) or ""
    award = award_row(db, objection.award_id)
    if outcome == UPHELD and award["status"] not in REVOCABLE:
        raise Conflict(
            f"核定结果{award['id']}状态为“{award['status']}”，异议成立须撤销该结果，但它不能撤销"
        )
    at = now_text()
    with db.transaction():
        db.execute(
            "UPDATE objections SET outcome = ?, handling = ?, closed_at = ?, closed_by = ? WHERE id = ?",
            (outcome, text, at, db.user, objection_id),
        )
        db.log(
            "异议处理",
            "objections",
            objection_id,
            {"outcome": None},
            {"outcome": outcome, "handling": text, "closed_at": at, "closed_by": db.user},
        )
        if outcome == UPHELD:
            revoke_in_transaction(db, award, f"公示异议成立（异议{objection_id}）：{text}")
    return get_objection(db, objection_id)
