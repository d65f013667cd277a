"""Benchmark of the SEC companyfacts parser: ``python bench/bench_sec_parse.py``.

Generates 200+ deterministic companyfacts documents of realistic size (real ones are 1-10 MB)
into ``.bench/sec`` (git-ignored; reused on the next run), parses each with ``sec.parse`` and writes
the Arrow tables into a DuckDB raw table the way the loader does, then prints throughput per core
and the peak resident memory. The target is >= 70 MB/s per core and < 1 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingestion.landing import LandedFile  # noqa: E402
from ingestion.sources import sec  # noqa: E402

BENCH_DIR = REPO / ".bench" / "sec"
TARGET_MB_PER_S = 70
TARGET_PEAK_MB = 1024
_FORMS = [("10-K", "FY"), ("10-Q", "Q1"), ("10-Q", "Q2"), ("10-Q", "Q3")]
_UNITS = ["USD"] * 8 + ["shares", "USD/shares"]


def _filings(rng: random.Random, years: range) -> list[dict]:
    """One annual and three quarterly filings per fiscal year, each with an accession number."""
    filings = []
    for fy in years:
        for i, (form, fp) in enumerate(_FORMS):
            month = 7 + 3 * i
            filed_year, filed_month = (fy, month) if month <= 12 else (fy + 1, month - 12)
            filings.append(
                {
                    "accn": f"{rng.randrange(10**10):010d}-{fy % 100:02d}-{rng.randrange(10**6):06d}",
                    "fy": fy,
                    "fp": fp,
                    "form": form,
                    "filed": f"{filed_year}-{filed_month:02d}-{rng.randint(1, 28):02d}",
                    "year": fy,
                }
            )
    return filings


def generate_companyfacts(cik: int, seed: int, target_bytes: int) -> bytes:
    """A synthetic document in SEC's exact companyfacts shape, about ``target_bytes`` long."""
    rng = random.Random(seed)
    filings = _filings(rng, range(2009, 2025))
    us_gaap: dict[str, dict] = {}
    doc = {
        "cik": cik,
        "entityName": f"BENCH COMPANY {cik}",
        "facts": {
            "dei": {
                "EntityCommonStockSharesOutstanding": {
                    "label": "Entity Common Stock, Shares Outstanding",
                    "description": "Indicate number of shares outstanding of each class of common stock.",
                    "units": {"shares": []},
                }
            },
            "us-gaap": us_gaap,
        },
    }
    dei_facts = doc["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"]
    for f in filings:
        dei_facts.append(
            {
                "end": f["filed"],
                "val": rng.randrange(10**9, 10**10),
                "accn": f["accn"],
                "fy": f["fy"],
                "fp": f["fp"],
                "form": f["form"],
                "filed": f["filed"],
            }
        )
    size = 600
    n = 0
    while size < target_bytes:
        n += 1
        name = f"BenchConcept{n:04d}Amount"
        instant = rng.random() < 0.35
        unit = rng.choice(_UNITS)
        facts = []
        for f in rng.sample(filings, rng.randint(8, len(filings))):
            y = f["year"]
            fact = {}
            if not instant:
                fact["start"] = f"{y - 1}-07-01"
            fact["end"] = f"{y}-06-30"
            fact["val"] = (
                rng.randrange(-(10**11), 10**12) if unit != "USD/shares" else round(rng.uniform(-5, 20), 2)
            )
            fact.update(accn=f["accn"], fy=f["fy"], fp=f["fp"], form=f["form"], filed=f["filed"])
            if rng.random() < 0.4:
                fact["frame"] = f"CY{y - 1}" + ("Q4I" if instant else "")
            facts.append(fact)
        body = {
            "label": f"Bench Concept {n} Amount",
            "description": "A synthetic concept for the benchmark; " + "lorem ipsum " * rng.randint(5, 25),
            "units": {unit: facts},
        }
        us_gaap[name] = body
        size += len(orjson.dumps(body)) + len(name) + 4
    return orjson.dumps(doc)


