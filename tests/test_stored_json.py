"""JSON columns read back (backoffice/types.load_stored_json): what json.loads reads."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.types import load_stored_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, (",", ":")]), st.sampled_from(["", " ", "\n"]))
def test_stored_json_reads_as_json_loads_reads_it(value, separators, space):
    text = space + json.dumps(value, ensure_ascii=False, separators=separators) + space
    for data in (text, text.encode()):
        assert repr(load_stored_json(data)) == repr(json.loads(data))


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{} x", "nul", '"\\ud800"', "1e999"])
def test_stored_json_fails_or_reads_as_json_loads(text):
    try:
        expected = json.loads(text)
    except ValueError as error:
        with pytest.raises(type(error)):
            load_stored_json(text)
    else:
        assert repr(load_stored_json(text)) == repr(expected)
