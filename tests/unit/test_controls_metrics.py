"""The export-control marts built by the real dbt models on the real research seeds, checked by hand.

The seeds (events, provisions, accelerators, China statuses) are the curated files themselves; only
the two staging parents are plain tables here: a four-listing universe (U and A trade in USD, A is
measured against a USD China ETF, KWEB, beside SPY; H trades in HKD against HSI) and a few weeks of
prices around NVIDIA's two licence letters. dbt seeds and runs only the controls models, in a
temporary AIGAP_HOME.
"""

import csv
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.support.dbt_cli import dbt
from tests.support.listings_fixture import LISTING_RESOLUTION_SQL

pytestmark = pytest.mark.slow

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
SEEDS = "export_control_events export_control_provisions accelerators accelerator_china_status"
MODELS = (
    "int_company_listings int_export_control_event_days dim_export_control_event int_accelerator_china_status "
    "dim_accelerator fct_compute_access_gap int_event_abnormal_returns dim_company dim_basket_member fct_event_study"
)

# NYSE closed on Labor Day 2022-09-05, Good Friday 2024-03-29 and Good Friday 2025-04-18
US_CLOSED = {date(2022, 9, 5), date(2024, 3, 29), date(2025, 4, 18)}
# The fixture's Hong Kong listing does not trade on 2025-04-16 (a made-up closure: it shows that an HK
# listing's day 0 is its own first session at or after its day 0); HKEX was closed on Good Friday and
# Easter Monday 2024 (2024-03-29, 2024-04-01).
HK_CLOSED = US_CLOSED | {date(2025, 4, 16), date(2024, 4, 1)}
LAST_DAY = date(2026, 1, 16)  # a week of 2026 closes, so the compute gap's calendar reaches the H200 rule


def weekdays(first: date, last: date) -> list[date]:
    return [
        first + timedelta(n) for n in range((last - first).days + 1) if (first + timedelta(n)).weekday() < 5
    ]


def price_rows() -> list[tuple]:
    rows = []
    windows = (
        weekdays(date(2022, 8, 22), date(2022, 9, 9))
        + weekdays(date(2024, 3, 25), date(2024, 4, 5))
        + weekdays(date(2025, 1, 6), date(2025, 1, 24))
        + weekdays(date(2025, 4, 7), date(2025, 4, 25))
        + weekdays(date(2026, 1, 12), LAST_DAY)
    )
    # keyed by the provider's symbol, as stg_prices__daily is (the fixture universe maps U.US to U ...)
    for symbol, closed in (
        ("U.US", US_CLOSED),
        ("A.US", US_CLOSED),
        ("SPY.US", US_CLOSED),
        ("KWEB.US", US_CLOSED),
    ):
        rows += [(symbol, d, 100.0 + i % 3, True) for i, d in enumerate(windows) if d not in closed]
    for symbol in ("H.HK", "HSI.HK"):
        rows += [(symbol, d, 50.0 + i % 2, True) for i, d in enumerate(windows) if d not in HK_CLOSED]
    return rows


