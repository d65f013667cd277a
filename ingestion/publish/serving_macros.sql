-- Analysts' helpers, created in the published serving file (schema main) by ingestion/publish/serving.py.
-- Table macros: call them in FROM, e.g. SELECT * FROM fundamentals_as_of(DATE '2023-06-30').
-- Both are point in time: nothing filed or traded after the day asked for is used.

-- Every reported figure of every company as it was known on as_of_date: for each period of each
-- metric, the version filed on or before that day and not yet superseded by a later filing then
-- (a restatement filed later does not show). is_latest_period marks, per company, metric and
-- period kind, the most recent period known that day.
CREATE OR REPLACE MACRO fundamentals_as_of(as_of_date) AS TABLE
WITH known AS (
    SELECT f.*
    FROM marts.fct_fundamentals AS f
    WHERE
        f.filed_date <= CAST(as_of_date AS DATE)
        AND (f.superseded_date IS NULL OR f.superseded_date > CAST(as_of_date AS DATE))
)
SELECT
    CAST(as_of_date AS DATE) AS as_of_date,
    known.*,
    known.period_end = max(known.period_end) OVER (
        PARTITION BY known.ticker, known.metric, known.period_kind
    ) AS is_latest_period
FROM known;

-- Each company's valuation on day: its row of marts.fct_valuation_daily for that day, or, when it
-- did not trade that day (weekend, its exchange's holiday), its last trading day before it.
-- valuation_date is the day the row is from, days_stale how many calendar days before `day` it is.
CREATE OR REPLACE MACRO valuation_on(day) AS TABLE
SELECT
    CAST(day AS DATE) AS requested_date,
    v.date AS valuation_date,
    CAST(day AS DATE) - v.date AS days_stale,
    v.*
FROM marts.fct_valuation_daily AS v
WHERE v.date <= CAST(day AS DATE)
QUALIFY row_number() OVER (PARTITION BY v.ticker ORDER BY v.date DESC) = 1;
