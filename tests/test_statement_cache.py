"""The cache of built statements: reused by key, bounded, least recently used out."""

import pytest

from backoffice.statements import StatementCache


def test_statements_are_built_once_per_key_and_the_least_recent_goes_first():
    built = []

    def build(key):
        return lambda: built.append(key) or f"statement {key}"

    cache = StatementCache(size=2)
    assert cache.get("a", build("a")) == "statement a"
    assert cache.get("b", build("b")) == "statement b"
    assert cache.get("a", build("a")) == "statement a"  # reused, and now the most recent
    cache.get("c", build("c"))  # evicts b, the least recently used
    assert len(cache) == 2
    cache.get("a", build("a"))
    cache.get("b", build("b"))
    assert built == ["a", "b", "c", "b"]


def test_a_failed_build_keeps_nothing():
    cache = StatementCache(size=2)

    def fail():
        raise ValueError("bad filter")

    with pytest.raises(ValueError, match="bad filter"):
        cache.get("x", fail)
    assert len(cache) == 0
