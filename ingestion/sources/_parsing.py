"""Checks shared by the CSV and JSON parsers of the market, FX, Federal Register and manual sources.

One wording per problem, so a quarantine reason reads the same whichever source it came from. Each
check raises ``BadSourceFile(path, reason)``; ``what`` names the format that was expected
(e.g. "EODHD eod CSV") and ``where`` the spot in the file (e.g. "line 12, column Close").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import orjson

from ingestion.errors import BadSourceFile

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Plain decimal numbers only: float() would also take "nan", "inf" and "1_000", which no provider sends.
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def decode_text(body: bytes, path: str, what: str) -> str:
    """The body as text, after refusing an empty body and an HTML page answered with status 200."""
    if not body.strip():
        raise BadSourceFile(path, f"empty body, expected {what}")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadSourceFile(path, f"not UTF-8 text, expected {what} ({exc})") from exc
    # Providers answer rate limits, logins and outages with an HTML page and status 200.
    if text.lstrip()[:1] == "<":
        raise BadSourceFile(path, f"an HTML/XML page, expected {what}: {_snippet(text)}")
    return text


def load_json(body: bytes, path: str, what: str) -> Any:
    text = decode_text(body, path, what)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadSourceFile(path, f"not JSON, expected {what} ({exc}): {_snippet(text)}") from exc


def csv_rows(text: str, path: str, what: str, header: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each data row, after checking the header is exactly ``header``."""
    reader = csv.reader(io.StringIO(text))
    found = [h.strip() for h in next(reader, [])]
    if found != header:
        raise BadSourceFile(path, f"header {','.join(found)!r}, expected {what} header {','.join(header)!r}")
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue  # trailing blank lines
        if len(fields) != len(header):
            raise BadSourceFile(
                path, f"line {reader.line_num}: {len(fields)} fields, expected {len(header)} ({what})"
            )
        yield reader.line_num, [f.strip() for f in fields]


def parse_date(value: Any, path: str, where: str) -> date:
    # fromisoformat alone would also take "20230215" and week dates: insist on YYYY-MM-DD.
    if not isinstance(value, str) or not _DATE.match(value):
        raise BadSourceFile(path, f"{where}: {value!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadSourceFile(path, f"{where}: {value!r} is not a calendar date ({exc})") from exc


def parse_optional_date(value: Any, path: str, where: str) -> date | None:
    return None if value is None or value == "" else parse_date(value, path, where)


def parse_number(text: str, path: str, where: str) -> float | None:
    """A CSV field as a float; an empty field is null."""
    if text == "":
        return None
    if not _NUMBER.match(text):
        raise BadSourceFile(path, f"{where}: {text!r} is not a number")
    return float(text)


def json_number(value: Any, path: str, where: str) -> float | None:
    """A JSON number (or a numeric string, as some providers send) as a float; null stays null."""
    if value is None:
        return None
    if isinstance(value, bool):  # bool is an int in Python, never a price
        raise BadSourceFile(path, f"{where}: {value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return parse_number(value.strip(), path, where)
    raise BadSourceFile(path, f"{where}: {value!r} is not a number")


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat[:limit] + ("…" if len(flat) > limit else ""))
