// Observable Framework (https://observablehq.com/framework): the aigap dashboard as code.
// `make dashboard` (ingestion/publish/dashboard.py) writes src/data/*.json from the serving file (one dbt model
// each, listed in its EXTRACTS), then builds.
export default {
  title: "aigap",
  root: "src",
  pages: [
    {name: "The two baskets since 2022-11-30", path: "/baskets/"},
    {name: "EV / R&D and return on research", path: "/valuation/"},
    {name: "Compute access ratio", path: "/compute-access/"},
    {name: "Event study", path: "/event-study/"},
    {name: "Fundamentals coverage", path: "/fundamentals-coverage/"},
    {name: "Data quality", path: "/data-quality/"}
  ],
  // No web fonts or other remote stylesheets: the site works offline, as it is built.
  globalStylesheets: [],
  search: false,
  footer: "Built by make dashboard from the published serving file (warehouse/serving/aigap.duckdb)."
};
