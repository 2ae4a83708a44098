"""SARIF 2.1.0 for code-scanning views: one result per violated property, at the line that defines it.

A property violated in several cells of a matrix is one result; its message names the shortest
counterexample (length, trace file, cell) and how many cells fail, and its `properties` list every cell.
INCONCLUSIVE verdicts, model errors and unwritten traces are not results (nothing was found at a line):
they are tool execution notifications, and make `executionSuccessful` false.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..check import Report, Verdict
from ..codes import INCONCLUSIVE, VIOLATED
from ..trace import write_atomic

__all__ = ["sarif_log", "write_sarif", "SCHEMA_URI"]

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ROOT = "SRCROOT"


def _location(where: str, base: str) -> dict[str, Any]:
    """A SARIF physical location from `file:line` (paths under `base` are made relative to it)."""
    path, _, line = where.rpartition(":")
    if not path or not line.isdigit():
        path, line = where, ""
    if os.path.isabs(path) and os.path.commonpath([os.path.abspath(path), base]) == base:
        path = os.path.relpath(path, base)
    if os.path.isabs(path):
        art: dict[str, Any] = {"uri": Path(path).as_uri()}
    else:
        art = {"uri": path.replace(os.sep, "/"), "uriBaseId": ROOT}
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": art}}
    if line:
        loc["physicalLocation"]["region"] = {"startLine": int(line)}
    return loc


def _definition(report: Report, v: Verdict) -> str:
    cls = report.bound.cls
    if v.kind == "deadlock":
        return getattr(cls, "_where", report.spec_path)
    for p in report.bound.properties:
        if p.name == v.property:
            return p.where
    return report.spec_path


def _cell(report: Report) -> str:
    return "/".join(x for x in (report.bound.variant, report.bound.scenario) if x) or "default"


def sarif_log(reports: list[Report], base: str | None = None) -> dict[str, Any]:
    """The SARIF log (a dict to dump as JSON) of one run; paths are relative to `base` (default: cwd)."""
    base = os.path.abspath(base or os.getcwd())
    rules: dict[str, dict[str, Any]] = {}
    found: dict[str, list[tuple[Report, Verdict]]] = {}
    notes = []
    for r in reports:
        for v in r.verdicts:
            if v.verdict == VIOLATED:
                found.setdefault(v.property, []).append((r, v))
            elif v.verdict == INCONCLUSIVE:
                notes.append({"level": "error", "message": {"text": v.line(r.label)}})
        if r.error:
            notes.append({"level": "error", "message": {"text": f"{r.label}: model error: {r.error}"}})
        for msg in r.write_errors:
            notes.append({"level": "error", "message": {"text": f"{r.label}: {msg}"}})
    results = []
    for prop, hits in found.items():
        report, v = min(hits, key=lambda h: (h[1].steps is None, h[1].steps or 0))
        what = v.property if v.kind == "deadlock" else f"{v.kind} {v.property}"
        if prop not in rules:
            doc = next((p.doc for p in report.bound.properties if p.name == prop), "")
            rules[prop] = {"id": prop, "name": prop,
                           "shortDescription": {"text": (doc.strip().splitlines() or [what])[0]},
                           "properties": {"kind": v.kind}}
        if v.steps is not None:
            shortest = (f"shortest counterexample {v.steps} step{'s' * (v.steps != 1)}"
                        f"{': ' + v.file if v.file else ' (not written)'}")
        else:
            shortest = v.bound
        cells = f" in {len(hits)} of {len(reports)} cells" if len(reports) > 1 else ""
        where = f" ({_cell(report)}; params {report.bound.param_text()})"
        text = f"{what} is VIOLATED{cells}; {shortest}{where}"
        result: dict[str, Any] = {
            "ruleId": prop, "level": "error", "message": {"text": text},
            "locations": [_location(_definition(report, v), base)],
            "partialFingerprints": {"modelcheckProperty/v1": f"{report.bound.name}.{prop}"},
            "properties": {"cells": [{"cell": _cell(r), "steps": hv.steps, "file": hv.file} for r, hv in hits]},
        }
        if v.file:
            result["relatedLocations"] = [{"id": 1, **_location(v.file, base),
                                           "message": {"text": "the shortest counterexample (modelcheck show FILE)"}}]
        results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": not notes}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "modelcheck", "version": __version__, "rules": list(rules.values())}},
            "originalUriBaseIds": {ROOT: {"uri": _file_uri(base)}},
            "invocations": [invocation],
            "results": results,
        }],
    }


def _file_uri(path: str) -> str:
    return Path(path).as_uri().rstrip("/") + "/"


def write_sarif(reports: list[Report], path: str) -> None:
    """Write `sarif_log(reports)` as JSON to `path` (atomically)."""
    write_atomic(path, json.dumps(sarif_log(reports), indent=1, sort_keys=True) + "\n")
