"""The immutable landing zone: bytes exactly as fetched, plus an append-only manifest.

Layout under ``<AIGAP_HOME>/landing``::

    <source>/<sha256[:2]>/<sha256><suffix>   the body, written once, then made read-only
    _manifest/<source>.jsonl                 one line per fetch, never rewritten

A source renamed since (SEC's landed in ``filings/`` until December 2026, now in ``sec/``) keeps
what it landed where it is: :data:`FORMER_NAMES` lists the old folder, whose manifest is read as
the first part of the new name's history (its lines keep their paths), and is never written again.

The same bytes fetched twice are stored once (the file name is their sha256) but each fetch
keeps its manifest line, so the history of what was asked and answered is complete. A file
whose bytes no longer match its manifest is reported by :meth:`LandingZone.read`; nothing here
deletes or rewrites a landed file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import orjson

# source -> the names its landing folder had before, oldest first. Their manifest lines are read as
# this source's (older than any line of its own folder); their bytes stay where they landed.
FORMER_NAMES: dict[str, tuple[str, ...]] = {"sec": ("filings",)}


def names_of(source: str) -> tuple[str, ...]:
    """Every name the source's landing folder has had, oldest first, its current name last."""
    return (*FORMER_NAMES.get(source, ()), source)


class LandingIntegrityError(RuntimeError):
    """A landed file is missing or its bytes no longer match the sha256 in its manifest."""


@dataclass(frozen=True)
class LandedFile:
    """One manifest line: what was fetched, when, and where its bytes are kept."""

    source: str
    key: str  # the logical document, e.g. "companyfacts/CIK0000789019"
    url: str
    status: int
    fetched_at: str  # ISO 8601, UTC
    sha256: str
    bytes: int
    path: str  # relative to the landing root
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    is_sample: bool = False
    stored: bool = True  # False when identical bytes were already in landing

    @property
    def fetched_date(self) -> str:
        return self.fetched_at[:10]


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


STREAM_CHUNK = 1 << 20  # bytes read or written at a time when a body is streamed (multi-GB archives)


