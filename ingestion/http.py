"""HTTP for every live source: polite sessions and fetches that land what they receive.

``make_session`` gives a ``requests.Session`` that

- identifies itself (``User-Agent``), which SEC requires and every API appreciates;
- paces requests to one every ``1/per_second`` seconds (plus pyrate-limiter's 50 ms margin),
  across all threads sharing the session, retries included, so no one-second window at the
  server holds more than ``per_second`` (requests-ratelimiter over pyrate-limiter; measured at
  the server in tests/integration/test_sec_replay.py);
- retries GETs on 429/500/502/503/504, connect timeouts and broken connections with exponential
  backoff, honouring ``Retry-After``, and then hands back the last answer so the caller can report it;
- does not retry a host that cannot be reached at all (its name does not resolve, or it refuses the
  connection): ``fetch_to_landing`` raises ``SourceUnreachable`` at once, naming the host;
- times out every request (10 s to connect, 60 s between bytes) unless told otherwise.

``fetch_to_landing`` asks conditionally (``If-None-Match`` / ``If-Modified-Since``) when an earlier
answer carried an ETag or Last-Modified, records a 304 as "unchanged" without storing bytes again,
lands every body it receives (error pages included, for inspection), and raises
``SourceFetchError`` when the final answer is not 200 or 304.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests_ratelimiter import LimiterAdapter
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.util.retry import Retry

from ingestion.errors import SourceFetchError, SourceUnreachable
from ingestion.landing import STREAM_CHUNK, LandedFile, LandingZone

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds
RETRY_STATUSES = (429, 500, 502, 503, 504)
# Query parameters whose values must never reach the manifest, a log line or an error message.
_SECRET_PARAM_HINTS = ("token", "apikey", "api_key", "secret", "password", "passwd")


class _RateLimitedRetry(Retry):
    """A urllib3 ``Retry`` whose every re-attempt also takes a permit from the session's limiter.

    urllib3 retries inside the adapter, below requests-ratelimiter's check; without this, a burst
    of 500s answered by immediate retries would leave at a rate nobody limited.
    """

    def __init__(self, *args: Any, acquire: Callable[[], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._acquire = acquire

    def increment(self, *args: Any, **kwargs: Any) -> _RateLimitedRetry:
        """No retry when the host cannot be reached at all.

        urllib3 counts a name that does not resolve and a refused connection (``NewConnectionError``)
        as connect errors and retries them with backoff: without a network, minutes per source
        before it fails. A connect timeout (``ConnectTimeoutError`` alone) is still retried.
        """
        error = kwargs.get("error", args[3] if len(args) > 3 else None)
        if isinstance(error, NewConnectionError):
            raise MaxRetryError(kwargs.get("_pool"), kwargs.get("url") or "", error) from error
        return super().increment(*args, **kwargs)

    def new(self, **kw: Any) -> _RateLimitedRetry:
        kw.setdefault("acquire", self._acquire)
        return super().new(**kw)

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)  # Retry-After or backoff first, then wait our turn
        if self._acquire is not None:
            self._acquire()


class _LimitedAdapter(LimiterAdapter):
    """requests-ratelimiter's adapter plus a default timeout for requests that set none."""

    def __init__(self, *, timeout: tuple[float, float], **kwargs: Any):
        self._default_timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._default_timeout
        return super().send(request, **kwargs)

    def acquire(self) -> None:
        """Block until one more request fits in the rate (for retries, see _RateLimitedRetry)."""
        self.limiter.try_acquire(self.bucket_name, weight=1, blocking=True, timeout=-1)


def make_session(
    *,
    user_agent: str,
    per_second: float,
    retries: int = 5,
    backoff: float = 0.5,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    max_retry_after: int = 600,
) -> requests.Session:
    """A session for one source; share it between threads so they share its rate limit.

    ``backoff`` is urllib3's backoff factor: the n-th consecutive retry waits backoff * 2**(n-1)
    seconds (the first retry goes at once), or what ``Retry-After`` says, capped at
    ``max_retry_after`` seconds. Close the session (``with make_session(...) as s:``) to stop the
    limiter's background thread.
    """
    if per_second <= 0:
        raise ValueError(f"per_second must be positive, got {per_second}")
    adapter = _LimitedAdapter(
        timeout=timeout,
        # Pace requests one every 1/per_second s instead of letting per_second go in a burst at
        # the start of each second: a burst plus ordinary scheduling or network jitter lets the
        # server count more than per_second in one of its own windows. (requests-ratelimiter's
        # "burst" scales the window: per_second * burst = 1 request per 1/per_second s.)
        per_second=per_second,
        burst=1 / per_second,
        # One bucket for the whole session, whatever the host: the limit is ours, not per server.
        per_host=False,
        bucket_name=f"aigap-{uuid.uuid4()}",
        pool_maxsize=16,
    )
    adapter.max_retries = _RateLimitedRetry(
        total=retries,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=backoff,
        respect_retry_after_header=True,
        retry_after_max=max_retry_after,
        raise_on_status=False,  # hand back the last error answer so it can be landed and reported
        raise_on_redirect=False,
        acquire=adapter.acquire,
    )
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# -- fetching into landing -----------------------------------------------------------------


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in _SECRET_PARAM_HINTS)