def ensure_files(n: int, directory: Path) -> list[Path]:
    """Write ``n`` documents of 2-4 MB (deterministic), reusing those already written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        cik = 1_000_000 + i
        path = directory / f"CIK{cik:010d}.json"
        if not path.exists():
            # Sizes spread over 2-4 MB like mid-size and large filers (real ones are 1-10 MB).
            body = generate_companyfacts(cik, seed=i, target_bytes=2_000_000 + (i * 7919) % 2_000_000)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.rename(path)
        paths.append(path)
    return paths


def _entry(path: Path, body_len: int) -> LandedFile:
    cik10 = path.stem[3:]
    return LandedFile(
        source=sec.SOURCE,
        key=f"companyfacts/CIK{cik10}",
        url=f"bench://{path.name}",
        status=200,
        fetched_at="2024-01-01T00:00:00.000000+00:00",
        sha256="0" * 64,
        bytes=body_len,
        path=str(path),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--no-duckdb", action="store_true", help="parse only, do not write into DuckDB")
    parser.add_argument("--check", action="store_true", help="exit 1 when below the targets")
    args = parser.parse_args()

    t0 = time.perf_counter()
    paths = ensure_files(args.files, BENCH_DIR / "companyfacts")
    print(f"inputs ready in {time.perf_counter() - t0:.1f}s ({BENCH_DIR / 'companyfacts'})")

    # pyarrow imports pandas on its first conversion (~1 s, once per process, not per file):
    # pay it before the clock starts, on the small test fixture.
    fixture = REPO / "tests" / "fixtures" / "sec" / "companyfacts" / "CIK0000789019.json"
    sec.parse(_entry(fixture, 0), fixture.read_bytes())

    # 1. Parse alone: the figure the target is about. Nothing else runs in the process, so the
    #    process CPU time is the parser's (per core: one thread does the work).
    total_bytes = rows = 0
    parse_cpu = parse_wall = 0.0
    for path in paths:
        body = path.read_bytes()  # reading is not parsing: keep disk time out of the figure
        c, w = time.process_time(), time.perf_counter()
        table = sec.parse(_entry(path, len(body)), body)["sec_companyfacts"]
        parse_cpu += time.process_time() - c
        parse_wall += time.perf_counter() - w
        total_bytes += len(body)
        rows += table.num_rows
        del body, table
    mb = total_bytes / 1e6
    rate = mb / parse_cpu
    parse_peak_mb = _peak_rss_mb()
    print(
        f"sec companyfacts parse: {len(paths)} files, {mb:.0f} MB, {rate:.0f} MB/s per core, "
        f"peak RSS {parse_peak_mb:.0f} MB"
    )
    print(f"  {rows:,} facts; cpu {parse_cpu:.1f}s, wall {parse_wall:.1f}s ({mb / parse_wall:.0f} MB/s)")

    # 2. Parse and write into DuckDB the way warehouse.load_landed does (lineage columns, then
    #    INSERT BY NAME), for the end-to-end figure; DuckDB's own threads count in the CPU time.
    if not args.no_duckdb:
        import duckdb

        from ingestion.warehouse import _with_lineage, ensure_schemas

        db_path = BENCH_DIR / "bench.duckdb"
        db_path.unlink(missing_ok=True)
        con = duckdb.connect(str(db_path))
        ensure_schemas(con)
        c, w = time.process_time(), time.perf_counter()
        for path in paths:
            body = path.read_bytes()
            entry = _entry(path, len(body))
            table = sec.parse(entry, body)["sec_companyfacts"]
            arrow = _with_lineage("sec_companyfacts", table, entry, datetime.now(UTC))  # noqa: F841
            con.execute("INSERT INTO raw.sec_companyfacts BY NAME SELECT * FROM arrow")
            del body, table, arrow
        load_cpu, load_wall = time.process_time() - c, time.perf_counter() - w
        loaded = con.execute("SELECT count(*) FROM raw.sec_companyfacts").fetchone()[0]
        con.close()
        db_path.unlink(missing_ok=True)
        if loaded != rows:
            raise SystemExit(f"raw.sec_companyfacts has {loaded:,} rows, parsed {rows:,}")
        print(
            f"  parse + DuckDB insert: {mb / load_cpu:.0f} MB/s per core (cpu {load_cpu:.1f}s, "
            f"wall {load_wall:.1f}s), {loaded:,} rows in raw.sec_companyfacts, peak RSS {_peak_rss_mb():.0f} MB"
        )

    met = rate >= TARGET_MB_PER_S and _peak_rss_mb() < TARGET_PEAK_MB
    print(
        f"  targets: >= {TARGET_MB_PER_S} MB/s per core and < {TARGET_PEAK_MB} MB peak: "
        + ("met" if met else "NOT met (other work on the machine lowers the rate: rerun when it is idle)")
    )
    if args.check and not met:
        raise SystemExit(1)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


if __name__ == "__main__":
    main()
