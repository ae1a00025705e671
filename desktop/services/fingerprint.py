"""Reports that can be traced: who exported what, when, and does it still match the database?

Every exported report carries a *stamp*: the export time, the user (``db.user``) and a short
fingerprint of the data it shows — the first 12 hex digits of SHA-256 over the report's
canonical content (report name, year, unit, credit code, title, and every table's columns, rows
and 合计 in the order shown: amounts in integer 分, statuses, explanations…) — and the database's
chain head (change log and signatures, hash and count, and the root 管理员's key fingerprint) at
the export. The renderers print :meth:`Stamp.footer` on every page; the stamp is stored in the file
(Excel: a custom document property; PDF: the document's ``/Keywords``, readable JSON) together with
what the report was asked for, so ``verify FILE`` (``desktop.reports.verify``) can rebuild the same
report and compare it, row by row, with the file, and ``check --anchor FILE`` can confirm the
database still extends the chain head. Nothing is stored in the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import urllib.parse
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop.core.errors import DomainError
from desktop.storage.anchor import ChainHead, chain_head
from desktop.storage.database import Database, now_text

TAG = "siqiang-report"
VERSION = "2"  # readable JSON; "1" (percent-encoded, no chain head) is still read
PROPERTY = "siqiang-report"  # the Excel custom property holding the encoded stamp
FP_LENGTH = 12
_PDF_KEYWORDS = re.compile(rb"/Keywords\s*\((" + re.escape(TAG.encode()) + rb"[^)]*)\)")
_FIELDS = ("name", "year", "unit", "code", "org", "as_of", "at", "user", "fp")
# What a report shows comes from these tables; changes to them since an export are listed.
_DATA_TABLES = (
    "awards",
    "applications",
    "enterprises",
    "siqiang_list",
    "towns",
    "rules",
    "policy_versions",
    "policies",
)


@dataclass(frozen=True)
class Stamp:
    """What one exported file records about itself."""

    name: str
    year: int | None
    unit: str
    credit_code: str | None
    org: str
    as_of: date
    exported_at: str  # ISO local time, seconds
    user: str
    fingerprint: str
    chain: ChainHead | None = None  # the database's chain head at the export

    # -- the footer ----------------------------------------------------------------------------
    def footer(self) -> tuple[str, str]:
        """The footer of every page, (left, right): who and when; the data fingerprint, the chain
        head and the root 管理员's key fingerprint. Both renderers print exactly this."""
        right = self.fingerprint_text()
        if self.chain is not None:
            right += f"  {self.chain.short()}"
            if self.chain.root:
                right += f"  管理员密钥 {self.chain.root}"
        return self.who_when(), right

    def who_when(self) -> str:
        user = self.user if len(self.user) <= 20 else self.user[:19] + "…"
        return f"导出时间：{self.exported_at.replace('T', ' ')}  导出人：{user}"

    def fingerprint_text(self) -> str:
        return f"数据指纹：{self.fingerprint}"

    # -- in the file ---------------------------------------------------------------------------
    def encode(self) -> str:
        """``siqiang-report {…}``: readable JSON (PDF keywords, Excel property)."""
        values: dict[str, Any] = {
            "v": VERSION,
            "name": self.name,
            "year": self.year,
            "unit": self.unit,
            "code": self.credit_code,
            "org": self.org,
            "as_of": self.as_of.isoformat(),
            "at": self.exported_at,
            "user": self.user,
            "fp": self.fingerprint,
            "chain": None if self.chain is None else self.chain.to_json(),
        }
        return f"{TAG} " + json.dumps(values, ensure_ascii=False, separators=(", ", ": "))

    def encode_v1(self) -> str:
        """The percent-encoded form of version 1 (what older exports carry)."""
        values = {
            "name": self.name,
            "year": "" if self.year is None else str(self.year),
            "unit": self.unit,
            "code": self.credit_code or "",
            "org": self.org,
            "as_of": self.as_of.isoformat(),
            "at": self.exported_at,
            "user": self.user,
            "fp": self.fingerprint,
        }
        return f"{TAG} v=1&" + urllib.parse.urlencode(values, quote_via=urllib.parse.quote)

    @classmethod
    def decode(cls, text: str) -> Stamp | None:
        head, _, rest = text.strip().partition(" ")
        if head != TAG:
            return None
        if rest.startswith("{"):
            return cls._decode_json(rest)
        values = dict(urllib.parse.parse_qsl(rest, keep_blank_values=True))
        if values.get("v") != "1" or any(f not in values for f in _FIELDS):
            return None
        try:
            return cls(
                name=values["name"],
                year=int(values["year"]) if values["year"] else None,
                unit=values["unit"],
                credit_code=values["code"] or None,
                org=values["org"],
                as_of=date.fromisoformat(values["as_of"]),
                exported_at=values["at"],
                user=values["user"],
                fingerprint=values["fp"],
            )
        except ValueError:
            return None

    @classmethod
    def _decode_json(cls, text: str) -> Stamp | None:
        try:
            values = json.loads(text)
            if values.get("v") != VERSION or any(f not in values for f in _FIELDS):
                return None
            chain = values.get("chain")
            return cls(
                name=str(values["name"]),
                year=None if values["year"] is None else int(values["year"]),
                unit=str(values["unit"]),
                credit_code=values["code"] or None,
                org=str(values["org"]),
                as_of=date.fromisoformat(values["as_of"]),
                exported_at=str(values["at"]),
                user=str(values["user"]),
                fingerprint=str(values["fp"]),
                chain=None if chain is None else ChainHead.from_json(chain),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def write_properties(self, workbook: Any) -> None:
        """Store the stamp in an openpyxl workbook's custom document properties."""
        from openpyxl.packaging.custom import StringProperty

        for name, value in (
            (PROPERTY, self.encode()),
            ("数据指纹", self.fingerprint),
            ("导出人", self.user),
            ("导出时间", self.exported_at.replace("T", " ")),
        ):
            workbook.custom_doc_props.append(StringProperty(name=name, value=value))


# -- the fingerprint ---------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal, float, date: their exact text


def report_fingerprint(report: Any) -> str:
    """First 12 hex of SHA-256 over what ``report`` (a ``reports.data.Report``) shows, in order.

    The 填报日期, the export time and the user are not part of it: the same data exported twice
    gives the same fingerprint."""
    digest = hashlib.sha256()

    def add(item: Any) -> None:
        digest.update(
            json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=_canonical).encode()
        )
        digest.update(b"\n")

    add(
        [
            TAG,
            VERSION,
            report.name,
            report.year,
            report.unit,
            report.credit_code or "",
            report.title,
            report.org,
        ]
    )
    for table in report.tables:
        add(
            [
                "table",
                table.title,
                table.sheet_name,
                table.subtitle,
                list(table.notes),
                [c.title for c in table.columns],
            ]
        )
        for row in table.rows:
            add([_canonical(v) for v in row])
        add(["totals", None if table.totals is None else [_canonical(v) for v in table.totals]])
    return digest.hexdigest()[:FP_LENGTH]


