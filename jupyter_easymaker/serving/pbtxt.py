"""Protobuf text format, the subset Triton's config.pbtxt uses: `key: value`, `key { … }`, `key [ … ]` lists of
values or of messages, comments. A repeated field becomes a list; scalars are str, int, float or bool; enum
names (TYPE_FP32) stay strings."""

from __future__ import annotations

import re
from typing import Any

TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[{}\[\]:,;]|[^\s{}\[\]:,;"\']+)')
REPEATED = {"input", "output", "instance_group", "dims", "versions", "kind", "gpus", "parameters",
            "model_warning", "preferred_batch_size", "ensemble_scheduling", "step"}  # fmt: skip


class PbtxtError(ValueError):
    pass


def tokens(text: str) -> list[str]:
    found, position = [], 0
    text = re.sub(r"#[^\n]*", "", text)  # config.pbtxt strings hold no '#'; comments go
    while position < len(text):
        if not text[position:].strip():
            break
        match = TOKEN.match(text, position)
        if not match:
            raise PbtxtError(f"cannot read config.pbtxt near: {text[position : position + 30]!r}")
        found.append(match.group(1))
        position = match.end()
    return found


def parse(text: str) -> dict[str, Any]:
    items = tokens(text)
    message, end = _message(items, 0, None)
    if end != len(items):
        raise PbtxtError(f"unexpected '{items[end]}' in config.pbtxt")
    return message


def _message(items: list[str], at: int, closer: str | None) -> tuple[dict[str, Any], int]:
    message: dict[str, Any] = {}
    while at < len(items) and items[at] != closer:
        key = items[at]
        if not re.fullmatch(r"[A-Za-z_][\w.]*", key):
            raise PbtxtError(f"expected a field name in config.pbtxt, found '{key}'")
        at += 1
        if at < len(items) and items[at] == ":":
            at += 1
        value, at = _value(items, at)
        if isinstance(value, list) or key in REPEATED:
            message.setdefault(key, [])
            message[key].extend(value if isinstance(value, list) else [value])
        else:
            message[key] = value
        while at < len(items) and items[at] in (",", ";"):
            at += 1
    if closer is not None:
        if at >= len(items):
            raise PbtxtError(f"config.pbtxt ends before a closing '{closer}'")
        at += 1
    return message, at


def _value(items: list[str], at: int) -> tuple[Any, int]:
    if at >= len(items):
        raise PbtxtError("config.pbtxt ends where a value was expected")
    token = items[at]
    if token in ("{", "<"):
        return _message(items, at + 1, "}" if token == "{" else ">")
    if token == "[":
        values, at = [], at + 1
        while at < len(items) and items[at] != "]":
            value, at = _value(items, at)
            values.append(value)
            if at < len(items) and items[at] == ",":
                at += 1
        return values, at + 1
    return _scalar(token), at + 1


def _scalar(token: str) -> Any:
    if token[0] in "\"'":
        return bytes(token[1:-1], "utf-8").decode("unicode_escape")
    if token in ("true", "false"):
        return token == "true"
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    return token
