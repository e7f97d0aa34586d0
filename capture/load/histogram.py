"""Latencies in HdrHistogram-style log-linear buckets: exact below 256 µs, then 128 buckets per
power of two (under 1 % error at any size), so a run of millions of answers takes a few KB
and every percentile is read from the buckets, never from a sorted list of samples.

Written here rather than taken from the `hdrhistogram` package: the buckets are 30 lines,
and that package's C extension is one more build that the runs here would depend on."""

from __future__ import annotations

from dataclasses import dataclass, field

_EXACT = 256  # values below this have a bucket each
_SUB = 128  # buckets per power of two above it
_MAX_SHIFT = 40  # 2^48 µs: about 9 years, past any latency


def _index(value_us: int) -> int:
    if value_us < _EXACT:
        return max(value_us, 0)
    shift = value_us.bit_length() - 8
    return _EXACT + (shift - 1) * _SUB + ((value_us >> shift) - _SUB)


def _highest(index: int) -> int:
    """The largest value bucket `index` holds (reported as the bucket's value, as HdrHistogram
    does, so a percentile is never under the true one)."""
    if index < _EXACT:
        return index
    shift = (index - _EXACT) // _SUB + 1
    top = (index - _EXACT) % _SUB + _SUB
    return ((top + 1) << shift) - 1


@dataclass
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (_EXACT + _MAX_SHIFT * _SUB))
    total: int = 0
    max_us: int = 0

    def record(self, seconds: float) -> None:
        value = int(seconds * 1_000_000)
        index = min(_index(value), len(self.counts) - 1)
        self.counts[index] += 1
        self.total += 1
        self.max_us = max(self.max_us, value)

    def percentile(self, p: float) -> float:
        """The latency in seconds that p % of the recorded ones do not exceed (0 when empty)."""
        if not self.total:
            return 0.0
        rank = max(1, -(-self.total * p // 100))
        seen = 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                return min(_highest(index), self.max_us) / 1_000_000
        return self.max_us / 1_000_000

    def count_over(self, seconds: float) -> int:
        """How many recorded latencies are above `seconds` (to bucket precision)."""
        limit = int(seconds * 1_000_000)
        return sum(c for i, c in enumerate(self.counts) if c and _highest(i) > limit)

    def bands(self) -> list[tuple[float, float, int]]:
        """Counts per power-of-two band of latency, (low s, high s, count), empty bands left
        out: the shape of the histogram in a few lines."""
        bands: dict[int, int] = {}
        for index, count in enumerate(self.counts):
            if count:
                value = _highest(index)
                band = value.bit_length()
                bands[band] = bands.get(band, 0) + count
        return [
            ((1 << (b - 1)) / 1e6 if b else 0.0, ((1 << b) - 1) / 1e6, n)
            for b, n in sorted(bands.items())
        ]