def stamp_report(db: Database, report: Any) -> Stamp:
    """The stamp an export of ``report`` carries: now, ``db.user`` and the data's fingerprint.

    With logins on, a user who has not logged in (read-only commands need no password) is shown
    as ``张三（未登录）``: the name was given, not proven."""
    from desktop.services.users import logins_enabled

    user = db.user
    if db.role is None and logins_enabled(db):
        user = f"{user}（未登录）"
    return Stamp(
        name=report.name,
        year=report.year,
        unit=report.unit,
        credit_code=report.credit_code,
        org=report.org,
        as_of=report.as_of,
        exported_at=now_text(),
        user=user,
        fingerprint=report_fingerprint(report),
        chain=chain_head(db),
    )


# -- reading a stamp back ----------------------------------------------------------------------


def _not_ours(path: Path, why: str) -> DomainError:
    return DomainError(f"文件“{path.name}”不是本系统导出的报表（{why}），无法核对")


def _xlsx_stamp(path: Path) -> str | None:
    import xml.etree.ElementTree as ET

    try:
        with zipfile.ZipFile(path) as archive:
            if "docProps/custom.xml" not in archive.namelist():
                return None
            root = ET.fromstring(archive.read("docProps/custom.xml"))
    except (zipfile.BadZipFile, OSError, KeyError, ET.ParseError, ValueError, EOFError) as exc:
        raise _not_ours(path, f"无法读取Excel文件：{type(exc).__name__}") from exc
    for prop in root:
        if prop.get("name") == PROPERTY:
            return "".join(prop.itertext())
    return None


def _pdf_stamp(data: bytes) -> str | None:
    """The keywords of a PDF, read with pypdf (a main dependency: the frozen program ships it);
    older exports' ASCII keywords are also found directly in the bytes."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        metadata: Any = PdfReader(io.BytesIO(data)).metadata or {}
        keywords = metadata.get("/Keywords")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        keywords = None
    if isinstance(keywords, str) and keywords.startswith(TAG):
        return keywords
    match = _PDF_KEYWORDS.search(data)
    if match:
        return match.group(1).decode("ascii", "replace").replace("\\", "")
    return None


def read_stamp(path: str | Path) -> Stamp:
    """The stamp stored in an exported ``.xlsx`` or ``.pdf``; ``DomainError`` when there is none."""
    path = Path(path)
    if not path.exists():
        raise DomainError(f"文件“{path}”不存在")
    if path.is_dir():
        raise DomainError(f"“{path}”是文件夹，不是报表文件")
    with path.open("rb") as handle:
        magic = handle.read(5)
    if magic.startswith(b"PK"):
        text = _xlsx_stamp(path)
    elif magic.startswith(b"%PDF"):
        text = _pdf_stamp(path.read_bytes())
    else:
        raise _not_ours(path, "既不是Excel工作簿（.xlsx）也不是PDF文件")
    if text is None:
        raise _not_ours(path, "文件中没有本系统的数据指纹")
    stamp = Stamp.decode(text)
    if stamp is None:
        raise _not_ours(path, "数据指纹记录无法识别，可能来自其他版本或被改动")
    return stamp


# -- verify ------------------------------------------------------------------------------------


def changes_since(db: Database, at: str, limit: int = 5) -> tuple[int, list[str]]:
    """How many change-log entries touching report data were written at or after ``at``, and the
    newest ``limit`` of them as lines."""
    marks = ",".join("?" * len(_DATA_TABLES))
    where = f"at >= ? AND table_name IN ({marks})"
    params = (at, *_DATA_TABLES)
    count = int(db.scalar(f"SELECT count(*) FROM change_log WHERE {where}", params) or 0)
    rows = db.query(
        f"SELECT id, at, user, action, table_name, row_key FROM change_log WHERE {where}"
        " ORDER BY id DESC LIMIT ?",
        (*params, limit),
    )
    lines = [
        f"  第{r['id']}条 {r['at'].replace('T', ' ')} {r['user']} {r['action']}"
        f"（{r['table_name']} {r['row_key'] or ''}）".replace(" ）", "）")
        for r in rows
    ]
    return count, lines
