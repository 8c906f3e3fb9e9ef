"""Looking inside Adaptive Cards in tests: every part of a card (or of a reply that carries one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``node``, depth first, in order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def of_type(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every part of ``node`` of this Adaptive Card type ("Action.Submit", "ColumnSet", ...), in order."""
    return [part for part in walk(node) if part.get("type") == kind]
