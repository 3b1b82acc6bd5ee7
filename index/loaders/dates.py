"""Publication dates to ISO ``YYYY-MM-DD`` (or None)."""

from __future__ import annotations

import logging
import warnings
from datetime import UTC, date, datetime

from dateutil import parser as date_parser

logger = logging.getLogger(__name__)

MIN_YEAR = 1800
MAX_YEAR = 2200
_EPOCH_MS_THRESHOLD = 100_000_000_000  # larger magnitudes are milliseconds (after 1973)
_DEFAULT = datetime(2000, 1, 1)  # fills missing parts ("June 2022" -> 2022-06-01)


def normalize_date(value: object) -> str | None:
    """Strings (dateutil), epoch seconds/ms (numbers or digit strings), date objects."""
    parsed = _to_date(value)
    if parsed is None:
        if value not in (None, ""):
            logger.debug("unparseable date %r", value)
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        logger.debug("date %r outside %d..%d", value, MIN_YEAR, MAX_YEAR)
        return None
    return parsed.isoformat()


def _to_date(value: object) -> date | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if isinstance(value, str):
        return _from_string(value.strip())
    return None


def _from_epoch(seconds: float) -> date | None:
    if abs(seconds) >= _EPOCH_MS_THRESHOLD:
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def _from_string(text: str) -> date | None:
    if not text:
        return None
    if text.isdigit() and len(text) >= 9:  # 8 digits stay a compact date: 20220612
        return _from_epoch(float(text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed: datetime = date_parser.parse(text, default=_DEFAULT)
            return parsed.date()
    except (ValueError, OverflowError, TypeError):
        return None
