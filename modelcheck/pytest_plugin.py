"""pytest plugin (entry point `pytest11`): `pytest --modelcheck specs/` collects the cells each spec declares in
its `expect` attribute as test items, checks each cell, and fails an item whose verdicts differ.

Without --modelcheck it does nothing, and it imports modelcheck's engine only when it collects a spec.
"""
from __future__ import annotations

import os
from typing import Any

import pytest

__all__ = ["SpecFile", "CellItem"]


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("modelcheck")
    group.addoption("--modelcheck", action="store_true", default=False,
                    help="collect the cells that spec files (among the given paths) declare in `expect`, "
                         "and check their verdicts")


def pytest_collect_file(file_path: Any, parent: Any) -> Any:
    if not parent.config.getoption("modelcheck") or file_path.suffix != ".py":
        return None
    if file_path.name.startswith("test_") or file_path.name == "conftest.py":
        return None
    try:
        text = file_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if "expect" not in text or "Spec" not in text:  # cheap: import only files that may declare expectations
        return None
    return SpecFile.from_parent(parent, path=file_path)


class SpecFile(pytest.File):
    """A spec file: one item per cell its spec's `expect` names."""

    def collect(self):
        from .loader import load_spec
        from .spec import SpecError, UsageError
        from .testing import expected_cells

        rel = os.path.relpath(self.path)
        try:
            path, cls = load_spec(rel)
        except (SpecError, UsageError) as e:
            if "defines no subclass of modelcheck.Spec" in str(e):
                return
            raise self.CollectError(f"modelcheck: {e}") from None
        if not cls.expect:
            return
        try:
            cells = expected_cells(cls)
        except SpecError as e:
            raise self.CollectError(f"modelcheck: {e}") from None
        for variant, scenario, props, default in cells:
            yield CellItem.from_parent(self, name=f"{variant or '-'}/{scenario or '-'}", spec_path=path, spec_cls=cls,
                                       variant=variant, scenario=scenario, props=props, default=default)


class CellMismatch(AssertionError):
    """A cell whose verdicts differ from the spec's `expect`."""


class CellItem(pytest.Item):
    """One cell (variant x scenario) of a spec, with the verdicts its `expect` declares."""

    def __init__(self, *, spec_path: str, spec_cls: type, variant: str | None, scenario: str | None,
                 props: dict[str, str], default: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.spec_path, self.spec_cls, self.variant, self.scenario = spec_path, spec_cls, variant, scenario
        self.props, self.default = props, default

    def runtest(self) -> None:
        from .check import check
        from .codes import VIOLATED
        from .testing import expectation_mismatches, failure_message

        report = check(self.spec_cls.bind(self.variant, self.scenario), self.spec_path, out_dir=None)
        bad = expectation_mismatches(report, self.props, self.default)
        if bad:
            unexpected = [v for v in report.verdicts
                          if v.verdict == VIOLATED and self.props.get(v.property, self.default) != VIOLATED]
            raise CellMismatch(failure_message(report, "verdicts differ from the spec's expect: " + "; ".join(bad),
                                        unexpected))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CellMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.spec_path} [{self.name}]"
