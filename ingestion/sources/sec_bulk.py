"""SEC's nightly bulk archives: every filer's companyfacts and submissions in two zip files.

Above ~50 SEC filers a run asks for two archives instead of two documents per company
(``AIGAP_SEC_MODE``: ``api``, ``bulk`` or ``auto``, the default, which is bulk above
``config.SEC_BULK_ABOVE`` filers):

- ``{AIGAP_SEC_ARCHIVES_BASE_URL}/Archives/edgar/daily-index/xbrl/companyfacts.zip`` -> landing key
  ``bulk/companyfacts.zip``: one member ``CIK##########.json`` per filer, the companyfacts document;
- ``.../Archives/edgar/daily-index/bulkdata/submissions.zip`` -> ``bulk/submissions.zip``: one member
  ``CIK##########.json`` per filer (filings.recent) plus ``CIK##########-submissions-001.json`` ... the
  older pages.

Each archive is asked conditionally (ETag / Last-Modified of the last good version), streamed to disk
and landed once per version (the landing zone names it by its sha256; never the whole archive in
memory). In sample mode the snapshot keeps them at the same paths under ``<sample_dir>/sec/``.

Loading reads only the members of universe companies whose CRC-32 differs from the one last loaded
(``audit.sec_bulk_members``: archive, member, CRC, the archive version it came from, status). Each
member goes through the same parser as in api mode (``sec.parse`` under the key api mode uses,
``companyfacts/CIK##########`` or ``submissions/CIK##########``) into the same raw tables, so a
company's rows are replaced the same way whichever mode landed them; lineage names the archive
and member (``source_file`` = ``<archive path>!<member>``, ``sha256`` = the archive's).

Bad input (docs/bad_inputs.md): an archive that is not a readable zip (cut short) is quarantined in
``quarantine.landing_files`` with its reason and the previous good version is loaded instead (raw
keeps what it had); a member that is not JSON, or whose CIK is not the one its name says, is
quarantined alone (that company keeps its previous rows; the others load).

Filing instances (company extension concepts) are still fetched per filing: the extension filers'
submissions and older pages are read from the landed submissions.zip (the pages landed as their own
``submissions-page/...`` keys, as api mode lands them).
"""

from __future__ import annotations

import logging
import re
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.config import SEC_BULK_ABOVE, Settings
from ingestion.errors import BadSourceFile, SourceFetchError
from ingestion.http import fetch_stream_to_landing, make_session
from ingestion.landing import LandedFile, LandingIntegrityError, LandingZone, names_of
from ingestion.raw_loader import (
    LoadReport,
    _insert_checked,
    _judged_against_another_universe,
    _loaded_versions,
    _record_row_rules,
    _with_lineage,
    _with_universe,
    ensure_schemas,
    load_landed,
)
from ingestion.sources import sec, sec_instances
from ingestion.universe import Listing

log = logging.getLogger(__name__)

SOURCE = sec.SOURCE


@dataclass(frozen=True)
class Archive:
    kind: str  # "companyfacts" | "submissions": the api-mode key prefix its members load under
    key: str  # landing key
    path: str  # under the archives base URL, and under <sample_dir>/sec/ in sample mode


ARCHIVES = {
    a.kind: a
    for a in (
        Archive("companyfacts", "bulk/companyfacts.zip", "Archives/edgar/daily-index/xbrl/companyfacts.zip"),
        Archive("submissions", "bulk/submissions.zip", "Archives/edgar/daily-index/bulkdata/submissions.zip"),
    )
}
MEMBER = re.compile(r"^CIK(\d{10})\.json$")
MEMBERS_DDL = """
CREATE TABLE IF NOT EXISTS audit.sec_bulk_members (
    archive VARCHAR, member VARCHAR, cik VARCHAR, crc32 BIGINT, file_size BIGINT,
    archive_sha256 VARCHAR, source_file VARCHAR, status VARCHAR, reason VARCHAR,
    run_id VARCHAR, loaded_at TIMESTAMPTZ
)"""
_MEMBERS_SCHEMA = pa.schema(
    [("archive", pa.string()), ("member", pa.string()), ("cik", pa.string()), ("crc32", pa.int64()),
     ("file_size", pa.int64()), ("archive_sha256", pa.string()), ("source_file", pa.string()),
     ("status", pa.string()), ("reason", pa.string()), ("run_id", pa.string()),
     ("loaded_at", pa.timestamp("us", tz="UTC"))]
)  # fmt: skip
# Rows of parsed members gathered before one insert: few big inserts, not one per company.
BATCH_ROWS = 500_000
PARSE_AHEAD = 4  # members parsed ahead on a second thread while the previous batch is inserted


