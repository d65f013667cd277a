import pytest

from ingestion.config import DEFAULT_UNIVERSE
from ingestion.universe import UniverseError, parse_universe, read_universe, universe_table

HEADER = (
    "ticker,name,role,basket,country,cik,exchange,trading_currency,reporting_currency,fiscal_year_end_month,"
    "price_symbol,filer,benchmark\n"
)
GOOD = "MSFT,Microsoft Corporation,company,US,US,789019,NASDAQ,USD,USD,6,MSFT.US,sec,SPY\n"
SPY = "SPY,SPDR S&P 500 ETF Trust,benchmark,US,US,,NYSE Arca,USD,USD,,SPY.US,,\n"


def test_default_universe_has_both_baskets_and_padded_ciks():
    listings = read_universe(DEFAULT_UNIVERSE)
    companies = {x.ticker: x for x in listings if x.role == "company"}
    assert set(companies) == {"MSFT", "GOOGL", "AMZN", "BABA", "BIDU", "0700.HK"}
    assert {x.basket for x in listings if x.role == "benchmark"} == {"US", "CN"}
    assert companies["BABA"].cik == "0001577552" and companies["BABA"].fiscal_year_end_month == 3
    assert companies["0700.HK"].cik is None and companies["0700.HK"].filer == "hkex"
    assert universe_table(listings).num_rows == len(listings)


def test_default_universe_names_a_listed_benchmark_for_every_company():
    listings = read_universe(DEFAULT_UNIVERSE)
    benchmarks = {x.ticker for x in listings if x.role == "benchmark"}
    named = {x.ticker: x.benchmark for x in listings if x.role == "company"}
    # the US-listed ADSs of the CN basket are measured against the US market, Tencent against Hong Kong
    assert named == {
        "MSFT": "SPY",
        "GOOGL": "SPY",
        "AMZN": "SPY",
        "BABA": "SPY",
        "BIDU": "SPY",
        "0700.HK": "2800.HK",
    }
    assert set(named.values()) <= benchmarks
    assert universe_table(listings).column("benchmark").to_pylist()[-2:] == [None, None]


def test_spy_and_a_usd_china_etf_work_side_by_side():
    # Two USD benchmarks: matching by currency would have been ambiguous; naming them is not.
    kweb = "KWEB,KraneShares CSI China Internet ETF,benchmark,CN,US,,NYSE Arca,USD,USD,,KWEB.US,,\n"
    baba = "BABA,Alibaba Group Holding Limited,company,CN,CN,1577552,NYSE,USD,CNY,3,BABA.US,sec,KWEB\n"
    listings = parse_universe((HEADER + GOOD + baba + SPY + kweb).encode(), "u.csv")
    assert {x.ticker: x.benchmark for x in listings} == {
        "MSFT": "SPY",
        "BABA": "KWEB",
        "SPY": None,
        "KWEB": None,
    }


def test_short_cik_is_padded_to_ten_digits():
    (listing,) = parse_universe((HEADER + GOOD).encode(), "u.csv")
    assert listing.cik == "0000789019"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("../../etc/passwd,X,company,US,US,1,NASDAQ,USD,USD,12,X.US,sec,SPY\n", "ticker"),
        ("X'; DROP TABLE raw.universe; --,X,company,US,US,1,NASDAQ,USD,USD,12,X.US,sec,SPY\n", "ticker"),
        ("XX,X,company,US,US,1,NASDAQ,USD,USD,12,../x,sec,SPY\n", "price_symbol"),
        ("XX,X,company,../EU,US,1,NASDAQ,USD,USD,12,XX.US,sec,SPY\n", "basket"),
        ("XX,X,company,US;x,US,1,NASDAQ,USD,USD,12,XX.US,sec,SPY\n", "basket"),
        ("0941.HK,X,company,CN,CN,,HKEX,HKD,CNY,,0941.HK,hkex,SPY\n", "fiscal_year_end_month"),
        ("XX,X,company,US,US,1,NASDAQ,USD,USD,13,XX.US,sec,SPY\n", "fiscal_year_end_month"),
        ("XX,X,company,US,US,1,NASDAQ,USD,USD,12,XX.US,sec,../SPY\n", "benchmark"),
    ],
)
def test_bad_rows_are_refused_naming_file_line_and_column(row, column):
    with pytest.raises(UniverseError) as err:
        parse_universe((HEADER + GOOD + row).encode(), "my_universe.csv")
    assert f"my_universe.csv, line 3, column {column}" in str(err.value)


