"""Typed domain errors. ``str(error)`` is always a Chinese sentence a clerk can act on.

The CLI and the GUI each translate these in one place; nothing below the UI prints or shows
messages itself.
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a clerk can act on (as opposed to a programming bug)."""


class ValidationError(DomainError):
    """One value is wrong; ``field`` names it (e.g. ``统一社会信用代码``)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    """A referenced record (enterprise, award, rule, town…) does not exist."""


class Conflict(DomainError):
    """The operation contradicts the stored state (e.g. changing an approved award)."""


class PermissionDenied(DomainError):
    """The current user may not do this."""


class StorageError(DomainError):
    """The database file cannot be used (newer schema, not a database, locked…)."""


class FileInUse(StorageError):
    """A file the program must write or read is held by another program: a report open in
    Excel/WPS, a backup target, an import workbook still being saved. ``path`` is the file as the
    clerk chose it; nothing was written to it (the GUI offers 另存为 with another name)."""

    def __init__(self, message: str, *, path: object = None) -> None:
        super().__init__(message)
        self.path = path


class Cancelled(DomainError):
    """The clerk cancelled a long operation (import, calculation, export); nothing was written.

    ``desktop.services.calculation.Cancelled`` is this class; ``desktop.reports.ExportCancelled``
    is a subclass, so ``except Cancelled`` catches every cancellation."""

    def __init__(self, what: str = "操作") -> None:
        super().__init__(f"已取消{what}，数据未作任何改动")


@dataclass(frozen=True)
class RowProblem:
    """One bad row of an import; ``row`` is the sheet's own row number (header = 1)."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}" if self.row else self.message


class ImportRejected(DomainError):
    """An all-or-nothing import found bad rows (or a bad file); nothing was written."""

    def __init__(self, problems: list[RowProblem], *, file_message: str | None = None) -> None:
        self.problems = problems
        self.file_message = file_message
        if file_message:
            text = file_message
        else:
            shown = "；".join(str(p) for p in problems[:20])
            more = f"；另有{len(problems) - 20}处错误" if len(problems) > 20 else ""
            text = f"导入未执行，发现{len(problems)}处错误：{shown}{more}"
        super().__init__(text)
