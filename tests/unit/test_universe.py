import pytest

from ingestion.config import DEFAULT_UNIVERSE
from ingestion.universe import UniverseError, parse_universe, read_universe, universe_table

HEADER = "ticker,name,role,basket,country,cik,exchange,trading_currency,reporting_currency,fiscal_year_end_month,price_symbol,filer\n"
GOOD = "MSFT,Microsoft Corporation,company,US,US,789019,NASDAQ,USD,USD,6,MSFT.US,sec\n"


def test_default_universe_has_both_baskets_and_padded_ciks():
    listings = read_universe(DEFAULT_UNIVERSE)
    companies = {x.ticker: x for x in listings if x.role == "company"}
    assert set(companies) == {"MSFT", "GOOGL", "AMZN", "BABA", "BIDU", "0700.HK"}
    assert {x.basket for x in listings if x.role == "benchmark"} == {"US", "CN"}
    assert companies["BABA"].cik == "0001577552" and companies["BABA"].fiscal_year_end_month == 3
    assert companies["0700.HK"].cik is None and companies["0700.HK"].filer == "hkex"
    assert universe_table(listings).num_rows == len(listings)


def test_short_cik_is_padded_to_ten_digits():
    (listing,) = parse_universe((HEADER + GOOD).encode(), "u.csv")
    assert listing.cik == "0000789019"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("../../etc/passwd,X,company,US,US,1,NASDAQ,USD,USD,12,X.US,sec\n", "ticker"),
        ("X'; DROP TABLE raw.universe; --,X,company,US,US,1,NASDAQ,USD,USD,12,X.US,sec\n", "ticker"),
        ("XX,X,company,US,US,1,NASDAQ,USD,USD,12,../x,sec\n", "price_symbol"),
        ("XX,X,company,EU,US,1,NASDAQ,USD,USD,12,XX.US,sec\n", "basket"),
        ("XX,X,company,US,US,,NASDAQ,USD,USD,12,XX.US,sec\n", "cik"),
        ("XX,X,company,US,US,1,NASDAQ,USD,USD,13,XX.US,sec\n", "fiscal_year_end_month"),
    ],
)
def test_bad_rows_are_refused_naming_file_line_and_column(row, column):
    with pytest.raises(UniverseError) as err:
        parse_universe((HEADER + GOOD + row).encode(), "my_universe.csv")
    assert f"my_universe.csv, line 3, column {column}" in str(err.value)


def test_duplicate_ticker_and_missing_column():
    with pytest.raises(UniverseError, match="appears twice"):
        parse_universe((HEADER + GOOD + GOOD).encode(), "u.csv")
    with pytest.raises(UniverseError, match="missing column"):
        parse_universe(b"ticker,name\nMSFT,Microsoft\n", "u.csv")
