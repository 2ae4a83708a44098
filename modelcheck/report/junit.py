"""JUnit XML for CI test views: one testsuite per cell (variant x scenario), one testcase per property.

VERIFIED passes (its bound in system-out), VIOLATED is a failure (the verdict line, the trace file and its
steps), INCONCLUSIVE is an error, never a skip: a bounded search is not a pass. A property that does not
apply to the cell's parameters is skipped, and a model error or an unwritten trace is an error of its own.
The output validates against the Jenkins/Surefire junit-10.xsd that pytest tests its own output against.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from ..check import Report
from ..codes import INCONCLUSIVE, VERIFIED, VIOLATED
from ..trace import write_atomic

__all__ = ["junit_xml", "write_junit"]


def _classname(report: Report) -> str:
    stem = os.path.splitext(os.path.basename(report.spec_path))[0]
    return ".".join([stem] + [x for x in (report.bound.variant, report.bound.scenario) if x])


def _steps(trace) -> str:
    rows = []
    for i, st in enumerate(trace.steps):
        args = f"({', '.join(map(str, st.args))})" if st.args else ""
        rows.append(f"  {i:>3}  {st.action}{args}")
    return "\n".join(rows)


def _suite(report: Report) -> ET.Element:
    seconds = report.result.seconds if report.result is not None else 0.0
    suite = ET.Element("testsuite", name=report.label, time=f"{seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="spec", value=report.spec_path)
    ET.SubElement(props, "property", name="params", value=report.bound.param_text())
    if report.result is not None:
        ET.SubElement(props, "property", name="distinct_states", value=str(report.result.distinct))
        ET.SubElement(props, "property", name="complete", value=str(report.result.complete).lower())
    cls = _classname(report)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for v in report.verdicts:
        what = v.property if v.kind == "deadlock" else f"{v.kind} {v.property}"
        case = ET.SubElement(suite, "testcase", name=what, classname=cls)
        counts["tests"] += 1
        line = v.line(report.label)
        if v.verdict == VERIFIED:
            ET.SubElement(case, "system-out").text = line
        elif v.verdict == VIOLATED:
            counts["failures"] += 1
            body = [line]
            if v.trace is not None:
                body.append(f"counterexample ({v.steps} steps){': ' + v.file if v.file else ' (not written)'}")
                body.append(_steps(v.trace))
            ET.SubElement(case, "failure", type=VIOLATED, message=line).text = "\n".join(body)
        else:
            assert v.verdict == INCONCLUSIVE, v.verdict
            counts["errors"] += 1
            ET.SubElement(case, "error", type=INCONCLUSIVE, message=line).text = (
                line + "\nINCONCLUSIVE is not a pass: the search stopped before covering every reachable state")
    for name in report.not_applicable:
        case = ET.SubElement(suite, "testcase", name=name, classname=cls)
        counts["tests"] += 1
        counts["skipped"] += 1
        ET.SubElement(case, "skipped", message=f"{name} does not apply with these parameters")
    for kind, messages in (("model error", [report.error] if report.error else []),
                           ("trace not written", report.write_errors)):
        for msg in messages:
            case = ET.SubElement(suite, "testcase", name=kind, classname=cls)
            counts["tests"] += 1
            counts["errors"] += 1
            ET.SubElement(case, "error", type=kind, message=msg).text = msg
    for k, n in counts.items():
        suite.set(k, str(n))
    return suite


def junit_xml(reports: list[Report]) -> str:
    """The JUnit XML document (text) for the reports of one run: a `testsuites` root, a suite per cell."""
    root = ET.Element("testsuites", name="modelcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for r in reports:
        suite = _suite(r)
        root.append(suite)
        for k in totals:
            totals[k] += int(suite.get(k))
        seconds += float(suite.get("time"))
    for k, n in totals.items():
        root.set(k, str(n))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(reports: list[Report], path: str) -> None:
    """Write `junit_xml(reports)` to `path` (atomically)."""
    write_atomic(path, junit_xml(reports))
