"""The visited set: exact states in a dict, or 64-bit fingerprints in an open-addressing numpy table.

A fingerprint is CPython's `hash(state)`: states are tuples of ints, tuples and frozensets (strings
only as set atoms), whose hash is computed in C and, for frozensets, independent of iteration order.
Two pitfalls decide when it may be used (`fingerprint_safe`):

- `hash(-1) == hash(-2)` in CPython, so states that differ only in -1 against -2 would collide
  every time, not by chance. Fingerprints are used only when no variable's domain holds an int
  below -1 (-1, our usual "absent", alone is fine), nor one beyond the 61-bit range of int hashing.
- `str` hashes are salted per process (PYTHONHASHSEED). Forked workers inherit the salt; processes
  started any other way must share one seed.

The table keeps 8 bytes of key and 4 bytes of state id per state, in sorted runs.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import BoundSpec
from ..types import Bool, IntRange, MapOf, Record, SeqOf, SetOf, TupleOf, Type

__all__ = ["FingerprintTable", "fingerprint_safe", "holds_strings"]


def _atoms_safe(x: Any) -> bool:
    if isinstance(x, bool) or isinstance(x, str):
        return True
    if isinstance(x, int):
        return -1 <= x < 2 ** 61 - 1
    if isinstance(x, (tuple, frozenset)):
        return all(_atoms_safe(y) for y in x)
    return False


def _type_safe(t: Type) -> bool:
    if isinstance(t, Bool):
        return True
    if isinstance(t, IntRange):
        return t.lo >= -1 and t.hi < 2 ** 61 - 1
    if isinstance(t, (TupleOf, SeqOf)):
        return _type_safe(t.elem)
    if isinstance(t, MapOf):
        return _type_safe(t.value) and _atoms_safe(tuple(t.keys))
    if isinstance(t, SetOf):
        return _atoms_safe(t.domain)
    if isinstance(t, Record):  # a named tuple: hashed as the tuple of its fields
        return all(_type_safe(f) for f in t.fields.values())
    return False  # a type we do not know: keep exact states


def _has_str(x: Any) -> bool:
    if isinstance(x, str):
        return True
    if isinstance(x, (tuple, frozenset, list)):
        return any(_has_str(y) for y in x)
    return False


def _type_has_str(t: Type) -> bool:
    if isinstance(t, (TupleOf, SeqOf)):
        return _type_has_str(t.elem)
    if isinstance(t, MapOf):
        return _type_has_str(t.value)  # a map is stored as the tuple of its values
    if isinstance(t, SetOf):
        return _has_str(tuple(t.domain))
    return not isinstance(t, (Bool, IntRange))  # a type we do not know may hold strings


def holds_strings(bound: BoundSpec) -> bool:
    """Whether a state may hold a string, whose hash is salted per process (PYTHONHASHSEED)."""
    return any(_type_has_str(t) for t in bound.variables.values())


def fingerprint_safe(bound: BoundSpec) -> str:
    """'' if `hash(state)` is a sound fingerprint for this spec's states, else why not."""
    for name, t in bound.variables.items():
        if not _type_safe(t):
            return (f"variable {name!r} ({t!r}) may hold an int below -1, where CPython's hash(-1) == hash(-2) "
                    f"would make states collide systematically")
    return ""


class FingerprintTable:
    """64-bit fingerprints mapped to state ids, as a few sorted runs (a log-structured merge).

    A batch of new fingerprints becomes a sorted run; a run is merged with the one before it while that
    one is at most twice its size, so there are O(log n) runs and every fingerprint is merged O(log n)
    times, each time by a linear merge. A lookup is one binary search per run for the whole batch.
    Memory: 8 bytes of key and 4 of id per state (twice that briefly during a merge).
    """

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + i.nbytes for k, i in self.runs)

    @staticmethod
    def keys_of(hashes: np.ndarray) -> np.ndarray:
        """Table keys for an int64 array of `hash()` values."""
        return hashes.view(np.uint64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The state id of every key, -1 where absent."""
        out = np.full(len(keys), -1, np.int64)
        for rk, ri in self.runs:
            pos = np.searchsorted(rk, keys)
            pos[pos == len(rk)] = 0
            hit = rk[pos] == keys
            out[hit] = ri[pos[hit]]
        return out

    def get(self, h: int) -> int:
        """The state id of one `hash()` value, -1 if absent."""
        return int(self.lookup(self.keys_of(np.array([h], np.int64)))[0])

    def insert(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Insert distinct keys that are not in the table yet."""
        if not len(keys):
            return
        o = np.argsort(keys)
        self.runs.append((keys[o], ids[o].astype(np.int32)))
        self.n += len(keys)
        runs = self.runs
        while len(runs) >= 2 and len(runs[-2][0]) <= 2 * len(runs[-1][0]):
            k2, i2 = runs.pop()
            k1, i1 = runs.pop()
            k = np.concatenate([k1, k2])
            o = np.argsort(k, kind="stable")  # two sorted runs: timsort merges them in linear time
            runs.append((k[o], np.concatenate([i1, i2])[o]))
