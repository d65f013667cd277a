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


class SourceUnreachable(SourceFetchError):
    """The host of a live source cannot be reached at all: its name does not resolve, or it refuses the
    connection (no network, a mistyped base URL). Not a 429 or a 5xx: no retry can help, and every other
    request of the source would fail the same way, so the source fails at once.

    ``setting`` is the setting that points at the host (``AIGAP_FX_BASE_URL=https://...``) once the
    source that was landing has named it (``ingestion.sources.registry.Source.land``).
    """

    def __init__(self, url: str, reason: str, setting: str | None = None):
        super().__init__(f"{setting or url}: {reason}")
        self.url = url
        self.reason = reason
        self.setting = setting
