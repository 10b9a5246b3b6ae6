"""Safe, strict reading of YAML and JSON documents, keeping the line of every key.

PyYAML's safe loader is the base. On top of it: duplicate keys are errors, tags that would
construct objects are errors, numbers such as ``1e-5`` are floats (YAML 1.2 style), and alias
expansion and file size are bounded so that a hostile file cannot exhaust memory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hpsearch.errors import ConfigError

__all__ = ["Document", "parse_document", "read_document"]

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 200_000

_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose float resolver also accepts ``1e-5`` and ``6.e-5``."""


_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:float"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


@dataclass
class Document:
    """Plain data read from a file plus the line (1-based) of each key path."""

    data: Any
    file: str | None = None
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """The line of ``path`` or of its closest enclosing key."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return None

    def error(self, path: str, message: str) -> ConfigError:
        """A ConfigError located at ``path`` in this document."""
        return ConfigError(message, file=self.file, path=path or None, line=self.line(path))

    def locate(self, exc: ConfigError) -> ConfigError:
        """``exc`` with this document's file and the line of its key path filled in."""
        return exc.located(file=self.file, line=self.line(exc.path or ""))


def read_document(path: str | Path) -> Document:
    """Read a YAML or JSON file into a :class:`Document`, strictly."""
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    if size > MAX_FILE_BYTES:
        raise ConfigError(f"file is too large ({size} bytes; at most {MAX_FILE_BYTES})", file=name)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError("file is not UTF-8 text", file=name) from None
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror or exc}", file=name) from None
    return parse_document(text, file=name, is_json=p.suffix.lower() == ".json")


def parse_document(text: str, *, file: str | None = None, is_json: bool = False) -> Document:
    """Parse YAML (or JSON) text into a :class:`Document`.

    Example:
        >>> parse_document("lr: 1e-5").data
        {'lr': 1e-05}
    """
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise ConfigError(f"document is too large (at most {MAX_FILE_BYTES} bytes)", file=file)
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise ConfigError("file is empty", file=file)
    if is_json:
        try:
            json.loads(text, object_pairs_hook=_no_duplicate_pairs)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno) from None
        except _DuplicateJsonKey as exc:
            raise ConfigError(f"duplicate key '{exc.key}'", file=file) from None
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "syntax error"
        raise ConfigError(f"invalid YAML: {what}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}".splitlines()[0], file=file) from None
    finally:
        loader.dispose()
    if node is None:
        raise ConfigError("file is empty", file=file)
    builder = _Builder(loader, file)
    data = builder.build(node, "")
    return Document(data=data, file=file, lines=builder.lines)


class _DuplicateJsonKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateJsonKey(key)
        out[key] = value
    return out


class _Builder:
    """Turns a composed node graph into plain Python data, bounded and strict."""

    def __init__(self, loader: _StrictLoader, file: str | None) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[str, int] = {}
        self.count = 0

    def _error(self, node: yaml.Node, path: str, message: str) -> ConfigError:
        return ConfigError(
            message, file=self.file, path=path or None, line=node.start_mark.line + 1
        )

    def build(self, node: yaml.Node, path: str, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._error(
                node, path, f"document expands to more than {MAX_NODES} values (alias bomb?)"
            )
        if depth > 64:
            raise self._error(node, path, "nesting is deeper than 64 levels")
        if isinstance(node, yaml.MappingNode):
            if node.tag not in ("tag:yaml.org,2002:map",):
                raise self._error(node, path, f"tag '{node.tag}' is not allowed")
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, path, depth + 1)
                if isinstance(key, (dict, list)):
                    raise self._error(key_node, path, "a mapping key must be a plain value")
                sub = f"{path}.{key}" if path else str(key)
                if key in out:
                    raise self._error(
                        key_node,
                        sub,
                        f"duplicate key '{key}' (first at line {self.lines.get(sub)})",
                    )
                self.lines.setdefault(sub, key_node.start_mark.line + 1)
                out[key] = self.build(value_node, sub, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._error(node, path, f"tag '{node.tag}' is not allowed")
            return [
                self.build(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)
            ]
        if node.tag not in _SCALAR_TAGS:
            raise self._error(
                node, path, f"tag '{node.tag}' is not allowed (no object construction)"
            )
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self._error(node, path, f"invalid value: {exc}".splitlines()[0]) from None
