"""The stored trace text is the compact JSON of ``Trace.to_json`` (whatever the texts hold), and
reads back as ``to_json`` does."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from desktop.core.trace import Check, Installment, Matter, ParamLine, Trace, Winner

texts = st.text(max_size=12)
maybe = st.none() | texts


@st.composite
def traces(draw) -> Trace:
    return Trace(
        matter=Matter(
            draw(st.integers(1, 10**9)),
            "2024-03-01",
            draw(maybe),
            draw(maybe),
            draw(st.none() | st.integers(0, 10**12)),
            draw(maybe),
            draw(maybe),
            draw(st.none() | st.integers(0, 10**9)),
            draw(maybe),
        ),
        rule_id=draw(st.none() | st.integers(1, 99)),
        rule_code=draw(texts),
        citation=draw(texts),
        match=draw(maybe),
        parameters=draw(st.lists(st.builds(ParamLine, texts, texts), max_size=3)),
        checks=draw(st.lists(st.builds(Check, texts, texts, st.booleans(), texts), max_size=3)),
        steps=draw(st.lists(texts, max_size=3)),
        reasons=draw(st.lists(texts, max_size=2)),
        summary=draw(texts),
        amount_fen=draw(st.integers(0, 10**12)),
        winner=draw(
            st.none()
            | st.builds(Winner, st.integers(1, 99), texts, texts, st.integers(0, 10**9), maybe)
        ),
        installment=draw(
            st.none()
            | st.builds(
                Installment,
                st.integers(1, 5),
                st.integers(1, 5),
                st.integers(2000, 2100),
                st.booleans(),
                st.integers(0, 10**9),
                texts,
            )
        ),
        decision=draw(maybe),
    )


@given(traces())
def test_the_stored_trace_text_is_the_compact_json_of_to_json(trace):
    expected = json.dumps(trace.to_json(), ensure_ascii=False, separators=(",", ":"))
    assert trace.encode() == expected
    assert Trace.from_json(json.loads(trace.encode())) == Trace.from_json(trace.to_json())
