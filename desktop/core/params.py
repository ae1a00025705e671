"""Rule parameters as a clerk writes them, parsed once into typed values and stored canonically.

One parser for every place a parameter value comes from: the seeded catalogue, ``policy set`` /
``policy copy --set`` on the command line, the GUI's policy editor and imports. A value is
validated when it is entered, never later at calculation:

- a rate: ``30%``, ``0.3``, ``０.３``, ``30％`` → ``Decimal("0.3")``; stored as ``"0.3"``;
- an amount: ``1500000``, ``1,500,000``, ``1500000.00``, ``150万``, ``150万元`` → 分; stored as
  ``"1500000.00"`` (元, two decimals);
- an optional amount (a cap): empty, ``无``, ``不设上限`` → no amount;
- a whole number in a range (years); a choice among fixed values (by key or by its Chinese label);
  a text (a basis label, a referenced document).

Each method module declares its parameters as :class:`ParamSpec` records; the editor shows their
labels and hints, and ``CODE.PARAM=VALUE`` accepts the key or the Chinese label.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.money import format_rate, format_yuan, parse_amount, parse_rate, yuan_string

RATE, AMOUNT, OPTIONAL_AMOUNT, INTEGER, CHOICE, TEXT, OPTIONAL_TEXT = (
    "rate",
    "amount",
    "optional-amount",
    "integer",
    "choice",
    "text",
    "optional-text",
)
_NONE_WORDS = {"", "无", "none", "null", "不设上限", "不限", "—", "-"}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a calculation method: how it is named, entered, checked and shown."""

    key: str
    label: str
    kind: str
    hint: str = ""
    default: Any = None  # used when the parameter is absent (None: required unless optional)
    choices: Mapping[str, str] = field(default_factory=dict)  # key → Chinese label
    minimum: int = 0
    maximum: int = 0
    none_text: str = ""  # how an absent optional value reads ("": not listed at all)

    @property
    def optional(self) -> bool:
        return self.kind in (OPTIONAL_AMOUNT, OPTIONAL_TEXT) or self.default is not None

    def names(self) -> tuple[str, ...]:
        """What a clerk may write before ``=`` for this parameter."""
        return (self.key, self.label)


def _label(spec: ParamSpec, code: str) -> str:
    return f"条款{code}的参数“{spec.label}”" if code else f"参数“{spec.label}”"


def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_value(spec: ParamSpec, value: Any, code: str = "") -> Any:
    """The typed value of ``value`` for ``spec`` (Decimal rate, int 分, int, str, or None)."""
    where = _label(spec, code)
    if value is None or (isinstance(value, str) and _text(value).lower() in _NONE_WORDS):
        if spec.kind in (OPTIONAL_AMOUNT, OPTIONAL_TEXT):
            return None
        if spec.default is not None:
            return parse_value(spec, spec.default, code)
        raise ValidationError(f"{where}不能为空", field=spec.key)
    if spec.kind == RATE:
        return parse_rate(value, field=where)
    if spec.kind in (AMOUNT, OPTIONAL_AMOUNT):
        fen = parse_amount(value, field=where, allow_wan=True)
        if fen <= 0:
            raise ValidationError(f"{where}须大于0", field=spec.key)
        return fen
    if spec.kind == INTEGER:
        return _integer(spec, value, where)
    if spec.kind == CHOICE:
        return _choice(spec, value, where)
    text = str(value).strip()  # free text keeps its own brackets (no NFKC)
    if len(text) > 200:
        raise ValidationError(f"{where}过长（最多200字）", field=spec.key)
    if not text and spec.kind == TEXT:
        raise ValidationError(f"{where}不能为空", field=spec.key)
    return text or None


def _integer(spec: ParamSpec, value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{where}须为整数", field=spec.key)
    if isinstance(value, int):
        number = value
    else:
        text = _text(value).removesuffix("年")
        if not text.isdigit():
            raise ValidationError(f"{where}“{value}”须为整数", field=spec.key)
        number = int(text)
    if not spec.minimum <= number <= spec.maximum:
        raise ValidationError(
            f"{where}须为{spec.minimum}到{spec.maximum}之间的整数（实际为{number}）",
            field=spec.key,
        )
    return number


def _choice(spec: ParamSpec, value: Any, where: str) -> str:
    text = _text(value)
    for key, label in spec.choices.items():
        if text in (key, label):
            return key
    offered = "、".join(spec.choices.values())
    raise ValidationError(f"{where}“{value}”不在可选范围内（{offered}）", field=spec.key)


def canonical_value(spec: ParamSpec, typed: Any) -> Any:
    """The stored (JSON) form of a typed value."""
    if typed is None:
        return None
    if spec.kind == RATE:
        return format(Decimal(typed).normalize(), "f")
    if spec.kind in (AMOUNT, OPTIONAL_AMOUNT):
        return yuan_string(int(typed))
    return typed


def display_value(spec: ParamSpec, typed: Any) -> str:
    """The value as a clerk reads it: ``30%``, ``1,500,000.00 元``, ``每户企业每年度累计``."""
    if typed is None:
        return spec.none_text or "无"
    if spec.kind == RATE:
        return format_rate(Decimal(typed))
    if spec.kind in (AMOUNT, OPTIONAL_AMOUNT):
        return f"{format_yuan(int(typed))} 元"
    if spec.kind == CHOICE:
        return spec.choices.get(str(typed), str(typed))
    if spec.kind == INTEGER:
        return str(typed)
    return str(typed)


def edit_text(spec: ParamSpec, typed: Any) -> str:
    """What an editor field shows: ``30%``, ``1,500,000.00``, a choice's label, or ``""``."""
    if typed is None:
        return ""
    if spec.kind == RATE:
        return format_rate(Decimal(typed))
    if spec.kind in (AMOUNT, OPTIONAL_AMOUNT):
        return format_yuan(int(typed))
    if spec.kind == CHOICE:
        return spec.choices.get(str(typed), str(typed))
    return str(typed)


def find_spec(specs: tuple[ParamSpec, ...], name: str) -> ParamSpec | None:
    """The parameter a clerk means by ``name`` (its key or its Chinese label)."""
    wanted = _text(name)
    for spec in specs:
        if wanted in (_text(n) for n in spec.names()):
            return spec
    return None
