"""The closed vocabulary of calculation methods: ``METHODS[key]`` is the one object that knows a
method's parameters, amount, schedule, description and form fields."""

from __future__ import annotations

from typing import Any

from desktop.core.errors import ValidationError
from desktop.core.methods.base import (
    DEFAULT_FUND_SOURCE,
    Computed,
    MatterInput,
    MatterNeeds,
    Method,
    Payment,
)
from desktop.core.methods.fixed import Fixed
from desktop.core.methods.installments import Installments
from desktop.core.methods.level import LEVELS, Level
from desktop.core.methods.manual import Manual
from desktop.core.methods.ratio import CAP_SCOPES, Ratio

METHODS: dict[str, Method[Any]] = {
    m.key: m for m in (Ratio(), Fixed(), Level(), Installments(), Manual())
}

__all__ = [
    "CAP_SCOPES",
    "DEFAULT_FUND_SOURCE",
    "LEVELS",
    "METHODS",
    "Computed",
    "MatterInput",
    "MatterNeeds",
    "Method",
    "Payment",
    "method",
]


def method(key: str) -> Method[Any]:
    """The method called ``key`` (also accepts its Chinese label)."""
    found = METHODS.get(key) or next((m for m in METHODS.values() if m.label == key), None)
    if found is None:
        offered = "、".join(f"{m.key}（{m.label}）" for m in METHODS.values())
        raise ValidationError(f"计算方法“{key}”不在允许范围内（{offered}）", field="method")
    return found
