"""Money and rates as people read them, and whole cents: exact Decimals, never floats."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
# The largest amount Lojal keeps (a trillion in any currency): well inside NUMERIC(20, 4) on PostgreSQL
# and the 1/10000-unit integers SQLite stores.
MAX_AMOUNT = Decimal(10) ** 12

# ISO 4217 currency codes in use (Saleor's channels use these).
CURRENCIES = frozenset(
    # One string, split: a list of 170 literals would be 170 lines.
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF
    BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC
    CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
    RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC
    SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()  # noqa: SIM905
)


def storable_amount(value: Decimal) -> bool:
    """A finite, non-negative amount no larger than MAX_AMOUNT."""
    return value.is_finite() and Decimal(0) <= value <= MAX_AMOUNT


def amount_text(value: Decimal) -> str:
    """Money for people: at least two decimals ("40.00"), more only when the amount has them."""
    normalized = value.normalize()
    if int(normalized.as_tuple().exponent) >= -2:
        return str(value.quantize(CENT))
    return format(normalized, "f")


def number_text(value: Decimal) -> str:
    """Rates and factors without trailing zeros ("1", "0.1", "2.5")."""
    return format(value.normalize(), "f")


def cents_down(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)
