"""The chain head: where the change log and the signatures end (hash and count), and the root
管理员's key fingerprint. Every report prints it, every backup writes it beside itself
(``<backup>.anchor.json``), and ``check --anchor FILE`` confirms a database still extends it — so
deleting or rewriting the newest entries is found."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.errors import DomainError
from desktop.core.signatures import fingerprint
from desktop.storage.database import GENESIS_HASH, Database

ANCHOR_SUFFIX = ".anchor.json"
ROOT_ACTION = "管理员根密钥"  # the action of the root 管理员's self-certificate (services.signing)


def row_hash(signature_hex: str) -> str:
    """What a signature row is chained by: SHA-256 of the signature's bytes."""
    return hashlib.sha256(bytes.fromhex(signature_hex)).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    log_hash: str
    log_count: int
    signature_hash: str
    signature_count: int
    root: str | None  # the root 管理员's key fingerprint (None: single-user mode)

    def text(self) -> str:
        root = f"；管理员密钥 {self.root}" if self.root else ""
        return (
            f"日志链头 {self.log_hash[:16]}（{self.log_count}条）；"
            f"签名链头 {self.signature_hash[:16]}（{self.signature_count}条）{root}"
        )

    def short(self) -> str:
        """For a page footer: ``链头 3f2a91c05b7e/1234·9c0d44e1a2b3/56``."""
        return (
            f"链头 {self.log_hash[:12]}/{self.log_count}·"
            f"{self.signature_hash[:12]}/{self.signature_count}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "log_hash": self.log_hash,
            "log_count": self.log_count,
            "signature_hash": self.signature_hash,
            "signature_count": self.signature_count,
            "root": self.root,
        }

    @classmethod
    def from_json(cls, data: Any) -> ChainHead:
        return cls(
            str(data["log_hash"]),
            int(data["log_count"]),
            str(data["signature_hash"]),
            int(data["signature_count"]),
            data.get("root") or None,
        )


def _has_signatures(db: Database) -> bool:
    return bool(
        db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signatures'")
    )


def chain_head(db: Database) -> ChainHead:
    row = db.one("SELECT hash FROM change_log ORDER BY id DESC LIMIT 1")
    count = int(db.scalar("SELECT count(*) FROM change_log") or 0)
    sig_hash, sig_count, root = GENESIS_HASH, 0, None
    if _has_signatures(db):
        last = db.one("SELECT signature FROM signatures ORDER BY id DESC LIMIT 1")
        sig_hash = row_hash(last[0]) if last else GENESIS_HASH
        sig_count = int(db.scalar("SELECT count(*) FROM signatures") or 0)
        first = db.one(
            "SELECT public_key FROM signatures WHERE kind = 'user' AND action = ?"
            " ORDER BY id LIMIT 1",
            (ROOT_ACTION,),
        )
        root = fingerprint(first[0]) if first else None
    return ChainHead(row[0] if row else GENESIS_HASH, count, sig_hash, sig_count, root)


def anchor_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ANCHOR_SUFFIX)


def write_anchor(db: Database, backup: Path) -> Path:
    """Write the chain head beside a backup."""
    path = anchor_path(backup)
    data = {"siqiang-anchor": 1, "backup": backup.name, **chain_head(db).to_json()}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def read_anchor_file(path: Path) -> ChainHead | None:
    """The chain head in an anchor file (None when it is not one)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("siqiang-anchor") != 1:
            return None
        return ChainHead.from_json(data)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def hash_at(db: Database, table: str, count: int) -> str | None:
    """The chain hash after the first ``count`` rows of ``change_log`` or ``signatures``
    (None when there are fewer rows)."""
    if count == 0:
        return GENESIS_HASH
    column = "hash" if table == "change_log" else "signature"
    row = db.one(f"SELECT {column} FROM {table} ORDER BY id LIMIT 1 OFFSET ?", (count - 1,))
    if row is None:
        return None
    return row[0] if table == "change_log" else row_hash(row[0])


def not_an_anchor(path: Path) -> DomainError:
    return DomainError(f"文件“{path.name}”不是本系统的锚定文件（.anchor.json）或报表")
