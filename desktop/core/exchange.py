"""The files offices exchange: a township's 上报包 (``.sqpkg``) and the district's 回执 (``.sqrcpt``).

Each is an ordinary zip a clerk can open, holding three members in this order:

- ``manifest.json`` — what the file is (format, town, sequence number, the previous file's hash,
  who made it and when) and the SHA-256 of ``data.json``;
- ``data.json`` — the content (enterprises, matters, outcomes, policies …);
- ``signature.json`` — the sender's public key, its fingerprint, and the Ed25519 signature of
  the manifest's canonical JSON (so the signature covers the data through its hash).

The container is written deterministically (stored, not compressed; fixed member times and
attributes; JSON with sorted keys), so the file's bytes follow from its content alone. A reader
rebuilds the file from what it read and refuses anything that is not byte for byte that file:
a byte flipped anywhere — in the data, the signature, or a zip header no reader looks at — is
found. Pure functions over bytes; reading files and keys is the services' job.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from desktop.core import signatures
from desktop.core.errors import ValidationError

PACKAGE_FORMAT = "siqiang-package"
RECEIPT_FORMAT = "siqiang-receipt"
FORMAT_VERSION = 1
MEMBERS = ("manifest.json", "data.json", "signature.json")
LABELS = {PACKAGE_FORMAT: "上报包", RECEIPT_FORMAT: "回执"}
SUFFIXES = {PACKAGE_FORMAT: ".sqpkg", RECEIPT_FORMAT: ".sqrcpt"}
MAX_BYTES = 200 * 1024 * 1024
_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_bytes(value: Any) -> bytes:
    """Readable (indented) yet deterministic JSON: sorted keys, UTF-8, one trailing newline."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    return (text + "\n").encode("utf-8")


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0  # the same bytes on Windows and elsewhere
            info.external_attr = 0
            archive.writestr(info, data)
    return buffer.getvalue()


def build(fmt: str, manifest: dict[str, Any], data: Any, sign: Any, public_key_hex: str) -> bytes:
    """The file's bytes. ``sign(payload) -> hex`` signs with the sender's private key;
    ``manifest`` gets the format, version and the data's hash added."""
    data_bytes = _json_bytes(data)
    full = {
        **manifest,
        "format": fmt,
        "version": FORMAT_VERSION,
        "data_sha256": sha256_hex(data_bytes),
    }
    signature = {
        "algorithm": "Ed25519",
        "public_key": public_key_hex,
        "fingerprint": signatures.fingerprint(public_key_hex),
        "signature": sign(full),
    }
    return _zip(
        [
            ("manifest.json", _json_bytes(full)),
            ("data.json", data_bytes),
            ("signature.json", _json_bytes(signature)),
        ]
    )


@dataclass(frozen=True)
class Opened:
    """A file whose structure is sound; :meth:`verify` decides whether it may be trusted."""

    fmt: str
    raw: bytes
    manifest: dict[str, Any]
    data: Any
    signature: dict[str, Any]
    data_bytes: bytes

    @property
    def label(self) -> str:
        return LABELS[self.fmt]

    @property
    def file_hash(self) -> str:
        return sha256_hex(self.raw)

    @property
    def public_key(self) -> str:
        return str(self.signature.get("public_key", ""))

    def verify(self, public_key_hex: str, who: str) -> None:
        """Refuse unless ``public_key_hex`` (the key registered for ``who``) signed exactly this
        file: the key, the signature, the data's hash and every byte of the container."""
        if self.public_key != public_key_hex:
            raise _refused(
                self.label,
                f"签名密钥（指纹{safe_fingerprint(self.public_key)}）与本机为{who}登记的公钥"
                f"（指纹{signatures.fingerprint(public_key_hex)}）不符",
            )
        if not signatures.verify(
            public_key_hex, self.manifest, str(self.signature.get("signature", ""))
        ):
            raise _refused(self.label, f"签名无效（不是{who}签发的文件，或文件已被改动）")
        if sha256_hex(self.data_bytes) != self.manifest.get("data_sha256"):
            raise _refused(self.label, "数据内容与签名时的不一致（文件已被改动）")
        expected = _zip(
            [
                ("manifest.json", _json_bytes(self.manifest)),
                ("data.json", self.data_bytes),
                ("signature.json", _json_bytes(self.signature)),
            ]
        )
        if expected != self.raw:
            where = next(
                (i for i, (a, b) in enumerate(zip(expected, self.raw, strict=False)) if a != b),
                min(len(expected), len(self.raw)),
            )
            raise _refused(self.label, f"文件第{where + 1}字节起与签名的内容不一致（文件已被改动）")


def safe_fingerprint(public_key_hex: str) -> str:
    """The fingerprint of a key as a file claims it, or 无法识别 for one that is not a key."""
    try:
        return signatures.fingerprint(public_key_hex)
    except ValueError:
        return "无法识别"


def _refused(label: str, why: str) -> ValidationError:
    return ValidationError(f"{label}被拒绝：{why}；未导入任何内容", field=label)


def open_file(raw: bytes, fmt: str, name: str) -> Opened:
    """Read the three members of a file that should be of format ``fmt``; refuse a file that
    is not one, with a Chinese sentence naming what is wrong. Nothing is trusted yet."""
    label = LABELS[fmt]
    if len(raw) > MAX_BYTES:
        raise _refused(label, f"文件“{name}”过大（{len(raw) // (1024 * 1024)} MB）")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = tuple(archive.namelist())
            if names != MEMBERS:
                raise _refused(
                    label,
                    f"文件“{name}”的内容不完整或被改动（应依次包含{'、'.join(MEMBERS)}，"
                    f"实际为{'、'.join(names) or '空'}）",
                )
            contents = {member: archive.read(member) for member in MEMBERS}
    except ValidationError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        ValueError,
        OSError,
        NotImplementedError,
        RuntimeError,
        KeyError,
    ) as exc:
        raise _refused(
            label,
            f"文件“{name}”已损坏或被改动，无法读取（{type(exc).__name__}）；"
            f"请确认选择的是{SUFFIXES[fmt]}文件，必要时请对方重新导出",
        ) from exc
    parsed: dict[str, Any] = {}
    for member in MEMBERS:
        try:
            parsed[member] = json.loads(contents[member].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _refused(label, f"文件“{name}”中的{member}已损坏或被改动") from exc
    manifest, signature = parsed["manifest.json"], parsed["signature.json"]
    if not isinstance(manifest, dict) or not isinstance(signature, dict):
        raise _refused(label, f"文件“{name}”的清单或签名格式不正确")
    found = manifest.get("format")
    if found != fmt:
        other = LABELS.get(str(found))
        hint = f"这是{other}文件，不是{label}" if other else f"文件“{name}”不是本系统的{label}"
        raise _refused(label, hint)
    if manifest.get("version") != FORMAT_VERSION:
        raise _refused(
            label, f"文件格式版本{manifest.get('version')}不受本程序支持，请使用相同版本的程序"
        )
    return Opened(fmt, raw, manifest, parsed["data.json"], signature, contents["data.json"])
