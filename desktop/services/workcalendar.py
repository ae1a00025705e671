"""The working-day calendar (工作日历): holidays and 调休 workdays, kept as editable data.

A year is *covered* when the ``calendar_years`` table has it: its days that differ from the
weekend rule are in ``calendar_days``. Years are seeded from the maintained package
``chinesecalendar`` (1.11.0 covers 2004–2026, 调休 included) the first time a write needs them,
and a clerk can replace any year from a workbook (``calendar import``) or the GUI editor. A date in
a year neither the table nor the package covers falls back to weekends, and every answer that used
the fallback says so (:attr:`WorkCalendar.warnings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from desktop.core.errors import ImportRejected, RowProblem, ValidationError
from desktop.core.workdays import end_of_working_days, weekend_rule
from desktop.services.cells import clean_text, parse_date
from desktop.services.users import ADMIN, REVIEWER, require_role
from desktop.storage.database import Database, now_text

PACKAGE = "chinesecalendar 1.11.0"
WORKDAY, RESTDAY = "工作日", "休息日"
_KIND_WORDS = {
    "工作日": 1,
    "上班": 1,
    "调休上班": 1,
    "补班": 1,
    "班": 1,
    "休息日": 0,
    "节假日": 0,
    "假日": 0,
    "休": 0,
    "放假": 0,
}


def fallback_warning(year: int) -> str:
    return (
        f"{year}年不在工作日历中（内置日历仅含2004—2026年，可在“工作日历”中导入或编辑），"
        "该年按周一至周五为工作日计算，未计法定节假日和调休，请核对"
    )


def _package_year(year: int) -> dict[date, tuple[int, str]] | None:
    """The days of ``year`` that differ from the weekend rule, by the package; None: not covered."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    names = {
        "New Year's Day": "元旦",
        "Spring Festival": "春节",
        "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节",
        "National Day": "国庆节",
        "Mid-autumn Festival": "中秋节",
        "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
    }
    out: dict[date, tuple[int, str]] = {}
    day = date(year, 1, 1)
    while day.year == year:
        work = chinese_calendar.is_workday(day)
        if work != weekend_rule(day):
            _, name = chinese_calendar.get_holiday_detail(day)
            label = names.get(str(name), str(name or ""))
            out[day] = (1, f"{label}调休上班" if label else "调休上班") if work else (0, label)
        day += timedelta(days=1)
    return out


@dataclass
class WorkCalendar:
    """``is_workday`` over the stored years, the package's years and the weekend fallback."""

    db: Database
    warnings: list[str] = field(default_factory=list)
    _years: dict[int, dict[date, int] | None] = field(default_factory=dict)

    def _year(self, year: int) -> dict[date, int] | None:
        if year not in self._years:
            if self.db.scalar("SELECT 1 FROM calendar_years WHERE year = ?", (year,)):
                rows = self.db.query(
                    "SELECT day, workday FROM calendar_days WHERE day BETWEEN ? AND ?",
                    (f"{year}-01-01", f"{year}-12-31"),
                )
                self._years[year] = {date.fromisoformat(r[0]): r[1] for r in rows}
            else:
                package = _package_year(year)
                self._years[year] = (
                    None if package is None else {d: w for d, (w, _) in package.items()}
                )
        return self._years[year]

    def is_workday(self, day: date) -> bool:
        known = self._year(day.year)
        if known is None:
            warning = fallback_warning(day.year)
            if warning not in self.warnings:
                self.warnings.append(warning)
            return weekend_rule(day)
        return bool(known.get(day, weekend_rule(day)))

    def end_date(self, start: date, days: int) -> date:
        return end_of_working_days(start, days, self.is_workday)


def covered_source(db: Database, year: int) -> str | None:
    """Where ``year``'s calendar comes from: the table's source, the package, or None."""
    source = db.scalar("SELECT source FROM calendar_years WHERE year = ?", (year,))
    if source:
        return str(source)
    return PACKAGE if _package_year(year) is not None else None


def seed_year(db: Database, year: int) -> bool:
    """Copy ``year`` from the package into the table (inside the caller's transaction) unless the
    table has it already; False when the package does not cover it either."""
    if db.scalar("SELECT 1 FROM calendar_years WHERE year = ?", (year,)):
        return True
    package = _package_year(year)
    if package is None:
        return False
    _store_year(db, year, PACKAGE, {d: v for d, v in package.items()}, action="日历初始化")
    return True


def _store_year(
    db: Database, year: int, source: str, days: dict[date, tuple[int, str]], *, action: str
) -> None:
    old = db.scalar("SELECT source FROM calendar_years WHERE year = ?", (year,))
    db.execute(
        "DELETE FROM calendar_days WHERE day BETWEEN ? AND ?", (f"{year}-01-01", f"{year}-12-31")
    )
    db.executemany(
        "INSERT INTO calendar_days (day, workday, note) VALUES (?, ?, ?)",
        [(d.isoformat(), w, note) for d, (w, note) in sorted(days.items())],
    )
    db.execute(
        "INSERT INTO calendar_years (year, source, updated_at, updated_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(year) DO UPDATE SET source = excluded.source,"
        " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        (year, source, now_text(), db.user),
    )
    db.log(
        action,
        "calendar_years",
        year,
        None if old is None else {"source": old},
        {
            "year": year,
            "source": source,
            "days": {d.isoformat(): [w, note] for d, (w, note) in sorted(days.items())},
        },
    )


