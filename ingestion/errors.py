"""Errors that name the file and what was wrong with it."""

from __future__ import annotations


class BadSourceFile(ValueError):
    """A landed file that cannot become raw rows: it stays in landing and is reported."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class SourceFetchError(RuntimeError):
    """A live source did not give a usable answer after its retries."""
