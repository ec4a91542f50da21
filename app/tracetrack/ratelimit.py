"""Rate limits counted in fixed windows: in Redis for the whole fleet, in this process while Redis is away.

An API request's count and the caller's cached identity are read in one Redis round trip (see
``auth.load_actor``): limiting costs no round trip of its own. A limit is written like ``3000 per minute``.
"""

import time

import limits

from .errors import ApiError


class TooManyRequests(ApiError):
    def __init__(self, limit: "RateLimit", retry_after: int):
        super().__init__(429, "too_many_requests", f"rate limit of {limit.text} reached")
        self.headers = {"Retry-After": str(retry_after)}


class RateLimit:
    def __init__(self, text: str):
        item = limits.parse(text)
        self.text = text
        self.amount = item.amount
        self.period = item.get_expiry()

    def counter(self, who: str) -> str:
        """The cache key that counts ``who``'s requests in the current window."""
        return f"rate:{who}:{int(time.time() // self.period)}"

    def hit(self, cache, who: str) -> None:
        """Count one request of ``who`` and refuse it if it goes over the limit."""
        self.check(cache.round_trip(self.counter(who), self.period, [])[0])

    def check(self, count: int) -> None:
        """Refuse the request that made the count go over the limit; it may retry when the window ends."""
        if count > self.amount:
            raise TooManyRequests(self, max(int(self.period - time.time() % self.period), 1))
