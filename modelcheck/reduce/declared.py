"""Reading a spec's optional reduction declarations (`symmetry()`, `footprints()`)."""
from __future__ import annotations

from typing import Any

from ..spec import BoundSpec, SpecError

__all__ = ["declared"]


def declared(bound: BoundSpec, method: str) -> Any:
    """What the spec's optional `method(self)` returns for these parameters; None if it has none. An
    exception inside it is a SpecError naming it."""
    fn = getattr(bound.inst, method, None)
    if fn is None:
        return None
    try:
        return fn()
    except Exception as e:
        raise SpecError(f"{bound.name}.{method}() raised {type(e).__name__}: {e}") from e
