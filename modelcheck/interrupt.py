"""Ctrl-C (SIGINT) and SIGTERM stop a run the same way.

While `handled()` is active, either signal records its name and raises KeyboardInterrupt in the main
thread: the search in progress ends INCONCLUSIVE with what it explored, a matrix or an ablation starts no
new cell, and the command prints what it has and exits 3 (1 if a violation was already found).
`deferred()` holds both signals while a file is written, so an atomic write completes or cleans up first.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

__all__ = ["handled", "deferred", "requested", "signal_name"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[str] = []


_deferring: list[bool] = []   # inside `deferred()`: a signal is recorded now and raised when the block ends


def _on_signal(signum: int, frame: object) -> None:
    _received.append(signal.Signals(signum).name)
    if not _deferring:
        raise KeyboardInterrupt


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise KeyboardInterrupt and are remembered (see `requested`)."""
    _received.clear()
    if not _main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    for s in STOP_SIGNALS:
        signal.signal(s, _on_signal)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
        _received.clear()


def requested() -> bool:
    """Whether a stop signal arrived inside the current `handled()` block."""
    return bool(_received)


def signal_name() -> str:
    """The first stop signal received (SIGINT if none was recorded: a KeyboardInterrupt from elsewhere)."""
    return _received[0] if _received else "SIGINT"


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (while `handled()` is active) until the block ends, then raise
    KeyboardInterrupt if one arrived: the block runs to its end, or to its own cleanup."""
    before = len(_received)
    _deferring.append(True)
    try:
        yield
    finally:
        _deferring.pop()
    if len(_received) > before and not _deferring:
        raise KeyboardInterrupt
