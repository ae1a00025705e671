"""Ed25519 signatures over canonical JSON: what a decision, a package or a published rule is
signed as, and how a signature is checked. Pure functions; keys are loaded by services.

A payload is signed as its canonical JSON (sorted keys, no spaces, UTF-8), so the same record
always gives the same bytes. Public keys travel as 64 hex digits (the raw 32 bytes); a key's
fingerprint is the first 16 hex digits of the SHA-256 of those bytes, written in groups of four
(``3F2A-91C0-…``) to be read out on the phone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from desktop.core.errors import ValidationError


def canonical_bytes(payload: Any) -> bytes:
    """The bytes a payload is signed as."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def fingerprint(public_key_hex: str) -> str:
    """``3F2A-91C0-5B7E-0D44``: short enough to compare by phone, long enough to be unique."""
    digest = hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def load_public(public_key_hex: str) -> Ed25519PublicKey:
    try:
        raw = bytes.fromhex(public_key_hex.strip())
        if len(raw) != 32:
            raise ValueError("length")
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise ValidationError("公钥格式不正确（应为64位十六进制数字）", field="公钥") from exc


def sign(key: Ed25519PrivateKey, payload: Any) -> str:
    """The signature of ``payload`` as 128 hex digits."""
    return key.sign(canonical_bytes(payload)).hex()


def verify(public_key_hex: str, payload: Any, signature_hex: str) -> bool:
    """True when ``signature_hex`` is the holder of ``public_key_hex`` signing ``payload``."""
    try:
        load_public(public_key_hex).verify(bytes.fromhex(signature_hex), canonical_bytes(payload))
    except (InvalidSignature, ValueError, ValidationError):
        return False
    return True
