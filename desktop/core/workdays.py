"""Working days: counting a 公示期 or a 兑现时限 on a calendar of holidays and 调休 workdays.

Pure: the calendar is a function ``is_workday(date) -> bool`` handed in by the service that owns
the calendar table (``desktop.services.workcalendar``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

IsWorkday = Callable[[date], bool]
_MAX_SPAN = 3660  # days searched before giving up (a calendar with no working day at all)


def weekend_rule(day: date) -> bool:
    """Monday to Friday are working days (the fallback for a year no calendar covers)."""
    return day.weekday() < 5


def end_of_working_days(start: date, days: int, is_workday: IsWorkday) -> date:
    """The last of ``days`` working days counted from ``start`` (day 1 when ``start`` is itself a
    working day; a start on a rest day counts from the next working day).

    >>> end_of_working_days(date(2024, 9, 27), 5, weekend_rule)
    datetime.date(2024, 10, 3)
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    day, counted = start, 0
    for _ in range(_MAX_SPAN):
        if is_workday(day):
            counted += 1
            if counted == days:
                return day
        day += timedelta(days=1)
    raise ValueError("no working days in the calendar")


def working_days_between(first: date, last: date, is_workday: IsWorkday) -> int:
    """How many working days lie in ``first`` … ``last`` (both included; 0 when last < first)."""
    count, day = 0, first
    while day <= last:
        count += is_workday(day)
        day += timedelta(days=1)
    return count
