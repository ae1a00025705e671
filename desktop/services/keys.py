"""The installation's signing key: one Ed25519 key per data folder (per installation).

It signs what this installation hands to others (a township's packages, the district's receipts)
and what it decides when nobody is logged in. The private key is a PEM file in ``keys/`` of the
user data folder, outside the database: someone who has only the ``.db`` file cannot sign as this
installation. ``keys show`` prints the public key file and its fingerprint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from desktop.core import signatures
from desktop.core.errors import StorageError
from desktop.paths import user_data_dir

PRIVATE_NAME = "installation-ed25519.pem"
PUBLIC_NAME = "installation-ed25519.pub"


@dataclass(frozen=True)
class InstallationKey:
    private: Ed25519PrivateKey
    public_hex: str
    public_file: Path

    @property
    def fingerprint(self) -> str:
        return signatures.fingerprint(self.public_hex)

    def sign(self, payload: object) -> str:
        return signatures.sign(self.private, payload)


def keys_dir() -> Path:
    return user_data_dir() / "keys"


def installation_key(*, create: bool = True) -> InstallationKey:
    """This installation's key, made on first use (the private file readable by its owner only)."""
    folder = keys_dir()
    private_path, public_path = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    try:
        if private_path.exists():
            key = load_pem_private_key(private_path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise StorageError(f"密钥文件{private_path}不是Ed25519私钥")
        elif not create:
            raise StorageError(f"本机尚未生成签名密钥（{private_path}）")
        else:
            folder.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
            fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        public_hex = signatures.public_hex(key)
        if not public_path.exists() or public_path.read_text("ascii").strip() != public_hex:
            public_path.write_text(public_hex + "\n", encoding="ascii")
    except ValueError as exc:
        raise StorageError(f"密钥文件{private_path}已损坏，无法读取") from exc
    except OSError as exc:
        raise StorageError(
            f"无法读取或创建本机签名密钥（{folder}）：{exc.strerror or exc}"
        ) from exc
    return InstallationKey(key, public_hex, public_path)
