"""Fixtures of the report tests; the data itself is described in ``reports_fixture_data``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from reports_fixture_data import build_report_db

from desktop.storage.database import Database


@pytest.fixture(scope="session")
def report_template(tmp_path_factory) -> Path:
    """The report database, built once per session through the services."""
    path = tmp_path_factory.mktemp("reports") / "reports.db"
    build_report_db(path).close()
    return path


@pytest.fixture
def report_db(report_template: Path, tmp_path: Path):
    path = tmp_path / "reports.db"
    shutil.copyfile(report_template, path)
    db = Database(path, user="测试员")
    yield db
    db.close()