def sha256_of_file(path: Path) -> str:
    """The sha256 of a file read in chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(STREAM_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class LandingZone:
    def __init__(self, root: Path):
        self.root = Path(root)

    # -- writing -----------------------------------------------------------------------
    def land(
        self,
        source: str,
        key: str,
        body: bytes,
        *,
        url: str,
        status: int = 200,
        suffix: str = ".json",
        content_type: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        is_sample: bool = False,
        fetched_at: str | None = None,
    ) -> LandedFile:
        """Keep ``body`` and append its manifest line. Returns that line."""
        digest = sha256_hex(body)
        rel = Path(source) / digest[:2] / f"{digest}{suffix}"
        stored = self._write_once(self.root / rel, body)
        return self._record(
            source, key, digest, len(body), rel, stored,
            url=url, status=status, content_type=content_type, etag=etag,
            last_modified=last_modified, is_sample=is_sample, fetched_at=fetched_at,
        )  # fmt: skip

    def _record(
        self, source: str, key: str, sha256: str, size: int, rel: Path, stored: bool, *, fetched_at: str | None,
        **meta,
    ) -> LandedFile:  # fmt: skip
        """The manifest line of bytes just kept (by :meth:`land` or :meth:`land_stream`), appended."""
        entry = LandedFile(
            source=source,
            key=key,
            fetched_at=fetched_at or utc_now_iso(),
            sha256=sha256,
            bytes=size,
            path=rel.as_posix(),
            stored=stored,
            **meta,
        )
        self._append_manifest(entry)
        return entry

    def land_stream(
        self,
        source: str,
        key: str,
        chunks: Iterable[bytes],
        *,
        url: str,
        status: int = 200,
        suffix: str,
        content_type: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        is_sample: bool = False,
        fetched_at: str | None = None,
    ) -> LandedFile:
        """Like :meth:`land` for a body too big to hold in memory (SEC's multi-GB bulk archives).

        The chunks are written to a temp file in the source's folder while their sha256 is computed,
        then the file is named by that hash (or dropped when those bytes are already landed). A
        failure while reading the chunks (a broken download) lands nothing and leaves no temp file.
        """
        # A folder of its own, at the depth remove_orphaned_temp_files looks at.
        folder = self.root / source / "_incoming"
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".landing-")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    if chunk:
                        digest.update(chunk)
                        fh.write(chunk)
                        size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            rel = Path(source) / sha[:2] / f"{sha}{suffix}"
            target = self.root / rel
            stored = False
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp, 0o444)
                try:
                    os.link(tmp, target)
                    stored = True
                except FileExistsError:
                    pass
        finally:
            os.unlink(tmp)
        return self._record(
            source, key, sha, size, rel, stored,
            url=url, status=status, content_type=content_type, etag=etag,
            last_modified=last_modified, is_sample=is_sample, fetched_at=fetched_at,
        )  # fmt: skip

    def land_file(self, source: str, key: str, path: Path, **kwargs) -> LandedFile:
        """Land a local file (a sample snapshot's archive) by streaming it: see :meth:`land_stream`."""
        with open(path, "rb") as fh:
            return self.land_stream(source, key, iter(lambda: fh.read(STREAM_CHUNK), b""), **kwargs)

    def record_not_modified(
        self, previous: LandedFile, *, url: str, fetched_at: str | None = None
    ) -> LandedFile:
        """A 304 answer: the document is unchanged, so the new line points at the old bytes."""
        entry = LandedFile(
            **{
                **asdict(previous),
                "url": url,
                "status": 304,
                "fetched_at": fetched_at or utc_now_iso(),
                "stored": False,
            }
        )
        self._append_manifest(entry)
        return entry

    def _write_once(self, target: Path, body: bytes) -> bool:
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".landing-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            # link() fails if another writer got there first: the bytes are the same either way.
            try:
                os.link(tmp, target)
            except FileExistsError:
                return False
            return True
        finally:
            os.unlink(tmp)

    def remove_orphaned_temp_files(self) -> list[Path]:
        """Remove the temp copies of writers killed between writing a file and naming it by its hash.

        Only for the holder of the run lock, when no one else can be writing. The document itself is
        landed again by the run that follows (its bytes were never named, nor put in a manifest).
        """
        orphans = sorted(self.root.glob("*/*/.landing-*"))
        for path in orphans:
            path.unlink(missing_ok=True)
        return orphans

    def _manifest_path(self, source: str) -> Path:
        return self.root / "_manifest" / f"{source}.jsonl"

    def _append_manifest(self, entry: LandedFile) -> None:
        path = self._manifest_path(entry.source)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = orjson.dumps(asdict(entry)) + b"\n"
        with open(path, "ab") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- reading -----------------------------------------------------------------------
    def manifest(self, source: str) -> Iterator[LandedFile]:
        """Every manifest line of the source in the order written, those of its former names
        (:data:`FORMER_NAMES`) first, each read as the source's (its ``path`` unchanged)."""
        for name in names_of(source):
            path = self._manifest_path(name)
            if not path.exists():
                continue
            with open(path, "rb") as fh:
                for lineno, line in enumerate(fh, start=1):
                    if not line.strip():
                        continue
                    try:
                        entry = LandedFile(**orjson.loads(line))
                    except (orjson.JSONDecodeError, TypeError) as exc:
                        raise LandingIntegrityError(
                            f"{path}:{lineno}: unreadable manifest line ({exc})"
                        ) from exc
                    yield entry if entry.source == source else replace(entry, source=source)

    def latest(self, source: str, *, status_ok_only: bool = True) -> dict[str, LandedFile]:
        """The newest manifest line per key (only 200/304 answers unless told otherwise)."""
        latest: dict[str, LandedFile] = {}
        for entry in self.manifest(source):
            if status_ok_only and entry.status not in (200, 304):
                continue
            latest[entry.key] = entry
        return latest

    def path_of(self, entry: LandedFile) -> Path:
        return self.root / entry.path

    def verify(self, entry: LandedFile) -> Path:
        """The landed file's path, after checking its bytes by streaming them (for files too big for
        :meth:`read`); raises LandingIntegrityError as :meth:`read` does."""
        path = self.path_of(entry)
        if not path.is_file():
            raise LandingIntegrityError(f"{path}: landed file is missing (manifest key {entry.key})")
        actual = sha256_of_file(path)
        if actual != entry.sha256:
            raise LandingIntegrityError(
                f"{path}: bytes changed on disk after landing (manifest sha256 {entry.sha256[:12]}…, "
                f"now {actual[:12]}…); the file is left as it is for inspection"
            )
        return path

    def read(self, entry: LandedFile) -> bytes:
        """The landed bytes, after checking they are still the bytes the manifest names."""
        path = self.path_of(entry)
        try:
            body = path.read_bytes()
        except FileNotFoundError as exc:
            raise LandingIntegrityError(f"{path}: landed file is missing (manifest key {entry.key})") from exc
        actual = sha256_hex(body)
        if actual != entry.sha256:
            raise LandingIntegrityError(
                f"{path}: bytes changed on disk after landing (manifest sha256 {entry.sha256[:12]}…, "
                f"now {actual[:12]}…); the file is left as it is for inspection"
            )
        return body
