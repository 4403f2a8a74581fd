"""Request rates as the settings write them (`120/minute`), read by the settings themselves and by the throttles:
nothing here imports Django."""

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`120/minute` as (requests, seconds); `s`, `m`, `h`, `d` for short, as DRF reads them."""
    number, _, period = rate.partition("/")
    number, period = number.strip(), period.strip()
    seconds = next((length for name, length in PERIODS.items() if period and name.startswith(period)), None)
    if not (number.isascii() and number.isdigit()) or seconds is None:
        raise ValueError(f"“{rate}” is not a rate: a number of requests per second, minute, hour or day, such as 120/minute.")
    return int(number), seconds
