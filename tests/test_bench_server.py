"""The benchmarks' server is never throttled: they measure pages, and a 429 would stop them half way."""

import re
from pathlib import Path

from bench.server import server_environment
from kb.rates import parse_rate

SETTINGS = Path(__file__).resolve().parents[1] / "kb" / "settings" / "base.py"


def test_every_throttle_rate_of_the_settings_is_set_beyond_reach():
    names = re.findall(r'_rate\("([A-Z_]+)"', SETTINGS.read_text(encoding="utf-8"))
    assert {"API_ANONYMOUS_RATE", "API_EXPORT_RATE", "EXPENSIVE_PAGE_RATE"} <= set(names)
    environment = server_environment(url="postgresql://bench@127.0.0.1/bench")
    for name in names:
        requests, seconds = parse_rate(environment[name])
        assert requests / seconds >= 100_000, f"{name} would throttle a benchmark"
