"""Fixtures of the report tests; the data itself is described in ``reports_fixture_data``."""

from __future__ import annotations

from pathlib import Path

import pytest
from reports_fixture_data import build_report_db


@pytest.fixture
def report_db(tmp_path: Path):
    db = build_report_db(tmp_path / "reports.db")
    yield db
    db.close()
