"""Which SEC path a run takes (AIGAP_SEC_MODE), and the scale generator's archives (tools/scale/)."""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import orjson

from ingestion.config import SEC_BULK_ABOVE, load_settings
from ingestion.landing import LandedFile
from ingestion.sources import sec, sec_bulk
from ingestion.universe import Listing
from tools.scale import make_market


def filers(n: int) -> list[Listing]:
    return [
        Listing(
            f"T{i}",
            f"T{i}",
            "company",
            "US",
            "US",
            f"{i + 1:010d}",
            "NYSE",
            "USD",
            "USD",
            12,
            f"T{i}.US",
            "sec",
        )
        for i in range(n)
    ]


def test_auto_takes_the_bulk_archives_above_fifty_filers(tmp_path: Path) -> None:
    auto = load_settings({"AIGAP_HOME": str(tmp_path)})
    assert not sec_bulk.use_bulk(auto, filers(SEC_BULK_ABOVE))
    assert sec_bulk.use_bulk(auto, filers(SEC_BULK_ABOVE + 1))
    # one CIK listed twice (two share classes) counts once
    assert not sec_bulk.use_bulk(auto, filers(SEC_BULK_ABOVE) + filers(1))
    forced = load_settings({"AIGAP_HOME": str(tmp_path), "AIGAP_SEC_MODE": "bulk"})
    assert sec_bulk.use_bulk(forced, filers(1))
    api = load_settings({"AIGAP_HOME": str(tmp_path), "AIGAP_SEC_MODE": "api"})
    assert not sec_bulk.use_bulk(api, filers(5000))


def test_the_scale_market_is_in_sec_formats_and_labelled_synthetic(tmp_path: Path) -> None:
    out = tmp_path / "market"
    info = make_market.generate(out, 3)
    with open(out / "universe.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["filer"] == "sec"]
    assert [r["ticker"] for r in rows] == ["Q00000", "Q00001", "Q00002"]
    assert all("(synthetic)" in r["name"] for r in rows)
    tickers = orjson.loads((out / "company_tickers.json").read_bytes())
    assert {t["ticker"]: f"{t['cik_str']:010d}" for t in tickers.values()} == {
        r["ticker"]: r["cik"] for r in rows
    }
    with zipfile.ZipFile(out / make_market.FACTS_ZIP) as zf:
        assert sorted(zf.namelist()) == sorted(f"CIK{r['cik']}.json" for r in rows)
        for r in rows:
            body = zf.read(f"CIK{r['cik']}.json")
            assert 0.9e6 < len(body) < 1.3e6  # about the size of a large filer's document
            entry = LandedFile("sec", f"companyfacts/CIK{r['cik']}", "u", 200, "2026-01-01", "0", 0, "p")
            facts = sec.parse(entry, body)["sec_companyfacts"]
            assert set(facts["cik"].to_pylist()) == {r["cik"]}
            # accession numbers are the filer's own (its CIK as prefix), so no two filers share one
            assert {a[:10] for a in facts["accession_number"].to_pylist()} == {r["cik"]}
    with zipfile.ZipFile(out / make_market.SUBS_ZIP) as zf:
        for r in rows:
            entry = LandedFile("sec", f"submissions/CIK{r['cik']}", "u", 200, "2026-01-01", "0", 0, "p")
            filings = sec.parse(entry, zf.read(f"CIK{r['cik']}.json"))["sec_filings"]
            assert filings.num_rows > 0 and {a[:10] for a in filings["accession_number"].to_pylist()} == {
                r["cik"]
            }
    chart = orjson.loads((out / "prices" / "chart" / "Q00000.US.json").read_bytes())["chart"]["result"][0]
    assert chart["meta"]["symbol"] == "Q00000"
    assert datetime.fromtimestamp(chart["timestamp"][-1], UTC).date().isoformat() == info["last_day"]


def test_the_increment_changes_fifty_members_and_adds_a_day(tmp_path: Path) -> None:
    out = tmp_path / "market"
    n = 120
    make_market.generate(out, n)
    with zipfile.ZipFile(out / make_market.FACTS_ZIP) as zf:
        before = {i.filename: i.CRC for i in zf.infolist()}
    bars_before = bars(out)
    info = make_market.generate(out, n, increment=True)
    with zipfile.ZipFile(out / make_market.FACTS_ZIP) as zf:
        after = {i.filename: i.CRC for i in zf.infolist()}
    changed = sorted(name for name in after if after[name] != before[name])
    assert len(changed) == make_market.CHANGED == len(info["changed"])
    bars_after = bars(out)
    assert bars_after[:-1] == bars_before and bars_after[-1][0] == info["last_day"]


def bars(out: Path) -> list[tuple]:
    """(day, open, high, low, close, volume, adjclose) of Q00000's chart answer."""
    result = orjson.loads((out / "prices" / "chart" / "Q00000.US.json").read_bytes())["chart"]["result"][0]
    q, adj = result["indicators"]["quote"][0], result["indicators"]["adjclose"][0]["adjclose"]
    days = [datetime.fromtimestamp(t, UTC).date().isoformat() for t in result["timestamp"]]
    return list(zip(days, q["open"], q["high"], q["low"], q["close"], q["volume"], adj, strict=True))
