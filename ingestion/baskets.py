"""Baskets and the pairs compared: data, in the dbt seeds ``baskets.csv`` and ``basket_pairs.csv``.

dbt joins the same two files in every gap mart (``dim_basket``, ``fct_basket_gap_daily``,
``fct_pair_gap_daily``); this module reads them for the universe's validation, so a universe row
naming a basket that is not in the basket file is refused with the file, line and basket before
anything is fetched. Names follow one pattern (a letter, then letters, digits or underscores, at most
30): they reach SQL literals and file names of charts.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingestion.config import REPO_ROOT

SEEDS = REPO_ROOT / "dbt_project" / "seeds"
BASKETS_FILE = SEEDS / "baskets.csv"
PAIRS_FILE = SEEDS / "basket_pairs.csv"

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,29}$")
_PRICE_SYMBOL = re.compile(r"^[A-Z0-9]{1,8}(\.[A-Z]{1,5})$")


class BasketFileError(ValueError):
    """The basket or pair file has a row aigap refuses to use."""


@dataclass(frozen=True)
class Basket:
    name: str
    description: str
    benchmark_price_symbol: str


@dataclass(frozen=True)
class BasketPair:
    pair: str
    long_basket: str
    short_basket: str
    description: str


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise BasketFileError(f"{path}: not found (the basket files live in dbt_project/seeds/)") from exc
    except UnicodeDecodeError as exc:
        raise BasketFileError(f"{path}: not UTF-8 text ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise BasketFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return [
        (lineno, {k: (v or "").strip() for k, v in row.items() if k in columns})
        for lineno, row in enumerate(reader, start=2)
    ]


def _name(path: Path, lineno: int, column: str, value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise BasketFileError(
            f"{path}, line {lineno}, column {column}: {value!r} does not match {NAME_PATTERN.pattern}"
        )
    return value


def read_baskets(path: Path = BASKETS_FILE) -> dict[str, Basket]:
    """The baskets by name, in file order; a bad or repeated name is refused with its line."""
    baskets: dict[str, Basket] = {}
    for lineno, row in _rows(path, ("basket", "description", "benchmark_price_symbol")):
        name = _name(path, lineno, "basket", row["basket"])
        if name in baskets:
            raise BasketFileError(f"{path}, line {lineno}, column basket: {name!r} appears twice")
        if not _PRICE_SYMBOL.match(row["benchmark_price_symbol"]):
            raise BasketFileError(
                f"{path}, line {lineno}, column benchmark_price_symbol: {row['benchmark_price_symbol']!r} "
                f"does not match {_PRICE_SYMBOL.pattern}"
            )
        if not row["description"]:
            raise BasketFileError(f"{path}, line {lineno}, column description: is required")
        baskets[name] = Basket(name, row["description"], row["benchmark_price_symbol"])
    if not baskets:
        raise BasketFileError(f"{path}: no rows")
    return baskets


def read_pairs(path: Path = PAIRS_FILE, baskets: dict[str, Basket] | None = None) -> list[BasketPair]:
    """The pairs compared; each side must be a basket of the basket file."""
    known = read_baskets() if baskets is None else baskets
    pairs: list[BasketPair] = []
    seen: set[str] = set()
    for lineno, row in _rows(path, ("pair", "long_basket", "short_basket", "description")):
        name = _name(path, lineno, "pair", row["pair"])
        if name in seen:
            raise BasketFileError(f"{path}, line {lineno}, column pair: {name!r} appears twice")
        seen.add(name)
        for column in ("long_basket", "short_basket"):
            if row[column] not in known:
                raise BasketFileError(
                    f"{path}, line {lineno}, column {column}: {row[column]!r} is not a basket of the basket "
                    f"file ({', '.join(known)})"
                )
        if row["long_basket"] == row["short_basket"]:
            raise BasketFileError(f"{path}, line {lineno}: a pair compares two different baskets")
        pairs.append(BasketPair(name, row["long_basket"], row["short_basket"], row["description"]))
    return pairs


def basket_order(baskets: Iterable[str]) -> list[str]:
    """The baskets given, the default pair's (first row of the pair file) first, then by name: the order
    charts, legends and the run summary show them in."""
    present = set(baskets)
    pairs = read_pairs()
    first = [b for b in ((pairs[0].long_basket, pairs[0].short_basket) if pairs else ()) if b in present]
    return first + sorted(present - set(first))
