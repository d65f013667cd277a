"""A synthetic market in the sources' real formats, for ``make bench-scale`` (not part of the wheel).

    python -m tools.scale.make_market OUT_DIR --companies 5000
    python -m tools.scale.make_market OUT_DIR --companies 5000 --increment   # one more day, 50 filers changed

Writes, under OUT_DIR (a sample snapshot: ``AIGAP_SAMPLE_DIR=OUT_DIR``, ``AIGAP_UNIVERSE=OUT_DIR/universe.csv``):

- ``sec/Archives/edgar/daily-index/xbrl/companyfacts.zip``: one member ``CIK##########.json`` per synthetic
  filer, SEC's companyfacts structure, ~1 MB each (the facts of the bundled sample's filers, values scaled,
  plus filler concepts repeating their periods; real companyfacts hold hundreds of concepts the concept map
  does not use), 10-K/10-Q filers and some 20-F filers reporting in CNY;
- ``sec/Archives/edgar/daily-index/bulkdata/submissions.zip``: each filer's submissions document, and the
  older ``CIK##########-submissions-001.json`` page where the template has one;
- ``company_tickers.json`` (SEC's format) and ``universe.csv`` (today's full format) of those tickers,
  plus the bundled universe's non-SEC lines (Tencent, the benchmarks);
- ``prices/chart/<SYMBOL>.json``: Yahoo chart answers, daily bars since 2019-01-02 (the bundled sample's,
  splits included) carried on to the last weekday before today (read with ``AIGAP_PRICES_PROVIDER=yahoo``);
- ``fx/``: the bundled FRED series carried forward to that day; ``fedreg/``, ``hkex/``: the bundled sample's.

**Every value is synthetic**: company names say "(synthetic)", CIKs are 9,000,000 and up (no such filers),
tickers are ``Q#####``; everything lands with ``is_sample``. The export-control seeds are the repository's
real ones (dbt seeds), untouched.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
UNIVERSE = REPO / "ingestion" / "universe.csv"
FACTS_ZIP = "sec/Archives/edgar/daily-index/xbrl/companyfacts.zip"
SUBS_ZIP = "sec/Archives/edgar/daily-index/bulkdata/submissions.zip"
FIRST_DAY = date(2019, 1, 2)
CIK_BASE = 9_000_000
TARGET_BYTES = 1_000_000  # about the size of a large filer's companyfacts document
CHANGED = 50  # filers whose document changes in the increment
# Template filers (bundled sample, CIK -> share of the synthetic market): mostly 10-K/10-Q, some 20-F in CNY.
TEMPLATES = {
    "0000789019": 0.32,
    "0001652044": 0.32,
    "0001018724": 0.32,
    "0001577552": 0.02,
    "0001329099": 0.02,
}
_ACCN = re.compile(rb'"\d{10}-(\d{2}-\d{6})"')
_CIK10 = b"@@@@@@@@@@"  # placeholder of the filer's CIK in accession numbers (10 characters)


@dataclass(frozen=True)
class Template:
    cik10: str
    row: dict[str, str]  # its universe line
    facts: bytes  # companyfacts with placeholders
    subs: bytes
    page_name: str | None
    page: bytes | None


def _placeholders(body: bytes) -> bytes:
    return _ACCN.sub(b'"' + _CIK10 + rb'-\1"', body)


def _one_share_basis(doc: dict) -> None:
    """Every share count of a 20-F template at its latest value. The bundled BABA and BIDU share counts
    change basis at their ADS ratio changes, which the repository's ads_ratios seed pins by ticker; the
    synthetic tickers have no such row, so their counts are kept on one basis (and their bars carry no split)."""
    for taxonomy in doc["facts"].values():
        for concept in taxonomy.values():
            for unit, facts in concept["units"].items():
                if unit == "shares" and facts:
                    latest = max(facts, key=lambda f: (f["filed"], f["end"]))["val"]
                    for fact in facts:
                        fact["val"] = latest


def _template(cik10: str, row: dict[str, str], rng: random.Random) -> Template:
    doc = orjson.loads((SAMPLE / "sec" / "companyfacts" / f"CIK{cik10}.json").read_bytes())
    doc["cik"] = "@@CIKNUM@@"
    doc["entityName"] = "@@NAME@@"
    if row["reporting_currency"] != "USD":
        _one_share_basis(doc)
    gaap = doc["facts"]["us-gaap"]
    real = list(gaap.items())
    size = len(orjson.dumps(doc))
    k = 0
    while size < TARGET_BYTES:  # filler concepts: the periods of a real concept, other values
        name, concept = real[k % len(real)]
        k += 1
        units = {}
        for unit, facts in concept["units"].items():
            factor = rng.uniform(0.01, 0.5)
            units[unit] = [{**f, "val": round(f["val"] * factor)} for f in facts]
        filler = {
            "label": f"Synthetic filler {k:03d} (synthetic)",
            "description": "Synthetic filler concept of the scale benchmark; not a published figure.",
            "units": units,
        }
        gaap[f"AigapSyntheticFiller{k:03d}"] = filler
        size += len(orjson.dumps(filler)) + 30
    facts = _placeholders(orjson.dumps(doc)).replace(b'"@@CIKNUM@@"', b"@@CIKNUM@@")
    subs_doc = orjson.loads((SAMPLE / "sec" / "submissions" / f"CIK{cik10}.json").read_bytes())
    subs_doc.update(cik="@@CIKNUM@@", name="@@NAME@@", tickers=["@@TICKER@@"], formerNames=[])
    page_name, page = None, None
    files = subs_doc["filings"].get("files") or []
    if files:
        page_name = files[0]["name"]
        page = _placeholders((SAMPLE / "sec" / "submissions" / page_name).read_bytes())
        subs_doc["filings"]["files"] = [{**f, "name": "@@PAGE@@"} for f in files[:1]]
    subs = _placeholders(orjson.dumps(subs_doc))
    # one filer's accession numbers stay distinct once their agent prefix becomes the filer's CIK
    accns = re.findall(rb'"\d{10}-\d{2}-\d{6}"', orjson.dumps(doc))
    assert len(set(_ACCN.findall(b"".join(accns)))) == len(set(accns)), cik10
    return Template(cik10, row, facts, subs, page_name, page)


def templates(rng: random.Random) -> list[Template]:
    with open(UNIVERSE, newline="") as fh:
        rows = {r["cik"]: r for r in csv.DictReader(fh) if r["cik"]}
    return [_template(cik, rows[cik], rng) for cik in TEMPLATES]


def company(i: int) -> tuple[str, str, str]:
    """(CIK10, ticker, name) of synthetic filer i."""
    return f"{CIK_BASE + i:010d}", f"Q{i:05d}", f"Synthetic Filer {i:05d} (synthetic)"


def template_of(i: int, tpls: list[Template]) -> Template:
    weights = list(TEMPLATES.values())
    r = random.Random(i * 7919).random()
    acc = 0.0
    for tpl, w in zip(tpls, weights, strict=True):
        acc += w
        if r < acc:
            return tpl
    return tpls[-1]


def _fill(body: bytes, cik10: str, ticker: str, name: str) -> bytes:
    return (
        body.replace(_CIK10, cik10.encode())
        .replace(b"@@CIKNUM@@", str(int(cik10)).encode())
        .replace(b"@@NAME@@", name.encode())
        .replace(b"@@TICKER@@", ticker.encode())
        .replace(b"@@PAGE@@", f"CIK{cik10}-submissions-001.json".encode())
    )


def last_weekday(today: date) -> date:
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def weekdays(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def _extended_chart(path: Path, last: date, seed: int) -> bytes:
    """A sample Yahoo chart answer carried on past its snapshot day to ``last`` with a synthetic random walk
    (the adjusted/close ratio of its last bar kept: no split or dividend in the added days). Its
    ``meta.symbol`` becomes a placeholder filled per symbol. Yahoo's chart JSON is the price format the
    loader reads fastest (columnar arrays; ~10x the EODHD CSV's rate here)."""
    doc = orjson.loads(path.read_bytes())
    result = doc["chart"]["result"][0]
    stamps, quote = result["timestamp"], result["indicators"]["quote"][0]
    adjusted = result["indicators"]["adjclose"][0]["adjclose"]
    last_stamp = stamps[-1]
    first_day = datetime.fromtimestamp(last_stamp, UTC).date()  # 09:30 at the exchange: the same UTC day
    days = weekdays(first_day + timedelta(days=1), last)
    # one row of draws per day, so adding a day never changes the days before it
    draws = np.random.default_rng(seed).standard_normal((len(days), 5))
    close = float(quote["close"][-1])
    ratio = float(adjusted[-1]) / close
    closes = close * np.exp(np.cumsum(0.0003 + 0.015 * draws[:, 0]))
    opens = closes * (1 + 0.004 * draws[:, 1])
    highs = np.maximum(opens, closes) * (1 + np.abs(0.005 * draws[:, 2]))
    lows = np.minimum(opens, closes) * (1 - np.abs(0.005 * draws[:, 3]))
    volumes = (20_000_000 * np.exp(0.4 * draws[:, 4])).astype(np.int64)
    stamps += [last_stamp + (day - first_day).days * 86400 for day in days]
    for name, values in (("open", opens), ("high", highs), ("low", lows), ("close", closes)):
        quote[name] += [round(float(v), 4) for v in values]
    quote["volume"] += [int(v) for v in volumes]
    adjusted += [round(float(c) * ratio, 4) for c in closes]
    result["meta"]["regularMarketPrice"] = quote["close"][-1]
    result["meta"]["symbol"] = "@@SYMBOL@@"
    result["meta"]["aigapSample"] = (
        "SYNTHETIC scale market (aigap tools/scale/make_market.py), not Yahoo data"
    )
    return orjson.dumps(doc)


def _write_prices(out: Path, symbols: dict[str, str], last: date) -> None:
    """symbols: price symbol -> the bundled sample symbol whose history it takes (splits and dividends
    included, so share counts filed on either side of a split stay consistent with the closes)."""
    (out / "prices" / "chart").mkdir(parents=True, exist_ok=True)
    cache: dict[str, bytes] = {}
    for symbol, template in symbols.items():
        if template not in cache:
            cache[template] = _extended_chart(
                SAMPLE / "prices" / "chart" / f"{template}.json", last, len(cache) + 1
            )
        yahoo = symbol[:-3] if symbol.endswith(".US") else symbol  # ingestion.sources.yahoo.yahoo_symbol
        (out / "prices" / "chart" / f"{symbol}.json").write_bytes(
            cache[template].replace(b"@@SYMBOL@@", yahoo.encode())
        )


def _write_fx(out: Path, last: date) -> None:
    (out / "fx").mkdir(parents=True, exist_ok=True)
    for path in sorted((SAMPLE / "fx").glob("*.csv")):
        lines = path.read_text().splitlines()
        known = [ln for ln in lines[1:] if ln.split(",")[1]]
        prev = date.fromisoformat(lines[-1].split(",")[0])
        value = known[-1].split(",")[1]
        extra = [f"{d.isoformat()},{value}" for d in weekdays(prev + timedelta(days=1), last)]
        (out / "fx" / path.name).write_text("\n".join(lines + extra) + "\n")


def _zip(path: Path, members: Iterator[tuple[str, bytes]]) -> None:
    """Members are made one at a time as the writer asks for them, never all in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, body in members:
            zf.writestr(name, body)
    tmp.replace(path)


def _archives(out: Path, n: int, tpls: list[Template], changed: set[int]) -> None:
    def facts():
        for i in range(n):
            cik10, ticker, name = company(i)
            tpl = template_of(i, tpls)
            body = _fill(tpl.facts, cik10, ticker, name)
            if i in changed:  # a restatement: every value of the filer's first filler concept moves
                body = body.replace(b'"AigapSyntheticFiller001"', b'"AigapSyntheticFiller001r"', 1)
            yield f"CIK{cik10}.json", body

    def subs():
        for i in range(n):
            cik10, ticker, name = company(i)
            tpl = template_of(i, tpls)
            yield f"CIK{cik10}.json", _fill(tpl.subs, cik10, ticker, name)
            if tpl.page is not None:
                yield f"CIK{cik10}-submissions-001.json", _fill(tpl.page, cik10, ticker, name)

    _zip(out / FACTS_ZIP, facts())
    _zip(out / SUBS_ZIP, subs())


def generate(out: Path, n: int, *, increment: bool = False, today: date | None = None) -> dict:
    today = today or datetime.now(UTC).date()
    last = last_weekday(today)
    if increment:
        last = today if today.weekday() < 5 else last_weekday(today + timedelta(days=3))
    rng = random.Random(20221130)
    tpls = templates(rng)
    out.mkdir(parents=True, exist_ok=True)
    for folder in ("fedreg", "hkex"):
        shutil.copytree(SAMPLE / folder, out / folder, dirs_exist_ok=True)
    with open(UNIVERSE, newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        others = [r for r in reader if not r["cik"]]  # Tencent (HKEX) and the benchmarks
    rows, tickers = [], {}
    for i in range(n):
        cik10, ticker, name = company(i)
        tpl = template_of(i, tpls)
        row = {**tpl.row, "ticker": ticker, "name": name, "cik": cik10, "price_symbol": f"{ticker}.US"}
        rows.append(row | {"template": tpl.row["ticker"]})
        tickers[str(i)] = {"cik_str": int(cik10), "ticker": ticker, "title": name}
    with open(out / "universe.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows + others)
    (out / "company_tickers.json").write_bytes(orjson.dumps(tickers))
    changed = set(range(0, n, max(1, n // CHANGED))[:CHANGED])
    _archives(out, n, tpls, changed if increment else set())
    with open(UNIVERSE, newline="") as fh:
        sample_symbol = {r["ticker"]: r["price_symbol"] for r in csv.DictReader(fh)}
    # 20-F clones take a history without splits or ADS ratio changes (see _one_share_basis)
    symbols = {
        r["price_symbol"]: sample_symbol[r["template"]] if r["reporting_currency"] == "USD" else "MSFT.US"
        for r in rows
    }
    symbols |= {r["price_symbol"]: r["price_symbol"] for r in others}
    _write_prices(out, symbols, last)
    _write_fx(out, last)
    (out / "README.md").write_text(
        "# Synthetic market (tools/scale/make_market.py)\n\nEvery value here is synthetic, made for "
        "`make bench-scale`; nothing is a published figure of any company.\n"
    )
    return {"companies": n, "last_day": last.isoformat(), "changed": sorted(changed) if increment else []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--companies", type=int, default=5000)
    parser.add_argument("--increment", action="store_true", help="one more trading day, 50 filers changed")
    args = parser.parse_args()
    print(generate(args.out, args.companies, increment=args.increment))


if __name__ == "__main__":
    main()
