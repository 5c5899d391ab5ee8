"""Transactions in other currencies than the site's (COCREATE_CURRENCY), converted with the operator's
fixed rates: settings.CLV_EXCHANGE_RATES maps an ISO 4217 code to the units of the site currency that one
unit of it is worth ({"USD": Decimal("0.92")} on a site in EUR).

A transaction is stored as it was sent (its amount and currency; the site currency is stored empty), so
its identity, and with it the import's idempotence, does not depend on a rate. Readers convert when they
add amounts up, with `site_amount()`: the one rule, as a database expression built from the same rates
as `to_site_currency`. The import refuses a currency without a rate; a transaction stored earlier in a
currency whose rate was removed is left out of the sums (and counted where a fit reports its data).
"""

import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, DecimalField, F, Value, When

CURRENCY = re.compile(r"^[A-Z]{3}$")
# Wide enough for any stored amount (12 digits, 2 places) times any sane rate.
SITE_AMOUNT_FIELD = DecimalField(max_digits=30, decimal_places=10)


def exchange_rates() -> dict[str, Decimal]:
    """The configured rates as Decimals, by upper-case code, without the site currency (always 1)."""
    rates = {}
    for code, raw in (settings.CLV_EXCHANGE_RATES or {}).items():
        rate = parse_rate(code, raw)
        code = code.strip().upper()
        if code != settings.COCREATE_CURRENCY:
            rates[code] = rate
    return rates


def parse_rate(code: str, raw) -> Decimal:
    """One rate checked: a three-letter code and a positive, finite number (the site currency's is 1)."""
    try:
        rate = Decimal(str(raw).strip())
    except InvalidOperation:
        rate = None
    clean = str(code).strip().upper()
    if not CURRENCY.match(clean) or rate is None or not rate.is_finite() or rate <= 0:
        raise ImproperlyConfigured(
            f"CLV_EXCHANGE_RATES: {code!r}={raw!r} is not an ISO 4217 code with a positive rate (USD=0.92)."
        )
    if clean == settings.COCREATE_CURRENCY and rate != 1:
        raise ImproperlyConfigured(
            f"CLV_EXCHANGE_RATES: {clean} is the site currency; its rate is 1, not {raw!r}."
        )
    return rate


def to_site_currency(amount: Decimal, currency: str) -> Decimal | None:
    """`amount` in `currency` ("" = the site's) in the site currency; None when it has no rate."""
    if not currency or currency == settings.COCREATE_CURRENCY:
        return amount
    rate = exchange_rates().get(currency)
    return None if rate is None else amount * rate


def site_amount(prefix: str = "") -> Case:
    """A transaction's amount in the site currency as an expression (NULL without a rate, so sums leave
    it out); `prefix` reaches the transaction through a relation, e.g. "transactions__"."""
    amount, currency = F(f"{prefix}amount"), f"{prefix}currency"
    whens = [When(**{currency: ""}, then=amount)]
    whens += [
        When(**{currency: code}, then=amount * Value(rate, output_field=SITE_AMOUNT_FIELD))
        for code, rate in sorted(exchange_rates().items())
    ]
    return Case(*whens, default=Value(None), output_field=SITE_AMOUNT_FIELD)