def redact_url(url: str) -> str:
    """``url`` with the values of secret-looking query parameters replaced by ``***``."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(_is_secret(k) for k, _ in pairs):
        return url  # leave the URL exactly as sent
    query = [(k, "***" if _is_secret(k) else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/:,*[]")))


def _redact_text(text: str, params: Mapping[str, Any] | None) -> str:
    for name, value in (params or {}).items():
        if _is_secret(name) and value:
            text = text.replace(str(value), "***")
    return text


def unreachable_reason(exc: requests.ConnectionError, url: str) -> str | None:
    """``cannot resolve host H`` or ``cannot connect to H:P (Connection refused)`` when ``exc`` says the
    host cannot be reached at all; None for anything a retry might have helped."""
    error = exc.args[0] if exc.args else None
    cause = getattr(error, "reason", error)  # requests wraps urllib3's MaxRetryError
    if not isinstance(cause, NewConnectionError):
        return None
    parts = urlsplit(url)
    host = parts.hostname or url
    if isinstance(cause, NameResolutionError):
        return f"cannot resolve host {host}"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    os_error = cause.__cause__ if isinstance(cause.__cause__, OSError) else None
    why = (os_error.strerror or str(os_error)) if os_error is not None else str(cause)
    return f"cannot connect to {host}:{port} ({why})"


def _conditional_base(
    zone: LandingZone, source: str, key: str, is_sample: bool, latest: Mapping[str, LandedFile] | None
) -> LandedFile | None:
    """The earlier answer a 304 would point back to, if there is one worth asking about."""
    previous = (latest if latest is not None else zone.latest(source)).get(key)
    if previous is None or not (previous.etag or previous.last_modified):
        return None
    # A sample file must never stand in for a live answer (nor the reverse), and a 304 is
    # only useful if the bytes it points at are still there.
    if previous.is_sample != is_sample or not zone.path_of(previous).is_file():
        return None
    return previous


def conditional_headers(previous: LandedFile | None) -> dict[str, str]:
    """The headers that ask whether ``previous`` (an earlier good answer) is still current."""
    out: dict[str, str] = {}
    if previous is not None:
        if previous.etag:
            out["If-None-Match"] = previous.etag
        if previous.last_modified:
            out["If-Modified-Since"] = previous.last_modified
    return out


def fetch_to_landing(
    session: requests.Session,
    zone: LandingZone,
    *,
    source: str,
    key: str,
    url: str,
    params: Mapping[str, Any] | None = None,
    suffix: str,
    headers: Mapping[str, str] | None = None,
    is_sample: bool = False,
    latest: Mapping[str, LandedFile] | None = None,
) -> LandedFile:
    """GET ``url`` and land the answer under ``source``/``key``; return its manifest line.

    ``latest`` is ``zone.latest(source)`` if the caller already read it (saves re-reading the
    manifest per document when fetching many). Secret query parameters (``api_token`` ...) are
    masked in the manifest's url and in every message.
    """
    shown = redact_url(requests.Request("GET", url, params=params).prepare().url or url)
    previous = _conditional_base(zone, source, key, is_sample, latest)
    request_headers = {**(headers or {}), **conditional_headers(previous)}
    try:
        response = session.get(url, params=params, headers=request_headers)
        body = response.content
    except requests.ConnectionError as exc:
        reason = unreachable_reason(exc, url)
        if reason is not None:
            raise SourceUnreachable(shown, reason) from exc
        raise SourceFetchError(
            f"{shown}: no usable answer ({type(exc).__name__}: {_redact_text(str(exc), params)})"
        ) from exc
    except requests.RequestException as exc:
        raise SourceFetchError(
            f"{shown}: no usable answer ({type(exc).__name__}: {_redact_text(str(exc), params)})"
        ) from exc

    status = response.status_code
    if status == 304 and previous is not None:
        log.info("%s: not modified since %s", shown, previous.fetched_at)
        return zone.record_not_modified(previous, url=shown)
    entry = zone.land(
        source,
        key,
        body,
        url=shown,
        status=status,
        suffix=suffix,
        content_type=response.headers.get("Content-Type"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        is_sample=is_sample,
    )
    if status != 200:
        raise SourceFetchError(
            f"{shown}: HTTP {status} {response.reason or ''}".rstrip()
            + f" (final answer after retries); its {len(body)}-byte body is kept in landing at {entry.path}"
        )
    log.info("%s: %d bytes landed as %s", shown, len(body), entry.path)
    return entry


def fetch_stream_to_landing(
    session: requests.Session,
    zone: LandingZone,
    *,
    source: str,
    key: str,
    url: str,
    suffix: str,
    previous: LandedFile | None,
) -> LandedFile:
    """GET a large document (SEC's bulk archives, GBs) and stream it into landing, never whole in memory.

    ``previous``: the earlier good answer to ask conditionally about (its ETag / Last-Modified), or None.
    A 304 is recorded as unchanged, pointing at ``previous``'s bytes. A transfer that breaks off lands
    nothing and raises ``SourceFetchError``; an answer other than 200/304 is landed (small error pages,
    for inspection) and raised.
    """
    shown = redact_url(url)
    headers = conditional_headers(previous)
    try:
        with session.get(url, headers=headers, stream=True) as response:
            status = response.status_code
            if status == 304 and previous is not None:
                log.info("%s: not modified since %s", shown, previous.fetched_at)
                return zone.record_not_modified(previous, url=shown)
            entry = zone.land_stream(
                source,
                key,
                response.iter_content(chunk_size=STREAM_CHUNK),
                url=shown,
                status=status,
                suffix=suffix,
                content_type=response.headers.get("Content-Type"),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except requests.RequestException as exc:
        raise SourceFetchError(f"{shown}: no usable answer ({type(exc).__name__}: {exc})") from exc
    if status != 200:
        raise SourceFetchError(
            f"{shown}: HTTP {status} (final answer after retries); its {entry.bytes}-byte body is kept in "
            f"landing at {entry.path}"
        )
    log.info("%s: %d bytes streamed into landing as %s", shown, entry.bytes, entry.path)
    return entry
