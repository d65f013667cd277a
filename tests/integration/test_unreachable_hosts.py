"""A live source whose host cannot be reached fails in seconds, naming the setting that points at it.

Without a network, a name that does not resolve and a refused connection are not a 429 or a 5xx: no
retry can help (before, each request was retried with backoff, minutes per source). Hosts here: a
port on 127.0.0.1 that nothing listens on (refused) and a name under ``.invalid``, which RFC 2606
reserves so that it never resolves.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from ingestion.config import load_settings
from ingestion.errors import SourceUnreachable
from ingestion.landing import LandingZone
from ingestion.sources.registry import SOURCES
from ingestion.universe import read_universe

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LISTINGS = read_universe(FIXTURES / "universe" / "universe_small.csv")  # MSFT.US, 0700.HK
# Each request used to be retried 5 times with backoff (0.5 s factor): 15 s per request at least.
FAST = 5.0

# (registry source, its base-URL setting, extra settings the live client needs)
CASES = [
    ("fx", "AIGAP_FX_BASE_URL", {}),
    ("fedreg", "AIGAP_FEDREG_BASE_URL", {}),
    ("prices", "AIGAP_PRICES_BASE_URL", {"AIGAP_PRICES_PROVIDER": "yahoo"}),
    ("prices", "AIGAP_PRICES_BASE_URL", {"AIGAP_PRICES_PROVIDER": "eodhd", "AIGAP_PRICES_API_TOKEN": "t"}),
    ("sec", "AIGAP_SEC_BASE_URL", {"SEC_USER_AGENT": "aigap tests test@example.com"}),
]


def closed_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago and that nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def land(tmp_path: Path, name: str, setting: str, base: str, extra: dict[str, str]) -> None:
    env = {"AIGAP_HOME": str(tmp_path / "warehouse"), "AIGAP_SOURCE": "live", setting: base, **extra}
    settings = load_settings(env)
    SOURCES[name].land(settings, LandingZone(settings.landing_dir), LISTINGS)


def test_the_registry_has_the_sources_tested_here() -> None:
    for name, _, _ in CASES:
        assert SOURCES[name].follows is not None, f"{name} is not a live source"


@pytest.mark.parametrize(("name", "setting", "extra"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_host_that_does_not_resolve_fails_at_once_naming_the_setting(tmp_path, name, setting, extra):
    base = "http://nonexistent.invalid"
    started = time.monotonic()
    with pytest.raises(SourceUnreachable) as caught:
        land(tmp_path, name, setting, base, extra)
    elapsed = time.monotonic() - started
    assert elapsed < FAST, f"{name} took {elapsed:.1f} s to give up on an unresolvable host"
    assert str(caught.value) == f"{setting}={base}: cannot resolve host nonexistent.invalid"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("name", "setting", "extra"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_refused_connection_fails_at_once_naming_the_setting(tmp_path, name, setting, extra):
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with pytest.raises(SourceUnreachable) as caught:
        land(tmp_path, name, setting, base, extra)
    elapsed = time.monotonic() - started
    assert elapsed < FAST, f"{name} took {elapsed:.1f} s to give up on a refused connection"
    assert str(caught.value) == f"{setting}={base}: cannot connect to 127.0.0.1:{port} (Connection refused)"


def test_the_sec_archives_host_is_named_by_its_own_setting(tmp_path):
    """Filings read two hosts: a refused archive host is named by AIGAP_SEC_ARCHIVES_BASE_URL."""
    settings = load_settings(
        {
            "AIGAP_HOME": str(tmp_path),
            "AIGAP_SEC_BASE_URL": "http://127.0.0.1:1",
            "AIGAP_SEC_ARCHIVES_BASE_URL": "http://127.0.0.1:2/",
        }
    )
    url = "http://127.0.0.1:2/Archives/edgar/data/1/x.xml"
    assert settings.url_setting(url, "filings") == "AIGAP_SEC_ARCHIVES_BASE_URL=http://127.0.0.1:2"
    assert settings.url_setting("http://127.0.0.1:1/submissions/x.json", "filings") == (
        "AIGAP_SEC_BASE_URL=http://127.0.0.1:1"
    )
    assert settings.url_setting("http://elsewhere.invalid/", "filings") is None
