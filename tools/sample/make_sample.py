"""Generate the bundled offline sample: SYNTHETIC numbers in each source's exact live format.

Run ``python -m tools.sample.make_sample`` (``make sample``, or ``python -m tools.sample``); it (re)writes
``data/sample/``, one module per source (``sec.py``, ``hkex.py``, ``prices.py``, ``fx.py``, ``fedreg.py``)
on the shared seed, calendars and writing helpers of ``common.py``. The output is
deterministic: every random draw comes from ``random.Random`` seeded with a fixed string per section, no
clock is read, and JSON is written with a fixed key order, so re-running gives byte-identical files.

What is written (see ``data/sample/README.md`` for what is synthetic and what is not):

- ``sec/companyfacts/CIK##########.json`` and ``sec/submissions/CIK##########.json`` (SEC EDGAR shapes)
  for MSFT, GOOGL, AMZN (10-K/10-Q) and BABA, BIDU (20-F, annual only, CNY), and for AMZN each filing's
  EDGAR archive folder ``sec/Archives/edgar/data/<cik>/<accession>/`` (``index.json`` + XBRL instance);
- ``hkex/tencent_annual.csv`` (the raw.hkex_fundamentals columns) for Tencent;
- ``prices/eod/<SYMBOL>.csv``, ``prices/splits/<SYMBOL>.json``, ``prices/div/<SYMBOL>.json`` (EODHD);
- ``prices/chart/<SYMBOL>.json``: the same bars and events as Yahoo's chart answer fetched at the end of
  the snapshot (closes divided by every split, events keyed by epoch), for AIGAP_PRICES_PROVIDER=yahoo;
- ``fx/DEXCHUS.csv``, ``fx/DEXHKUS.csv`` (FRED fredgraph CSV);
- ``fedreg/documents-page-000N.json`` (Federal Register API pages, agency BIS).

Prices, fundamentals and FX rates follow random walks pinned to rough real-world levels (Brownian
bridges between anchor points), so the warehouse sees realistic scale and structure: splits that cut
the raw close by 20, share subdivisions in the share counts, quarterly year-to-date facts with no Q4,
an amended 10-K that repeats facts, a restated comparative, calendars that differ between US and HK.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tools.sample.common import OUT
from tools.sample.fedreg import write_fedreg
from tools.sample.fx import write_fx
from tools.sample.hkex import write_hkex
from tools.sample.prices import write_prices
from tools.sample.sec import write_sec

# ----------------------------------------------------------------------------------------------------

WRITERS: Iterable[Callable[[], None]] = (write_sec, write_hkex, write_prices, write_fx, write_fedreg)


def main() -> None:
    for writer in WRITERS:
        writer()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {sum(1 for p in OUT.rglob('*') if p.is_file())} files, {total:,} bytes under {OUT}")


if __name__ == "__main__":
    main()
