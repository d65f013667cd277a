"""One live run against replays of SEC and Yahoo on 127.0.0.1, shared by the test files that read it.

The essay's universe given by ticker only (MSFT, GOOGL, GOOG, AMZN, BABA, BIDU; Tencent and the two
benchmarks written out by hand, as Hong Kong lines and benchmarks are), every source live but FX, the
Federal Register and HKEX (the sample's):

- SEC: its REAL ``company_tickers.json`` and Alphabet's REAL companyfacts (``../shared/realdata``), the
  sample's submissions, companyfacts and EDGAR archive for the other filers;
- Yahoo: the sample's chart answers (the EODHD sample's bars divided by the splits), cut to the
  ``period1``/``period2`` asked, with no prices token set (Yahoo is the keyless default).

It costs one whole run where three files (``test_universe_replay.py``, ``test_alphabet_real_filings.py``,
``test_prices_yahoo_replay.py``) each paid for their own. The run is built once per test session
(``pipeline_proc.shared_run``); what the server was asked is kept beside it (``requests.jsonl``).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from pathlib import Path

from tests.support.pipeline_proc import REPO_ROOT, SAMPLE_DIR, UNIVERSE, run_to_end, shared_run
from tests.support.replay_server import RecordedRequest, ReplayServer, Reply, conditional

REALDATA = REPO_ROOT.parent / "shared" / "realdata"
REAL_TICKERS = REALDATA / "sec" / "company_tickers.json"
REAL_ALPHABET = REALDATA / "sec" / "CIK0001652044.json"
USER_AGENT = "aigap tests aigap-tests@example.com"
JSON = {"Content-Type": "application/json"}
# ticker -> CIK of the SEC filers the universe names by ticker (GOOG is Alphabet's other class)
CIKS = {
    "MSFT": "0000789019",
    "GOOGL": "0001652044",
    "AMZN": "0001018724",
    "BABA": "0001577552",
    "BIDU": "0001329099",
}
BY_TICKER = [("MSFT", "US"), ("GOOGL", "US"), ("GOOG", "US"), ("AMZN", "US"), ("BABA", "CN"), ("BIDU", "CN")]


def universe_text() -> str:
    """The universe file: SEC filers by ticker and basket only; the other rows as the sample writes them."""
    with open(UNIVERSE, newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for ticker, basket in BY_TICKER:
        writer.writerow({"ticker": ticker, "basket": basket})
    for row in rows:
        if row["filer"] != "sec" or row["role"] != "company":
            writer.writerow(row)
    return out.getvalue()


def price_symbols() -> list[str]:
    """The price symbols the run asks for: the sample universe's (the same listings)."""
    with open(UNIVERSE, newline="") as fh:
        return [row["price_symbol"] for row in csv.DictReader(fh)]


def chart(symbol: str):
    """Yahoo's /v8/finance/chart/<symbol>: the sample's bars in [period1, period2), its events up to period2."""
    body = json.loads((SAMPLE_DIR / "prices" / "chart" / f"{symbol}.json").read_bytes())

    def respond(request: RecordedRequest) -> Reply:
        p1, p2 = int(request.query["period1"][0]), int(request.query["period2"][0])
        data = copy.deepcopy(body)
        result = data["chart"]["result"][0]
        keep = [i for i, t in enumerate(result["timestamp"]) if p1 <= t < p2]
        result["timestamp"] = [result["timestamp"][i] for i in keep]
        quote = result["indicators"]["quote"][0]
        for name, values in quote.items():
            quote[name] = [values[i] for i in keep]
        for adj in result["indicators"].get("adjclose", []):
            adj["adjclose"] = [adj["adjclose"][i] for i in keep]
        events = result.get("events") or {}
        result["events"] = {g: {k: v for k, v in e.items() if p1 <= int(k) <= p2} for g, e in events.items()}
        return Reply(200, json.dumps(data).encode(), JSON)

    return respond


def yahoo_path(price_symbol: str) -> str:
    from ingestion.sources.yahoo import yahoo_symbol

    return f"/v8/finance/chart/{yahoo_symbol(price_symbol)}"


def routes() -> dict:
    out: dict = {"/files/company_tickers.json": conditional(REAL_TICKERS.read_bytes(), etag='"t-1"', **JSON)}
    for cik10 in CIKS.values():
        facts = (
            REAL_ALPHABET
            if cik10 == CIKS["GOOGL"]
            else SAMPLE_DIR / "sec" / "companyfacts" / f"CIK{cik10}.json"
        )
        out[f"/api/xbrl/companyfacts/CIK{cik10}.json"] = Reply(200, facts.read_bytes(), JSON)
    # the submissions, older pages included (CIK##########-submissions-001.json)
    for path in sorted((SAMPLE_DIR / "sec" / "submissions").glob("CIK*.json")):
        out[f"/submissions/{path.name}"] = Reply(200, path.read_bytes(), JSON)
    # The EDGAR archive (filing indexes, XBRL instances for the extension concepts) as the sample mirrors it.
    for path in sorted((SAMPLE_DIR / "sec" / "Archives").rglob("*")):
        if path.is_file():
            kind = JSON if path.suffix == ".json" else {"Content-Type": "application/xml"}
            out["/" + path.relative_to(SAMPLE_DIR / "sec").as_posix()] = Reply(200, path.read_bytes(), kind)
    for symbol in price_symbols():
        out[yahoo_path(symbol)] = chart(symbol)
    return out


def _build(root: Path) -> float:
    universe = root / "my_universe.csv"
    universe.write_text(universe_text())
    # no prices token or provider of the developer's: Yahoo must be the keyless default
    dropped = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("AIGAP_PRICES")}
    try:
        with ReplayServer(routes()) as server:
            run = run_to_end(
                root,
                AIGAP_UNIVERSE=str(universe),
                AIGAP_SOURCE_FILINGS="live",
                AIGAP_SOURCE_PRICES="live",
                AIGAP_PRICES_BASE_URL=server.url,
                AIGAP_SEC_BASE_URL=server.url,
                AIGAP_SEC_ARCHIVES_BASE_URL=server.url,
                SEC_USER_AGENT=USER_AGENT,
            )
    finally:
        os.environ.update(dropped)
    with open(root / "requests.jsonl", "w") as fh:
        for r in server.requests:
            fh.write(json.dumps({"path": r.path, "query": r.query, "headers": r.headers}) + "\n")
    (root / "run.log").write_text(run.output)
    return run.lines[-1][0] if run.lines else 0.0


def missing_realdata() -> str | None:
    """Why the run cannot be built here (``../shared/realdata`` absent), or None."""
    for path in (REAL_TICKERS, REAL_ALPHABET):
        if not path.is_file():
            return f"../shared/realdata absent: {path} is not beside the clone (see realdata/README.md)"
    return None


def live_replay_run() -> Path:
    """The root of the shared live run (``warehouse/``, ``dagster/``, ``requests.jsonl``, ``run.log``)."""
    return shared_run("live-replay", _build)


def requests_made(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / "requests.jsonl").read_text().splitlines()]