FIXTURE_SQL = """
create schema staging;
create table staging.stg_universe__listings (
    ticker varchar, name varchar, role varchar, basket varchar, country varchar, cik varchar,
    exchange varchar, trading_currency varchar, reporting_currency varchar, fiscal_year_end_month integer,
    price_symbol varchar, filer varchar, benchmark varchar, source_file varchar, is_sample boolean,
    loaded_at timestamptz
);
insert into staging.stg_universe__listings values
    ('U', 'U Corp', 'company', 'US', 'US', '0000000001', 'NASDAQ', 'USD', 'USD', 12, 'U.US', 'sec', 'SPY',
     'fixture.csv', true, now()),
    ('A', 'A ADS', 'company', 'CN', 'CN', '0000000002', 'NYSE', 'USD', 'CNY', 12, 'A.US', 'sec', 'KWEB',
     'fixture.csv', true, now()),
    ('H', 'H Holdings', 'company', 'CN', 'CN', null, 'HKEX', 'HKD', 'CNY', 12, 'H.HK', 'hkex', 'HSI',
     'fixture.csv', true, now()),
    ('SPY', 'US index fund', 'benchmark', 'US', 'US', null, 'NYSE Arca', 'USD', 'USD', null, 'SPY.US', null, null,
     'fixture.csv', true, now()),
    ('KWEB', 'China internet ETF (USD)', 'benchmark', 'CN', 'US', null, 'NYSE Arca', 'USD', 'USD', null, 'KWEB.US',
     null, null, 'fixture.csv', true, now()),
    ('HSI', 'HK index fund', 'benchmark', 'CN', 'HK', null, 'HKEX', 'HKD', 'HKD', null, 'HSI.HK', null, null,
     'fixture.csv', true, now());
create table staging.stg_prices__daily (price_symbol varchar, date date, adjusted_close double, is_sample boolean);
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("controls_metrics")
    db = home / "aigap.duckdb"  # profiles.yml: $AIGAP_HOME/aigap.duckdb
    with duckdb.connect(str(db)) as con:
        con.execute(FIXTURE_SQL + LISTING_RESOLUTION_SQL)
        con.executemany("insert into staging.stg_prices__daily values (?, ?, ?, ?)", price_rows())
    for step in (("seed", "--select", SEEDS), ("run", "--select", MODELS)):
        run = dbt(home, *step)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return db


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_nvidia_letters_start_on_the_day_after_their_8k(warehouse: Path):
    # Letter of 2022-08-26, 8-K after the close of Wed 2022-08-31 -> day 0 Thu 2022-09-01.
    # H20 letter of 2025-04-09, 8-K after the close of Tue 2025-04-15 -> day 0 Wed 2025-04-16.
    got = rows(
        warehouse,
        "select event_id, event_date, public_date, public_timing, market_day_zero, market_day_zero_basis, "
        "days_to_public, event_type from marts.dim_export_control_event "
        "where event_id in ('nvda_2022_08_26_a100_h100_license', 'nvda_2025_04_09_h20_license') order by event_id",
    )
    assert got == [
        (
            "nvda_2022_08_26_a100_h100_license",
            date(2022, 8, 26),
            date(2022, 8, 31),
            "after_close",
            date(2022, 9, 1),
            "us_prices",
            5,
            "us_licence_letter",
        ),
        (
            "nvda_2025_04_09_h20_license",
            date(2025, 4, 9),
            date(2025, 4, 15),
            "after_close",
            date(2025, 4, 16),
            "us_prices",
            6,
            "us_licence_letter",
        ),
    ]


def test_event_study_day_zero_of_the_h20_letter(warehouse: Path):
    # U and A trade on 2025-04-16: their day 0. H's market is closed that day in the fixture, so its
    # day 0 is its next session, Thu 2025-04-17. Each is measured against the benchmark it names.
    got = rows(
        warehouse,
        "select entity, market_day_zero, day_zero_date, benchmark from marts.fct_event_study "
        "where event_id = 'nvda_2025_04_09_h20_license' and entity_type = 'ticker' and event_window = '[-1,+1]' "
        "order by entity",
    )
    assert got == [
        ("A", date(2025, 4, 16), date(2025, 4, 16), "KWEB"),
        ("H", date(2025, 4, 16), date(2025, 4, 17), "HSI"),
        ("U", date(2025, 4, 16), date(2025, 4, 16), "SPY"),
    ]
    # and relative day 0 is that date in the abnormal returns, day -1 the session before (Tue 04-15)
    assert rows(
        warehouse,
        "select relative_day, date from intermediate.int_event_abnormal_returns "
        "where event_id = 'nvda_2025_04_09_h20_license' and ticker = 'U' and relative_day between -1 and 1 "
        "order by relative_day",
    ) == [(-1, date(2025, 4, 15)), (0, date(2025, 4, 16)), (1, date(2025, 4, 17))]
    # the CN basket holds A and H with two different benchmarks
    assert rows(
        warehouse,
        "select benchmark from marts.fct_event_study where event_id = 'nvda_2025_04_09_h20_license' "
        "and entity = 'CN' and event_window = '[0,+5]'",
    ) == [("HSI;KWEB",)]


def test_the_2022_letter_day_zero_skips_the_announcement_week(warehouse: Path):
    got = rows(
        warehouse,
        "select day_zero_date from marts.fct_event_study where event_id = 'nvda_2022_08_26_a100_h100_license' "
        "and entity = 'U' and event_window = '[-1,+1]'",
    )
    assert got == [(date(2022, 9, 1),)]


def test_compute_access_ratio_is_one_in_mid_2023(warehouse: Path):
    # 2023-06-30: best U.S. chip H100, 989.5 dense FP16 TFLOPS x 16 = 15,832 (H800 is a China-market
    # variant, never the U.S. side); best chip China could buy: H800 (compliant 2023-03-21..2023-10-23),
    # the same 989.5 x 16 = 15,832. Ratio 15,832 / 15,832 = 1.0.
    us_tpp = 989.5 * 16
    got = rows(
        warehouse,
        "select best_us_chip, best_us_tpp, best_china_chip, best_china_tpp, compute_access_ratio, "
        "governing_event_id, tpp_threshold_in_force from marts.fct_compute_access_gap where date = '2023-06-30'",
    )
    assert got == [("H100", us_tpp, "H800", us_tpp, 1.0, "bis_2022_10_07_advanced_computing", 4800.0)]
    # The day before the H800's announcement China's best was the A800 (312 x 16 = 4,992)
    (ratio,) = rows(
        warehouse, "select compute_access_ratio from marts.fct_compute_access_gap where date = '2023-03-20'"
    )[0]
    assert ratio == pytest.approx(312 * 16 / us_tpp, rel=1e-12)


def test_oct_2022_chip_thresholds_are_in_force_from_2022_10_21(warehouse: Path):
    got = rows(
        warehouse,
        "select date, governing_event_id, tpp_threshold_in_force from marts.fct_compute_access_gap "
        "where date in ('2022-10-07', '2022-10-20', '2022-10-21') order by date",
    )
    assert got == [
        (date(2022, 10, 7), "nvda_2022_08_26_a100_h100_license", None),
        (date(2022, 10, 20), "nvda_2022_08_26_a100_h100_license", None),
        (date(2022, 10, 21), "bis_2022_10_07_advanced_computing", 4800.0),
    ]
    assert rows(
        warehouse,
        "select effective_date, chip_controls_effective_date from marts.dim_export_control_event "
        "where event_id = 'bis_2022_10_07_advanced_computing'",
    ) == [(date(2022, 10, 7), date(2022, 10, 21))]


def test_domestic_chip_is_ranked_and_h200_is_licensable_but_outside_the_ratio(warehouse: Path):
    # 2024-06-03: GB200 (2,500 dense FP16 per GPU x 16 = 40,000; announced with B200 on 2024-03-18, which
    # it outranks at 2,250 x 16 = 36,000) for the U.S., H20 (148 x 16 = 2,368) for China, Ascend 910B at
    # the low end of its published 320-376 TFLOPS (320 x 16 = 5,120) as the best domestic chip.
    got = rows(
        warehouse,
        "select best_us_chip, best_us_tpp, best_china_chip, compute_access_ratio, best_domestic_chip, "
        "best_domestic_tpp from marts.fct_compute_access_gap where date = '2024-06-03'",
    )
    assert got == [("GB200", 40000.0, "H20", pytest.approx(2368 / 40000, rel=1e-12), "Ascend 910B", 5120.0)]
    # 2025-04-21 on: the Ascend 910C (about 800 x 16 = 12,800, secondary) is the best domestic chip
    assert rows(
        warehouse,
        "select date, best_domestic_chip, best_domestic_tpp from marts.fct_compute_access_gap "
        "where date in ('2025-04-20', '2025-04-21') order by date",
    ) == [(date(2025, 4, 20), "Ascend 910B", 5120.0), (date(2025, 4, 21), "Ascend 910C", 12800.0)]
    # 2026-01-15: H200 licensable case by case; without a licence China's best is the V100 (125 x 16)
    got = rows(
        warehouse,
        "select best_china_chip, compute_access_ratio, best_china_licensable_chip, "
        "compute_access_ratio_incl_licensable, governing_event_id "
        "from marts.fct_compute_access_gap where date in ('2026-01-14', '2026-01-15') order by date",
    )
    assert got[0][:3] == ("V100", pytest.approx(2000 / 40000, rel=1e-12), "V100")
    assert got[1] == (
        "V100",
        pytest.approx(2000 / 40000, rel=1e-12),
        "H200",
        pytest.approx(15832 / 40000, rel=1e-12),
        "bis_2026_01_15_h200_case_by_case",
    )


def test_a_company_without_a_listed_benchmark_is_named(warehouse: Path, tmp_path: Path):
    home = warehouse.parent
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update staging.stg_universe__listings set benchmark = 'NOPE' where ticker = 'A'")
    try:
        run = dbt(home, "test", "--select", "event_study_company_names_a_benchmark")
        assert run.returncode != 0, run.stdout[-2000:]
        assert rows(
            warehouse, "select ticker, problem, source_file from audit.event_study_company_names_a_benchmark"
        ) == [("A", "names NOPE, which is not a benchmark row of the universe", "fixture.csv")]
    finally:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("update staging.stg_universe__listings set benchmark = 'KWEB' where ticker = 'A'")


# --- issue 21: the record corrected -------------------------------------------------------------------

SEEDS_DIR = DBT_PROJECT / "seeds"


def seed_rows(name: str, key: str) -> dict[str, dict[str, str]]:
    with open(SEEDS_DIR / f"{name}.csv", newline="") as fh:
        return {r[key]: r for r in csv.DictReader(fh)}


# event -> (public_date, public_timing, U.S. day 0, Hong Kong day 0), each worked out by hand below
CORRECTED_DAY_ZERO = {
    # filed for public inspection Wed 2025-01-15 at 8:45 am ET, before the U.S. open: U.S. day 0 that
    # day; HKEX had closed at 03:00 ET, so Hong Kong's day 0 is Thu 2025-01-16
    "bis_2025_01_16_foundry_due_diligence": (
        "2025-01-15",
        "before_close",
        date(2025, 1, 15),
        date(2025, 1, 16),
    ),
    # released by BIS Tue 2026-01-13 (U.S. hours): U.S. Tue 01-13, Hong Kong Wed 01-14
    "bis_2026_01_15_h200_case_by_case": ("2026-01-13", "unknown", date(2026, 1, 13), date(2026, 1, 14)),
    # NVIDIA's 8-K filed Tue 2023-10-24: U.S. 10-24, Hong Kong Wed 10-25
    "nvda_2023_10_23_immediate_effect": ("2023-10-24", "unknown", date(2023, 10, 24), date(2023, 10, 25)),
    # a Commerce spokesperson confirmed it Wed 2025-05-07: U.S. 05-07, Hong Kong Thu 05-08
    "bis_2025_05_13_ai_diffusion_rescission": ("2025-05-07", "unknown", date(2025, 5, 7), date(2025, 5, 8)),
    # NVIDIA's blog late Mon 2025-07-14, after the close: U.S. Tue 07-15; Hong Kong Tue 07-15
    "nvda_2025_07_14_h20_license_resumption": (
        "2025-07-14",
        "after_close",
        date(2025, 7, 15),
        date(2025, 7, 15),
    ),
    # the President's post Mon night 2025-12-08: U.S. Tue 12-09, Hong Kong Tue 12-09
    "wh_2025_12_08_h200_approved_customers": (
        "2025-12-08",
        "after_close",
        date(2025, 12, 9),
        date(2025, 12, 9),
    ),
    # the FT's report on Sun 2025-08-10: both markets Mon 08-11
    "us_2025_08_10_h20_mi308_revenue_share": ("2025-08-10", "unknown", date(2025, 8, 11), date(2025, 8, 11)),
    # MOFCOM, Beijing morning Thu 2025-10-09 (Asian hours): both markets that day
    "mofcom_2025_10_09_rare_earth_controls": ("2025-10-09", "unknown", date(2025, 10, 9), date(2025, 10, 9)),
    # released Fri 2024-03-29, Good Friday: NYSE next trades Mon 04-01; HKEX is closed 03-29 and Easter
    # Monday 04-01, so Hong Kong's day 0 is Tue 04-02 (both from the fixture's prices)
    "bis_2024_03_29_corrections_rule": ("2024-03-29", "unknown", date(2024, 4, 1), date(2024, 4, 2)),
}


def test_corrected_events_day_zero_in_the_seed_and_the_mart(warehouse: Path):
    seed = seed_rows("export_control_events", "event_id")
    for event_id, (public_date, timing, _, _) in CORRECTED_DAY_ZERO.items():
        assert (seed[event_id]["public_date"], seed[event_id]["public_timing"]) == (public_date, timing), (
            event_id
        )
    got = {
        r[0]: r[1:]
        for r in rows(
            warehouse,
            "select event_id, public_date, market_day_zero, hk_market_day_zero from marts.dim_export_control_event "
            "where event_id in (select unnest(?))",
            [list(CORRECTED_DAY_ZERO)],
        )
    }
    assert got == {
        event_id: (date.fromisoformat(public), us_day, hk_day)
        for event_id, (public, _, us_day, hk_day) in CORRECTED_DAY_ZERO.items()
    }
    # the Good Friday rule: both day 0s come from the fixture's trading days, not from weekdays
    assert rows(
        warehouse,
        "select market_day_zero_basis, hk_market_day_zero_basis from marts.dim_export_control_event "
        "where event_id = 'bis_2024_03_29_corrections_rule'",
    ) == [("us_prices", "hk_prices")]


def test_an_hk_listing_trades_us_hours_news_on_its_next_session(warehouse: Path):
    # The foundry rule (U.S. hours, Wed 2025-01-15): U and A react that day, H on Thu 2025-01-16
    got = rows(
        warehouse,
        "select entity, day_zero_date from marts.fct_event_study where event_id = 'bis_2025_01_16_foundry_due_diligence' "
        "and entity_type = 'ticker' and event_window = '[-1,+1]' order by entity",
    )
    assert got == [("A", date(2025, 1, 15)), ("H", date(2025, 1, 16)), ("U", date(2025, 1, 15))]


def test_compute_access_ratio_is_one_in_the_h100_window_and_in_mid_2023(warehouse: Path):
    with open(SEEDS_DIR / "accelerator_china_status.csv", newline="") as fh:
        h100 = [
            (r["status"], r["valid_from"], r["valid_to"]) for r in csv.DictReader(fh) if r["chip"] == "H100"
        ]
    assert h100 == [("exportable", "2022-03-22", "2022-08-26"), ("restricted", "2022-08-26", "")]
    assert seed_rows("accelerators", "chip")["H100"]["announced_date"] == "2022-03-22"
    # 2022-06-15: the H100 (989.5 x 16 = 15,832) is the best U.S. chip and, with no licence required
    # before the letter of 2022-08-26, also the best China could buy: 15,832 / 15,832 = 1.0. On 2022-08-26
    # it is restricted and the A100 is too, so China's best falls to the V100 (2,000 / 15,832).
    got = rows(
        warehouse,
        "select date, best_us_chip, best_china_chip, compute_access_ratio from marts.fct_compute_access_gap "
        "where date in ('2022-03-21', '2022-06-15', '2022-08-26', '2023-06-30') order by date",
    )
    assert got == [
        # the day before the H100: A100 (312 x 16 = 4,992) on both sides
        (date(2022, 3, 21), "A100", "A100", 1.0),
        (date(2022, 6, 15), "H100", "H100", 1.0),
        (date(2022, 8, 26), "H100", "V100", pytest.approx(2000 / 15832, rel=1e-12)),
        (date(2023, 6, 30), "H100", "H800", 1.0),
    ]


def test_ascend_910b_is_above_the_4800_line(warehouse: Path):
    seed = seed_rows("accelerators", "chip")["Ascend 910B"]
    # low end of the published 320-376 TFLOPS: 320 x 16 = 5,120 > 4,800 (and > the A100's 4,992)
    assert float(seed["dense_fp16_tflops"]) == 320 and float(seed["tpp"]) == 320 * 16
    assert "320-376" in seed["notes"]
    ((tpp, announced),) = rows(
        warehouse, "select tpp, announced_date from marts.dim_accelerator where chip = 'Ascend 910B'"
    )
    assert tpp == 5120.0 and tpp > 4800 and tpp > 312 * 16
    assert announced == date(2023, 11, 7)
