"""Figures people read at a glance: money with its currency and large numbers in compact form.

`€421M` says more than "421,214,000.00": pages show the compact form and keep the exact value in a
`title` attribute (the `money` and `compact` filters of cocreate_tags). Separators follow the active
locale through Django's number formatting; the currency is settings.COCREATE_CURRENCY.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.formats import number_format

# The symbol written before the amount; any other ISO code is written out ("SEK 1.2k").
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹"}
SCALES = [(Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "k")]


def to_decimal(value) -> Decimal | None:
    """A Decimal, or None for nothing or anything that is not a finite number."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def compact_number(value) -> str:
    """1234 → "1.2k", 421214000 → "421M", 12.5 → "12.5"; below 1,000 at most one decimal; "–" for none.

    One decimal while the scaled number is below 100 (and the decimal is not 0), none above: three
    significant digits at most, enough to compare and rank at a glance.
    """
    number = to_decimal(value)
    if number is None:
        return "–"
    sign, magnitude = ("-" if number < 0 else ""), abs(number)
    suffix = ""
    for scale, letter in SCALES:
        # 999,950 rounds to 1,000k: step up to the next scale instead.
        if magnitude >= scale * Decimal("0.99995"):
            magnitude, suffix = magnitude / scale, letter
            break
    rounded = magnitude.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded >= 100 or rounded == rounded.to_integral_value():
        shown = number_format(rounded.quantize(Decimal(1), rounding=ROUND_HALF_UP), 0, use_l10n=True)
    else:
        shown = number_format(rounded, 1, use_l10n=True)
    return f"{sign}{shown}{suffix}"


def exact_number(value, decimals: int = 2) -> str:
    """The whole value with the locale's separators: 421214000 → "421,214,000.00"."""
    number = to_decimal(value)
    if number is None:
        return "–"
    return number_format(number, decimals, use_l10n=True, force_grouping=True)


def currency_code() -> str:
    return settings.COCREATE_CURRENCY


def with_currency(amount: str, code: str | None = None) -> str:
    code = code or currency_code()
    symbol = SYMBOLS.get(code)
    if amount.startswith("-"):
        return "-" + with_currency(amount[1:], code)
    return f"{symbol}{amount}" if symbol else f"{code}\u00a0{amount}"


def money_compact(value, code: str | None = None) -> str:
    """421214000 → "€421M"; 1234.5 → "€1.2k"; 12.5 → "€12.5"; None → "–"."""
    if to_decimal(value) is None:
        return "–"
    return with_currency(compact_number(value), code)


def money_exact(value, code: str | None = None) -> str:
    """421214000 → "€421,214,000.00" (the title of a compact amount, exports and charts' tooltips)."""
    if to_decimal(value) is None:
        return "–"
    return with_currency(exact_number(value), code)