def test_duplicate_ticker_is_refused_naming_both_lines_and_the_rest_go_on():
    amzn = "AMZN,Amazon,company,US,US,1018724,NASDAQ,USD,USD,12,AMZN.US,sec,SPY\n"
    listings = parse_universe((HEADER + GOOD + amzn + SPY + GOOD).encode(), "u.csv")
    refused = [(x.ticker, x.line, x.refused) for x in listings if x.refused]
    reason = "is listed twice in basket US (lines 2 and 5)"
    assert refused == [
        ("MSFT", 2, f"u.csv, line 2: ticker MSFT {reason}"),
        ("MSFT", 5, f"u.csv, line 5: ticker MSFT {reason}"),
    ]
    assert [x.ticker for x in listings if not x.refused] == ["AMZN", "SPY"]


def test_missing_column_names_what_a_universe_file_needs():
    with pytest.raises(UniverseError, match="u.csv: missing column.s. basket"):
        parse_universe(b"ticker,name\nMSFT,Microsoft\n", "u.csv")
    with pytest.raises(UniverseError, match="unknown column.s. sector"):
        parse_universe(b"ticker,basket,sector\nMSFT,US,tech\n", "u.csv")


def test_sec_line_without_cik_and_nothing_to_resolve_it_with_is_refused():
    row = "XX,X,company,US,US,,NASDAQ,USD,USD,12,XX.US,sec,SPY\n"
    listings = parse_universe((HEADER + GOOD + SPY + row).encode(), "my_universe.csv")
    (xx,) = [x for x in listings if x.refused]
    assert xx.refused == (
        "my_universe.csv, line 4: ticker XX has no CIK and no company_tickers.json is landed to resolve it"
    )


def test_duplicate_price_symbol_is_refused_with_file_line_and_column():
    twin = "MSFT2,Microsoft again,company,US,US,1,NASDAQ,USD,USD,6,MSFT.US,sec,SPY\n"
    with pytest.raises(UniverseError) as err:
        parse_universe((HEADER + GOOD + SPY + twin).encode(), "my_universe.csv")
    message = str(err.value)
    assert message.startswith("my_universe.csv, line 4, column price_symbol: 'MSFT.US'")
    assert "also on line 2" in message


def test_duplicate_cik_is_refused_even_when_padded_differently():
    # 789019 on line 2 and 0000789019 on line 3 are the same SEC filer
    twin = "MSFX,Microsoft again,company,US,US,0000789019,NASDAQ,USD,USD,6,MSFX.US,sec,SPY\n"
    with pytest.raises(UniverseError) as err:
        parse_universe((HEADER + GOOD + twin).encode(), "my_universe.csv")
    message = str(err.value)
    assert message.startswith("my_universe.csv, line 3, column cik: '0000789019'")
    assert "also on line 2" in message


def test_two_non_sec_listings_without_cik_are_not_duplicates():
    hk = "0700.HK,Tencent Holdings Limited,company,CN,CN,,HKEX,HKD,CNY,12,0700.HK,hkex,2800.HK\n"
    listings = parse_universe((HEADER + SPY + hk).encode(), "u.csv")
    assert [x.cik for x in listings] == [None, None]


def test_company_without_a_benchmark_gets_an_error_naming_it():
    nobench = "AMZN,Amazon,company,US,US,1018724,NASDAQ,USD,USD,12,AMZN.US,sec,\n"
    with pytest.raises(UniverseError) as err:
        parse_universe((HEADER + GOOD + nobench).encode(), "my_universe.csv")
    message = str(err.value)
    assert message.startswith("my_universe.csv, line 3, column benchmark:")
    assert "required for company AMZN" in message


def test_benchmark_must_name_a_benchmark_row_not_a_company():
    measured_against_msft = "AMZN,Amazon,company,US,US,1018724,NASDAQ,USD,USD,12,AMZN.US,sec,MSFT\n"
    with pytest.raises(UniverseError) as err:
        parse_universe((HEADER + GOOD + measured_against_msft).encode(), "my_universe.csv")
    assert "my_universe.csv, line 3, column benchmark: 'MSFT' (benchmark of AMZN) is a company" in str(
        err.value
    )
    spy_with_benchmark = SPY.replace(",,\n", ",,SPY\n")
    with pytest.raises(
        UniverseError, match="line 3, column benchmark: 'SPY' must be empty for a benchmark row"
    ):
        parse_universe((HEADER + GOOD + spy_with_benchmark).encode(), "my_universe.csv")
