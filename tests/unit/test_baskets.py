"""Baskets and pairs are data (dbt_project/seeds/baskets.csv, basket_pairs.csv): the universe may name
any basket of the basket file and no other; bad basket and pair files are refused with file and line."""

from pathlib import Path

import pytest

from ingestion.baskets import BasketFileError, read_baskets, read_pairs
from ingestion.universe import UniverseError, parse_universe

HEADER = (
    "ticker,name,role,basket,country,cik,exchange,trading_currency,reporting_currency,fiscal_year_end_month,"
    "price_symbol,filer,benchmark\n"
)
SPY = "SPY,SPDR S&P 500 ETF Trust,benchmark,US,US,,NYSE Arca,USD,USD,,SPY.US,,\n"
MSFT = "MSFT,Microsoft Corporation,company,US,US,789019,NASDAQ,USD,USD,6,MSFT.US,sec,SPY\n"
NVDA = "NVDA,NVIDIA Corporation,company,hardware,US,1045810,NASDAQ,USD,USD,1,NVDA.US,sec,SPY\n"


def test_the_basket_file_keeps_the_essays_pair_and_its_benchmarks():
    baskets = read_baskets()
    assert list(baskets)[:2] == ["US", "CN"]
    assert baskets["US"].benchmark_price_symbol == "SPY.US"
    assert baskets["CN"].benchmark_price_symbol == "2800.HK"
    # the ai_value_chain universe's baskets (agreed with market-universe)
    assert {"hardware", "saas", "cn_adr"} <= set(baskets)
    pairs = read_pairs()
    assert [(p.pair, p.long_basket, p.short_basket) for p in pairs][0] == ("US_vs_CN", "US", "CN")


def test_a_universe_may_name_a_third_basket_of_the_basket_file():
    listings = parse_universe((HEADER + MSFT + NVDA + SPY).encode(), "u.csv")
    assert {x.ticker: x.basket for x in listings} == {"MSFT": "US", "NVDA": "hardware", "SPY": "US"}


def test_a_basket_not_in_the_basket_file_is_refused_with_file_line_and_the_baskets_known():
    with pytest.raises(UniverseError) as err:
        parse_universe((HEADER + MSFT + NVDA + SPY).encode(), "my_universe.csv", baskets=["US", "CN"])
    message = str(err.value)
    assert (
        "my_universe.csv, line 3, column basket: 'hardware' is not a basket of baskets.csv (US, CN)"
        in message
    )


@pytest.mark.parametrize("basket", ["", "1st", "US CN", "x'; DROP TABLE t; --", "a" * 31])
def test_a_basket_name_outside_the_pattern_is_refused(basket):
    row = f"NVDA,NVIDIA Corporation,company,{basket},US,1045810,NASDAQ,USD,USD,1,NVDA.US,sec,SPY\n"
    why = "is required" if basket == "" else "does not match"  # an empty basket is a missing one
    with pytest.raises(UniverseError, match=rf"u.csv, line 3, column basket: .* {why}"):
        parse_universe((HEADER + MSFT + row + SPY).encode(), "u.csv", baskets=["US", basket])


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bad_basket_files_are_refused_naming_file_and_line(tmp_path):
    header = "basket,description,benchmark_price_symbol\n"
    twice = _write(tmp_path, "b1.csv", header + "US,a,SPY.US\nUS,b,SPY.US\n")
    with pytest.raises(BasketFileError, match=r"b1.csv, line 3, column basket: 'US' appears twice"):
        read_baskets(twice)
    bad_name = _write(tmp_path, "b2.csv", header + "US,a,SPY.US\nhard ware,b,SPY.US\n")
    with pytest.raises(BasketFileError, match=r"b2.csv, line 3, column basket: 'hard ware' does not match"):
        read_baskets(bad_name)
    bad_symbol = _write(tmp_path, "b3.csv", header + "US,a,../SPY\n")
    with pytest.raises(BasketFileError, match=r"b3.csv, line 2, column benchmark_price_symbol"):
        read_baskets(bad_symbol)


def test_a_pair_must_compare_two_baskets_of_the_basket_file(tmp_path):
    baskets = read_baskets(
        _write(tmp_path, "b.csv", "basket,description,benchmark_price_symbol\nUS,a,SPY.US\nCN,b,2800.HK\n")
    )
    header = "pair,long_basket,short_basket,description\n"
    unknown = _write(tmp_path, "p1.csv", header + "US_vs_CN,US,CN,x\nUS_vs_saas,US,saas,y\n")
    with pytest.raises(BasketFileError, match=r"p1.csv, line 3, column short_basket: 'saas' is not a basket"):
        read_pairs(unknown, baskets)
    same = _write(tmp_path, "p2.csv", header + "US_vs_US,US,US,x\n")
    with pytest.raises(BasketFileError, match=r"p2.csv, line 2: a pair compares two different baskets"):
        read_pairs(same, baskets)
    good = _write(tmp_path, "p3.csv", header + "US_vs_CN,US,CN,x\nCN_vs_US,CN,US,y\n")
    assert [(p.long_basket, p.short_basket) for p in read_pairs(good, baskets)] == [
        ("US", "CN"),
        ("CN", "US"),
    ]


def test_charts_and_the_summary_show_the_default_pair_first_then_the_other_baskets_by_name():
    from ingestion.baskets import basket_order

    assert basket_order(["saas", "CN", "hardware", "US", "CN"]) == ["US", "CN", "hardware", "saas"]
    assert basket_order(["hardware", "CN"]) == ["CN", "hardware"]
