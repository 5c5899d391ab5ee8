"""Reading settings from the environment, failing loudly on values that cannot be meant."""

import os
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rates(name: str) -> dict[str, Decimal]:
    """`USD=0.92,GBP=1.17` as {"USD": Decimal("0.92"), …}: ISO 4217 codes and positive, finite rates."""
    rates = {}
    for pair in env_list(name, []):
        code, _sep, raw = pair.partition("=")
        code = code.strip().upper()
        try:
            rate = Decimal(raw.strip())
        except InvalidOperation:
            rate = None
        if not re.fullmatch(r"[A-Z]{3}", code) or rate is None or not rate.is_finite() or rate <= 0:
            raise ImproperlyConfigured(f"{name}: {pair!r} is not CODE=RATE with a positive rate (USD=0.92).")
        rates[code] = rate
    return rates