def use_bulk(settings: Settings, listings: list[Listing]) -> bool:
    """Whether this run takes SEC's bulk archives (AIGAP_SEC_MODE; auto: above SEC_BULK_ABOVE filers)."""
    if settings.sec_mode == "auto":
        return len(sec.sec_listings(listings)) > SEC_BULK_ABOVE
    return settings.sec_mode == "bulk"


def _open(path: Path) -> zipfile.ZipFile:
    """The archive, with its central directory read (a file cut short has none: BadZipFile)."""
    return zipfile.ZipFile(path)


def _good_versions(zone: LandingZone, archive: Archive, *, is_sample: bool) -> Iterator[LandedFile]:
    """Landed versions of the archive, newest first, each sha256 once (200 and 304 answers)."""
    seen: set[str] = set()
    entries = [
        e
        for e in zone.manifest(SOURCE)
        if e.key == archive.key and e.status in (200, 304) and e.is_sample == is_sample
    ]
    for entry in reversed(entries):
        if entry.sha256 not in seen:
            seen.add(entry.sha256)
            yield entry


def last_good(zone: LandingZone, archive: Archive, *, is_sample: bool) -> LandedFile | None:
    """The newest landed version that opens as a zip: what a conditional request asks about, so an
    archive cut short is fetched again instead of being answered 304 forever."""
    for entry in _good_versions(zone, archive, is_sample=is_sample):
        try:
            _open(zone.path_of(entry)).close()
            return entry
        except (zipfile.BadZipFile, OSError):
            continue
    return None


# -- landing ---------------------------------------------------------------------------------


