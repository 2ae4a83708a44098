"""The project's defaults from `[tool.modelcheck]` in pyproject.toml.

    [tool.modelcheck]
    spec = "specs/rollback.py"   # what verify, list and ablate check when no SPEC is given
    matrix = true                # `modelcheck verify` with no SPEC runs that spec's matrix

The nearest pyproject.toml with a `[tool.modelcheck]` table, from the current directory upwards, is the
project's; `spec` is relative to the directory that file is in.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from .spec import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ProjectConfig", "find_config", "default_spec"]

KEYS = {"spec": str, "matrix": bool}


@dataclass(frozen=True)
class ProjectConfig:
    """`[tool.modelcheck]` of one pyproject.toml; `spec` is a path relative to the current directory."""
    file: str
    spec: str | None
    matrix: bool


def find_config(start: str | None = None) -> ProjectConfig | None:
    """The nearest `[tool.modelcheck]` from `start` (default: the current directory) upwards, or None."""
    d = os.path.abspath(start or os.getcwd())
    while True:
        path = os.path.join(d, "pyproject.toml")
        if os.path.isfile(path):
            table = _table(path)
            if table is not None:
                return _config(path, table)
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _table(path: str) -> dict | None:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML: {e}") from None
    table = data.get("tool", {}).get("modelcheck")
    if table is not None and not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.modelcheck] must be a table")
    return table


def _config(path: str, table: dict) -> ProjectConfig:
    for key, value in table.items():
        if key not in KEYS:
            raise UsageError(f"{path}: [tool.modelcheck] has no key {key!r}; known: {', '.join(KEYS)}")
        if not isinstance(value, KEYS[key]):
            raise UsageError(f"{path}: [tool.modelcheck] {key} must be a {KEYS[key].__name__}, got {value!r}")
    spec = table.get("spec")
    if spec is not None:
        spec = os.path.relpath(os.path.join(os.path.dirname(path), spec))
    return ProjectConfig(path, spec, table.get("matrix", False))


NO_SPEC = ("no SPEC given, and no pyproject.toml here or above has [tool.modelcheck] spec; name one "
           "(`modelcheck {command} path/to/spec.py`), or set it in the project's pyproject.toml: "
           "[tool.modelcheck] spec = \"specs/NAME.py\"")


def default_spec(command: str) -> ProjectConfig:
    """The project's config with its default spec; a UsageError saying how to name one when there is none."""
    cfg = find_config()
    if cfg is None or cfg.spec is None:
        raise UsageError(NO_SPEC.format(command=command))
    return cfg
