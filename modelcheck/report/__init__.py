"""Reports for CI and tools: JUnit XML (`junit`), SARIF 2.1.0 (`sarif`), and the JSON Schemas of the --json
report and of trace files (`schema`), all with the standard library."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from .junit import junit_xml, write_junit
from .sarif import sarif_log, write_sarif

__all__ = ["junit_xml", "write_junit", "sarif_log", "write_sarif", "schema", "SCHEMAS"]

SCHEMAS = ("report", "trace")


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `report` (every --json output) or `trace` (a trace file)."""
    if name not in SCHEMAS:
        raise ValueError(f"no schema {name!r}; known: {', '.join(SCHEMAS)}")
    text = resources.files(__package__).joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)