def land_sample(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    """Api mode (sec.land_sample) or the snapshot's two archives, streamed into landing as sample."""
    if not use_bulk(settings, listings):
        return sec.land_sample(settings, zone, listings)
    landed = []
    for archive in ARCHIVES.values():
        path = settings.sample_dir / "sec" / archive.path
        if not path.is_file():
            raise FileNotFoundError(
                f"SEC bulk mode (AIGAP_SEC_MODE={settings.sec_mode}, {len(sec.sec_listings(listings))} "
                f"SEC filers) in sample mode: the snapshot has no {path}"
            )
        landed.append(
            zone.land_file(
                SOURCE,
                archive.key,
                path,
                url=f"sample://sec/{archive.path}",
                suffix=".zip",
                content_type="application/zip",
                is_sample=True,
            )  # fmt: skip
        )
    submissions_of, pages = _from_submissions_zip(zone, is_sample=True)
    for listing, recent, names in sec._extension_filers(
        listings, zone, sample=True, submissions_of=submissions_of
    ):
        found = pages(listing, names)
        tables = [recent] + [t for _, t in found]
        landed += [e for e, _ in found]
        landed += sec_instances.land_sample(
            settings, zone, sec_instances.filings_with_instances(pa.concat_tables(tables))
        )
    return landed


def land_live(settings: Settings, zone: LandingZone, listings: list[Listing]) -> list[LandedFile]:
    """Api mode (sec.land_live) or both archives fetched conditionally, at SEC's rate, streamed to disk."""
    if not use_bulk(settings, listings):
        return sec.land_live(settings, zone, listings)
    user_agent = sec.check_user_agent(settings.sec_user_agent)
    base = settings.sec_archives_base_url
    landed: list[LandedFile] = []
    failures: list[str] = []
    with (
        make_session(
            user_agent=user_agent, per_second=sec.MAX_REQUESTS_PER_SECOND, retries=sec.RETRIES,
            backoff=sec.BACKOFF,
        ) as session,
        ThreadPoolExecutor(max_workers=sec.WORKERS, thread_name_prefix="sec-fetch") as pool,
    ):  # fmt: skip
        for archive in ARCHIVES.values():
            try:
                landed.append(
                    fetch_stream_to_landing(
                        session,
                        zone,
                        source=SOURCE,
                        key=archive.key,
                        url=f"{base}/{archive.path}",
                        suffix=".zip",
                        previous=last_good(zone, archive, is_sample=False),
                    )  # fmt: skip
                )
            except SourceFetchError as exc:
                log.error("%s", exc)
                failures.append(str(exc))
        submissions_of, pages = _from_submissions_zip(zone, is_sample=False)
        planned = []
        for listing, recent, names in sec._extension_filers(
            listings, zone, sample=False, submissions_of=submissions_of
        ):
            found = pages(listing, names)
            landed += [e for e, _ in found]
            planned += sec_instances.filings_with_instances(
                pa.concat_tables([recent] + [t for _, t in found])
            )
        more, failed = sec_instances.land_live(session, zone, base, planned, pool, zone.latest(SOURCE))
        landed += more
        failures += failed
    if failures:
        raise SourceFetchError(
            f"SEC bulk: {len(failures)} archive(s) or filing(s) failed: " + "; ".join(failures)
        )
    return landed


def _from_submissions_zip(zone: LandingZone, *, is_sample: bool):
    """Readers of the newest good submissions.zip: a company's submissions document, and its older
    pages (landed under their api-mode keys ``submissions-page/CIK##########/<name>``)."""
    archive = ARCHIVES["submissions"]
    entry = last_good(zone, archive, is_sample=is_sample)
    zf = _open(zone.path_of(entry)) if entry is not None else None
    names = set(zf.namelist()) if zf is not None else set()

    def submissions_of(listing: Listing) -> tuple[bytes, str] | None:
        member = f"CIK{listing.cik10}.json"
        if zf is None or member not in names:
            return None
        return zf.read(member), f"{entry.path}!{member}"

    def pages(listing: Listing, wanted: list[str]) -> list[tuple[LandedFile, pa.Table]]:
        out = []
        for name in wanted:
            if zf is None or name not in names:
                log.warning("submissions.zip has no page %s for %s", name, listing.ticker)
                continue
            page = zone.land(
                SOURCE, f"submissions-page/CIK{listing.cik10}/{name}", zf.read(name),
                url=f"{entry.url}#{name}", suffix=".json", content_type="application/json", is_sample=is_sample,
            )  # fmt: skip
            try:
                out.append(
                    (page, sec.parse_submissions_page(zone.read(page), page.path, listing.cik10 or ""))
                )
            except BadSourceFile as exc:  # the loader quarantines that page and says why
                log.warning("%s: %s", listing.ticker, exc)
        return out

    return submissions_of, pages


# -- loading ---------------------------------------------------------------------------------


def load(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    settings: Settings,
    listings: list[Listing],
    *,
    run_id: str = "",
    keys: set[str] | None = None,
) -> LoadReport:
    """Load SEC filings into raw: api mode's documents, or bulk mode's changed archive members."""
    tables = list(sec.RAW_TABLES)
    latest = zone.latest(SOURCE)
    if not use_bulk(settings, listings):
        wanted = {k for k in latest if not k.startswith("bulk/") and (keys is None or k in keys)}
        return load_landed(con, zone, SOURCE, sec.parse, tables, run_id=run_id, keys=wanted)
    # pages and filing instances are landed one per key, as in api mode
    per_key = {
        k
        for k in latest
        if (k.startswith("submissions-page/") or sec_instances.KEY.match(k)) and (keys is None or k in keys)
    }
    report = load_landed(con, zone, SOURCE, sec.parse, tables, run_id=run_id, keys=per_key)
    ciks = [x.cik10 for x in sec.sec_listings(listings) if x.cik10]
    if keys is not None:
        ciks = [c for c in ciks if any(k.endswith(f"/CIK{c}") for k in keys)]
    archives = LoadReport(source=SOURCE)
    for archive in ARCHIVES.values():
        load_archive(
            con, zone, archive, ciks, archives, run_id=run_id, is_sample=settings.is_sample(sec.DOMAIN)
        )
    _record_row_rules(con, archives, tables, run_id)
    log.info(archives.summary())
    report.merge(archives)
    return report


def _quarantine_file(
    con: duckdb.DuckDBPyConnection, entry: LandedFile, source_file: str, url: str, reason: str, run_id: str
) -> None:
    con.execute(
        "INSERT INTO quarantine.landing_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [entry.source, entry.key, source_file, entry.sha256, url, reason, run_id, datetime.now(UTC)],
    )


def _open_newest_good(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    archive: Archive,
    report: LoadReport,
    *,
    run_id: str,
    is_sample: bool,
) -> tuple[LandedFile, zipfile.ZipFile] | None:
    """The newest landed version whose bytes are intact and open as a zip; the newer ones are refused
    (quarantined once, with the reason) and the previous good version is used instead."""
    known_bad = {
        sha
        for (sha,) in con.execute(
            "SELECT DISTINCT sha256 FROM quarantine.landing_files "
            "WHERE list_contains(?, source) AND source_key = ?",
            [list(names_of(SOURCE)), archive.key],  # refused under the folder's former name too
        ).fetchall()
    }
    for entry in _good_versions(zone, archive, is_sample=is_sample):
        try:
            return entry, _open(zone.verify(entry))
        except (zipfile.BadZipFile, LandingIntegrityError, OSError) as exc:
            reason = (
                str(exc)
                if isinstance(exc, LandingIntegrityError)
                else f"not a readable zip archive ({exc}): cut short or not a zip; the previous good "
                f"version of {archive.key} is loaded instead"
            )
            log.error("rejected %s (%s): %s", entry.path, archive.key, reason)
            report.rejected.append((entry.path, reason))
            if entry.sha256 not in known_bad:
                _quarantine_file(con, entry, entry.path, entry.url, reason, run_id)
                known_bad.add(entry.sha256)
    return None


@dataclass
class _Parsed:
    cik10: str
    info: zipfile.ZipInfo
    entry: LandedFile  # the member as a landed file: api-mode key, path <archive>!<member>
    tables: dict[str, pa.Table] | None
    reason: str | None


def _parse_member(zf: zipfile.ZipFile, archive: Archive, entry: LandedFile, info: zipfile.ZipInfo) -> _Parsed:
    cik10 = MEMBER.match(info.filename)[1]  # type: ignore[index]
    member = replace(entry, key=f"{archive.kind}/CIK{cik10}", path=f"{entry.path}!{info.filename}")
    try:
        body = zf.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # a damaged member (bad CRC, bad deflate)
        return _Parsed(
            cik10, info, member, None, f"member {info.filename} cannot be read from the archive ({exc})"
        )
    try:
        return _Parsed(cik10, info, member, sec.parse(member, body), None)
    except BadSourceFile as exc:
        return _Parsed(cik10, info, member, None, exc.reason)


def load_archive(
    con: duckdb.DuckDBPyConnection,
    zone: LandingZone,
    archive: Archive,
    ciks: list[str],
    report: LoadReport,
    *,
    run_id: str = "",
    is_sample: bool = False,
) -> None:
    """Load the members of ``ciks`` whose CRC changed since they were last loaded from ``archive``."""
    ensure_schemas(con)
    con.execute(MEMBERS_DDL)
    opened = _open_newest_good(con, zone, archive, report, run_id=run_id, is_sample=is_sample)
    if opened is None:
        log.warning("%s: no good version landed, nothing loaded from it", archive.key)
        return
    entry, zf = opened
    tables = list(sec.RAW_TABLES)
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        last = {
            member: (crc, sha, status)
            for member, crc, sha, status in con.execute(
                "SELECT member, crc32, archive_sha256, status FROM audit.sec_bulk_members WHERE archive = ?",
                [archive.key],
            ).fetchall()
        }
        with_universe = _with_universe(con, SOURCE, tables)
        try:
            loaded = _loaded_versions(con, tables, with_universe=with_universe)
            stale = (
                set().union(*(_judged_against_another_universe(con, t) for t in tables))
                if with_universe
                else set()
            )
            todo: list[zipfile.ZipInfo] = []
            for cik10 in ciks:
                name = f"CIK{cik10}.json"
                info = infos.get(name)
                if info is None:
                    log.warning(
                        "%s (%s) has no member %s: CIK %s not loaded from it",
                        entry.path,
                        archive.key,
                        name,
                        cik10,
                    )
                    report.rejected.append((f"{entry.path}!{name}", f"no member {name} in {archive.key}"))
                    continue
                key = f"{archive.kind}/CIK{cik10}"
                previous = last.get(name)
                if previous is not None and previous[0] == info.CRC and key not in stale:
                    crc, sha, status = previous
                    if status == "quarantined" or (key, sha) in loaded:
                        report.unchanged.append(key)
                        continue
                todo.append(info)
            todo.sort(key=lambda i: i.header_offset)  # read the archive front to back
            log.info(
                "%s: %d universe member(s) to load, %d unchanged since last loaded",
                archive.key, len(todo), len(report.unchanged),
            )  # fmt: skip
            _load_members(con, zf, archive, entry, todo, report, run_id, with_universe)
        finally:
            if with_universe:
                con.execute("DROP VIEW IF EXISTS _universe")


def _load_members(
    con: duckdb.DuckDBPyConnection,
    zf: zipfile.ZipFile,
    archive: Archive,
    entry: LandedFile,
    todo: list[zipfile.ZipInfo],
    report: LoadReport,
    run_id: str,
    with_universe: bool,
) -> None:
    """Parse members on a second thread (PARSE_AHEAD ahead) while batches of them are inserted."""
    at = datetime.now(UTC)
    batch: list[_Parsed] = []
    rows = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sec-bulk-parse") as pool:
        pending: list[Future[_Parsed]] = []
        queue = iter(todo)
        for info in queue:
            pending.append(pool.submit(_parse_member, zf, archive, entry, info))
            if len(pending) >= PARSE_AHEAD:
                break
        while pending:
            parsed = pending.pop(0).result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(pool.submit(_parse_member, zf, archive, entry, nxt))
            batch.append(parsed)
            rows += sum(t.num_rows for t in (parsed.tables or {}).values())
            if rows >= BATCH_ROWS:
                _insert_batch(con, batch, archive, entry, report, run_id, with_universe, at)
                batch, rows = [], 0
    if batch:
        _insert_batch(con, batch, archive, entry, report, run_id, with_universe, at)


def _insert_batch(
    con: duckdb.DuckDBPyConnection,
    batch: list[_Parsed],
    archive: Archive,
    entry: LandedFile,
    report: LoadReport,
    run_id: str,
    with_universe: bool,
    at: datetime,
) -> None:
    """One transaction: the good members' rows replace their companies' rows (raw and quarantine), the
    bad members are quarantined (their companies keep their rows), and the CRC of each is recorded."""
    tables = list(sec.RAW_TABLES)
    good = [p for p in batch if p.tables is not None]
    keys = [p.entry.key for p in good]
    gathered: dict[str, list[pa.Table]] = {}
    for p in good:
        for table, data in (p.tables or {}).items():
            if table not in tables:
                raise ValueError(f"parser for {SOURCE} returned rows for raw.{table}, not one of {tables}")
            gathered.setdefault(table, []).append(_with_lineage(table, data, p.entry, at))
    con.execute("BEGIN TRANSACTION")
    try:
        if keys:
            for table in tables:
                for schema in ("raw", "quarantine"):
                    con.execute(
                        f"DELETE FROM {schema}.{table} WHERE source_key IN (SELECT unnest(?))", [keys]
                    )
        for table, parts in gathered.items():
            good_rows, bad_rows, by_rule = _insert_checked(
                con,
                table,
                pa.concat_tables(parts),
                with_universe=with_universe,
                run_id=run_id,
                quarantined_at=at,
            )
            report.rows[table] = report.rows.get(table, 0) + good_rows
            report.quarantined[table] = report.quarantined.get(table, 0) + bad_rows
            merged = report.quarantined_by_rule.setdefault(table, {})
            for rule, n in by_rule.items():
                merged[rule] = merged.get(rule, 0) + n
        members = []
        for p in batch:
            status = "loaded" if p.tables is not None else "quarantined"
            if p.reason is not None:
                log.error("rejected %s (%s): %s", p.entry.path, p.entry.key, p.reason)
                report.rejected.append((p.entry.path, p.reason))
                _quarantine_file(con, entry, p.entry.path, f"{entry.url}#{p.info.filename}", p.reason, run_id)
            else:
                report.loaded.append(p.entry.key)
            members.append(
                dict(zip(_MEMBERS_SCHEMA.names, (
                    archive.key, p.info.filename, p.cik10, p.info.CRC, p.info.file_size, entry.sha256,
                    p.entry.path, status, p.reason, run_id, at,
                ), strict=True))
            )  # fmt: skip
        con.execute(
            "DELETE FROM audit.sec_bulk_members WHERE archive = ? AND member IN (SELECT unnest(?))",
            [archive.key, [m["member"] for m in members]],
        )
        con.register("_members", pa.Table.from_pylist(members, schema=_MEMBERS_SCHEMA))
        try:
            con.execute("INSERT INTO audit.sec_bulk_members SELECT * FROM _members")
        finally:
            con.unregister("_members")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
