"""Tencent's annual figures in the curated HKEX CSV shape, for the sample."""

from __future__ import annotations

from datetime import date

from tools.sample.common import next_weekday, rng_for, write

# ----------------------------------------------------------------------------------------------------
# HKEX: Tencent annual figures (curated CSV shape)
# ----------------------------------------------------------------------------------------------------

TENCENT = {  # metric: (FY2019 level, FY2024 level, is a flow) in CNY, shares for the count
    "revenue": (377e9, 660e9, True),
    "rd_expense": (30e9, 71e9, True),
    "net_income": (93e9, 194e9, True),
    "operating_income": (118e9, 208e9, True),
    "capex": (33e9, 77e9, True),
    "cash": (132e9, 132e9, False),
    "short_term_investments": (68e9, 170e9, False),
    "total_debt": (215e9, 310e9, False),
    "shares_outstanding": (9.52e9, 9.20e9, False),
}
HKEX_HEADER = (
    "ticker,metric,fiscal_year,fiscal_period,period_start,period_end,value,currency,filed_date,document,page,"
    "source_url,quoted_text,confidence,note"
)
# Like the live curated file: the figures only press or aggregators gave are 'secondary' (synthetic here).
TENCENT_SECONDARY = {"rd_expense", "capex", "depreciation_amortization", "cash", "short_term_investments"}


def write_hkex() -> None:
    rng = rng_for("hkex:tencent")
    lines = [HKEX_HEADER]
    for fy in range(2019, 2025):
        filed = next_weekday(date(fy + 1, 3, rng.randint(17, 24)))
        for metric, (v19, v24, is_flow) in TENCENT.items():
            value = (
                v19
                * (v24 / v19) ** ((fy - 2019) / 5)
                * (1 + rng.gauss(0, 0.005 if metric.startswith("shares") else 0.04))
            )
            value = int(round(value, -3 if metric.startswith("shares") else -6))
            start = f"{fy}-01-01" if is_flow else ""
            currency = "shares" if metric == "shares_outstanding" else "CNY"
            confidence = "secondary" if metric in TENCENT_SECONDARY else "official"
            lines.append(
                f"0700.HK,{metric},{fy},FY,{start},{fy}-12-31,{value},{currency},{filed},"
                f"Tencent Annual Report {fy} (sample),synthetic,sample://synthetic,synthetic (sample),{confidence},"
            )
    # Synthetic monthly-return share counts (30 June, and one filed in 2018 so a count is known on the
    # first trading day of 2019), from their own stream so the figures above do not move.
    shares_rng = rng_for("hkex:tencent:monthly_returns")
    for as_of, filed in [(date(2018, 11, 30), date(2018, 12, 5))] + [
        (date(fy, 6, 30), next_weekday(date(fy, 7, 5))) for fy in range(2019, 2025)
    ]:
        count = int(
            round(9.52e9 * (9.20 / 9.52) ** ((as_of.year - 2019) / 5) * (1 + shares_rng.gauss(0, 0.002)), -3)
        )
        label = "H1" if as_of.month == 6 else "BAL"
        lines.append(
            f"0700.HK,shares_outstanding,{as_of.year},{label},,{as_of},{count},shares,{filed},"
            f"HKEX Monthly Return {as_of:%Y-%m} (sample),,sample://synthetic,synthetic (sample),official,"
        )
    write("hkex/tencent_annual.csv", "\n".join(lines) + "\n")
