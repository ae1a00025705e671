"""The working-day calendar: 公示期 counted on holidays and 调休 workdays, editable, with a visible
fallback for years no calendar covers."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.core.errors import ImportRejected
from desktop.core.workdays import end_of_working_days, weekend_rule, working_days_between
from desktop.services.workcalendar import (
    PACKAGE,
    WorkCalendar,
    calendar_year,
    import_calendar,
    seed_year,
    set_day,
)
from tests.workbooks import write_xlsx


def test_five_working_days_from_27_september_2024_end_on_9_october(db):
    calendar = WorkCalendar(db)
    assert calendar.end_date(date(2024, 9, 27), 5) == date(2024, 10, 9)
    assert calendar.warnings == []
    # 09-29 is a Sunday worked in exchange (调休), 10-01…10-07 are the holiday.
    assert calendar.is_workday(date(2024, 9, 29)) and not calendar.is_workday(date(2024, 10, 7))


def test_a_start_on_a_rest_day_counts_from_the_next_working_day(db):
    assert WorkCalendar(db).end_date(date(2024, 10, 1), 1) == date(2024, 10, 8)


def test_the_weekend_rule_alone_would_end_the_same_publicity_on_3_october():
    assert end_of_working_days(date(2024, 9, 27), 5, weekend_rule) == date(2024, 10, 3)
    assert working_days_between(date(2024, 9, 27), date(2024, 10, 3), weekend_rule) == 5


def test_a_year_no_calendar_covers_falls_back_to_weekends_and_says_so(db):
    calendar = WorkCalendar(db)
    assert calendar.end_date(date(2027, 9, 30), 2) == date(2027, 10, 1)  # no National Day known
    assert len(calendar.warnings) == 1 and "2027年不在工作日历中" in calendar.warnings[0]
    year = calendar_year(db, 2027)
    assert year.source is None and "按周一至周五" in (year.warning or "")


def test_seeding_copies_the_package_year_into_the_table_and_logs_it(db):
    with db.transaction():
        assert seed_year(db, 2024)
        assert not seed_year(db, 2030)
    assert db.scalar("SELECT source FROM calendar_years WHERE year = 2024") == PACKAGE
    assert db.scalar("SELECT workday FROM calendar_days WHERE day = '2024-09-29'") == 1
    assert db.scalar("SELECT count(*) FROM change_log WHERE action = '日历初始化'") == 1


def test_an_imported_year_replaces_the_weekend_fallback(db, tmp_path):
    path = write_xlsx(
        tmp_path / "2027.xlsx",
        ["日期", "类型", "说明"],
        [
            [date(2027, 10, 1), "休息日", "国庆节"],
            [date(2027, 9, 26), "工作日", "国庆节调休上班"],
            [date(2027, 9, 27), "工作日", None],
        ],
    )
    result = import_calendar(db, path)
    assert (result.years, result.days) == ([2027], 3)
    calendar = WorkCalendar(db)
    assert calendar.is_workday(date(2027, 9, 26)) and not calendar.is_workday(date(2027, 10, 1))
    assert calendar.warnings == []
    assert calendar_year(db, 2027).source == "导入：2027.xlsx"


def test_a_bad_calendar_row_is_refused_by_row_number_and_nothing_is_written(db, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        ["日期", "类型"],
        [[date(2027, 1, 1), "休息日"], [date(2027, 1, 2), "调班"]],
    )
    with pytest.raises(ImportRejected, match="第3行"):
        import_calendar(db, path)
    assert db.scalar("SELECT count(*) FROM calendar_years") == 0


def test_editing_one_day_keeps_the_rest_of_the_package_year(db):
    set_day(db, date(2024, 10, 8), False, "临时放假")
    calendar = WorkCalendar(db)
    assert not calendar.is_workday(date(2024, 10, 8))
    assert calendar.is_workday(date(2024, 9, 29))  # the seeded 调休 stays
    assert calendar.end_date(date(2024, 9, 27), 5) == date(2024, 10, 10)
