"""Application rows for the 奖补事项 list, now served by ``desktop.services.applications``."""

from __future__ import annotations

from desktop.services.applications import ApplicationRow, list_applications

__all__ = ["ApplicationRow", "list_applications"]
