"""Long work off the GUI thread, through this one helper (Anki's taskman, calibre's threaded jobs).

The work is a Qt-free function ``fn(db, progress, cancel)``: it gets its *own* ``Database``
opened in the worker thread (SQLite connections belong to the thread that opened them), a
``progress(done, total, message)`` callback and a ``threading.Event`` that 取消 sets. Services roll
back when cancelled, so nothing is half-written. The result, or the exception, is delivered on the
GUI thread through the task's signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop.storage.database import Database

Progress = Callable[[int, int, str], None]
Work = Callable[[Database, Progress, threading.Event], Any]

SHOW_AFTER_MS = 400  # no dialog flashes for work that ends quickly

_running: set[Task] = set()  # keeps running tasks (and their threads) alive


class _Worker(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        db_path: Path,
        user: str,
        fn: Work,
        cancel: threading.Event,
        role: str | None = None,
    ) -> None:
        super().__init__()
        self._db_path, self._user, self._fn, self._cancel = db_path, user, fn, cancel
        self._role = role  # the GUI session's login (services.users), carried to this thread

    def run(self) -> None:  # runs in the worker thread: no widgets here
        try:
            with Database(self._db_path, user=self._user, create=False) as db:
                db.role = self._role
                result = self._fn(db, self.progressed.emit, self._cancel)
        except BaseException as exc:  # delivered to the GUI thread, shown there
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


class Task(QObject):
    """One background job with its progress dialog. Emits exactly one of succeeded/failed, then finished."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        db_path: Path,
        fn: Work,
        *,
        title: str,
        label: str = "正在处理，请稍候…",
        user: str = "本机用户",
        cancellable: bool = True,
        role: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.cancel_event = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._worker = _Worker(Path(db_path), user, fn, self.cancel_event, role)
        self._worker.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._worker.succeeded.connect(self._on_success, Qt.ConnectionType.QueuedConnection)
        self._worker.failed.connect(self._on_failure, Qt.ConnectionType.QueuedConnection)
        self.dialog = QProgressDialog(label, "取消" if cancellable else "", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(380)
        self.dialog.setMinimumDuration(SHOW_AFTER_MS)
        if not cancellable:
            self.dialog.setCancelButton(None)
        self.dialog.canceled.connect(self.cancel)
        self.dialog.hide()
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.timeout.connect(self._show_dialog)
        self._done = False

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def start(self) -> Task:
        _running.add(self)
        self._show_timer.start(SHOW_AFTER_MS)
        self._worker.start()
        return self

    def cancel(self) -> None:
        if not self._done:
            self.cancel_event.set()
            self.dialog.setLabelText("正在取消，已做的改动将全部撤回…")

    def is_running(self) -> bool:
        return not self._done

    def _show_dialog(self) -> None:
        if not self._done:
            self.dialog.show()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if self._done:
            return
        if total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))
        if message and not self.cancelled:
            self.dialog.setLabelText(message)

    def _finish(self) -> None:
        self._done = True
        self._show_timer.stop()
        self.dialog.canceled.disconnect(self.cancel)
        self.dialog.close()
        self.dialog.deleteLater()
        self._worker.wait()
        self._worker.deleteLater()
        _running.discard(self)

    def _on_success(self, result: Any) -> None:
        self.result = result
        self._finish()
        self.succeeded.emit(result)
        self.finished.emit()

    def _on_failure(self, error: BaseException) -> None:
        self.error = error
        self._finish()
        self.failed.emit(error)
        self.finished.emit()


def running_tasks() -> list[Task]:
    return list(_running)


def run_task(
    parent: QWidget | None,
    db_path: Path,
    fn: Work,
    *,
    title: str,
    label: str = "正在处理，请稍候…",
    user: str = "本机用户",
    cancellable: bool = True,
    on_success: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    role: str | None = None,
) -> Task:
    """Start ``fn`` in a worker thread. Errors go to ``on_error``, or to the one error display;
    a cancelled job is reported as such (the service has rolled back)."""
    from desktop.ui import messages

    task = Task(
        parent,
        db_path,
        fn,
        title=title,
        label=label,
        user=user,
        cancellable=cancellable,
        role=role,
    )
    if on_success is not None:
        task.succeeded.connect(on_success)

    def failed(error: BaseException) -> None:
        if task.cancelled and isinstance(error, Exception) and _is_cancellation(error):
            messages.show_info(parent, str(error) or "已取消，数据未作任何改动", title)
        elif on_error is not None:
            on_error(error)
        else:
            messages.show_error(parent, error, title=f"{title}未完成")

    task.failed.connect(failed)
    return task.start()


def _is_cancellation(error: Exception) -> bool:
    from desktop.core.errors import Cancelled, DomainError

    return isinstance(error, Cancelled) or (isinstance(error, DomainError) and "取消" in str(error))