@dataclass(frozen=True)
class CalendarDay:
    day: date
    workday: bool
    note: str
    exception: bool  # differs from the weekend rule


@dataclass(frozen=True)
class CalendarYear:
    year: int
    source: str | None  # None: not covered (weekend fallback)
    days: list[CalendarDay]

    @property
    def warning(self) -> str | None:
        return None if self.source else fallback_warning(self.year)

    @property
    def workdays(self) -> int:
        return sum(d.workday for d in self.days)


def calendar_year(db: Database, year: int) -> CalendarYear:
    """Every day of ``year`` with whether it is a working day and why (read only)."""
    _check_year(year)
    stored = db.scalar("SELECT source FROM calendar_years WHERE year = ?", (year,))
    if stored:
        rows = db.query(
            "SELECT day, workday, note FROM calendar_days WHERE day BETWEEN ? AND ?",
            (f"{year}-01-01", f"{year}-12-31"),
        )
        exceptions = {date.fromisoformat(r[0]): (r[1], r[2]) for r in rows}
        source: str | None = str(stored)
    else:
        package = _package_year(year)
        exceptions = package or {}
        source = PACKAGE if package is not None else None
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        if day in exceptions:
            work, note = exceptions[day]
            days.append(CalendarDay(day, bool(work), note, True))
        else:
            days.append(CalendarDay(day, weekend_rule(day), "", False))
        day += timedelta(days=1)
    return CalendarYear(year, source, days)


def _check_year(year: int) -> int:
    if not 2000 <= int(year) <= 2100:
        raise ValidationError(f"年度“{year}”无效，应为2000至2100之间的年份", field="年度")
    return int(year)


def set_day(db: Database, day: date, workday: bool, note: str = "") -> None:
    """Edit one day (GUI editor): the year is copied into the table first if it was not there."""
    require_role(db, REVIEWER, ADMIN)
    with db.transaction():
        if not seed_year(db, day.year):
            _store_year(db, day.year, "手工编辑", {}, action="日历编辑")
        work = 1 if workday else 0
        if work == weekend_rule(day) and not note:
            db.execute("DELETE FROM calendar_days WHERE day = ?", (day.isoformat(),))
        else:
            db.execute(
                "INSERT INTO calendar_days (day, workday, note) VALUES (?, ?, ?)"
                " ON CONFLICT(day) DO UPDATE SET workday = excluded.workday, note = excluded.note",
                (day.isoformat(), work, note),
            )
        db.log("日历编辑", "calendar_days", day.isoformat(), None, {"workday": work, "note": note})


CALENDAR_COLUMNS = {
    "日期": ("date",),
    "类型": ("是否工作日", "工作日/休息日"),
    "说明": ("备注", "节日"),
}


@dataclass(frozen=True)
class CalendarImport:
    years: list[int]
    days: int


def import_calendar(db: Database, path: str | Path) -> CalendarImport:
    """Replace whole years from a workbook (`日期`, `类型` 工作日|休息日, optional `说明`).

    Every year the file names is replaced: its listed days that differ from the weekend rule are
    kept, the others follow the weekend rule. All or nothing, bad rows by row number."""
    from desktop.services.workbook import read_sheet

    require_role(db, REVIEWER, ADMIN)
    sheet = read_sheet(path, CALENDAR_COLUMNS, ("日期", "类型"))
    problems: list[RowProblem] = []
    by_year: dict[int, dict[date, tuple[int, str]]] = {}
    seen: dict[date, int] = {}
    for row_no, values in sheet.rows():
        try:
            day = parse_date(values.get("日期"), field="日期")
            _check_year(day.year)
            kind = clean_text(values.get("类型"))
            if kind not in _KIND_WORDS:
                raise ValidationError(f"类型“{kind}”无效，应为{WORKDAY}或{RESTDAY}", field="类型")
            if day in seen:
                raise ValidationError(f"日期{day}与第{seen[day]}行重复", field="日期")
        except ValidationError as exc:
            problems.append(RowProblem(row_no, str(exc)))
            continue
        seen[day] = row_no
        work = _KIND_WORDS[kind]
        days = by_year.setdefault(day.year, {})
        if work != weekend_rule(day):
            days[day] = (work, clean_text(values.get("说明"))[:40])
    if problems:
        raise ImportRejected(problems)
    if not by_year:
        raise ImportRejected([], file_message=f"工作簿“{Path(path).name}”没有日期行")
    with db.transaction():
        for year, days in sorted(by_year.items()):
            _store_year(db, year, f"导入：{Path(path).name}", days, action="日历导入")
    return CalendarImport(sorted(by_year), len(seen))
