"""FX rates in FRED's fredgraph CSV shape, for the sample."""

from __future__ import annotations

from datetime import date

from tools.sample.common import END, FED_HOLIDAYS, bridge_path, rng_for, weekdays, write

# ----------------------------------------------------------------------------------------------------
# FX (FRED fredgraph CSV)
# ----------------------------------------------------------------------------------------------------

# fmt: off
FX_SPECS = {  # series: (anchors, daily log sigma, band to clip to)
    # CNY per USD
    "DEXCHUS": ("2019-01-01:6.86 2019-09-03:7.17 2020-05-27:7.15 2021-05-31:6.37 2022-03-01:6.31 "
                "2022-10-31:7.30 2022-11-30:7.15 2023-09-08:7.33 2024-01-02:7.10 2024-09-30:7.01 "
                "2025-04-09:7.34 2025-12-31:7.05", 0.0018, None),
    # HKD per USD, kept inside the 7.75-7.85 convertibility band
    "DEXHKUS": ("2019-01-01:7.83 2019-04-15:7.849 2020-06-01:7.751 2021-06-01:7.763 2022-06-15:7.849 "
                "2023-06-01:7.835 2024-03-01:7.823 2024-10-01:7.768 2025-05-02:7.752 2025-07-01:7.849 "
                "2025-12-31:7.785", 0.0002, (7.7501, 7.8499)),
}
# fmt: on


def write_fx() -> None:
    days = weekdays(date(2019, 1, 1), END)
    for series, (anchors, sigma, band) in FX_SPECS.items():
        values = bridge_path(rng_for(f"fx:{series}"), days, anchors, sigma)
        lines = [f"observation_date,{series}"]
        for d, v in zip(days, values, strict=True):
            if band:
                v = min(max(v, band[0]), band[1])
            lines.append(f"{d},{'' if d in FED_HOLIDAYS else f'{v:.4f}'}")
        write(f"fx/{series}.csv", "\n".join(lines) + "\n")
