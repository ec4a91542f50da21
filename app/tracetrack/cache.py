"""Shared cache on Redis with an in-process fallback.

While Redis fails, a circuit breaker opens and every operation is served by a bounded in-process
cache, so requests keep succeeding. After ``CACHE_RETRY_SECONDS`` the next operation tries Redis
again and, when it answers, the cache is back on Redis. Entries written during the outage stay local:
every cached value has a short TTL, which bounds how stale the other store can be.

Entries that another process must be able to replace at once (who a session or an API key belongs
to, see auth.py) use ``get_shared``/``set_shared``: Redis only, never a copy in this process, so that
a change written by any worker is what every worker reads on its next request.
"""

import json
import logging
import os
import threading
import time
from typing import Any

import pybreaker
import redis
from cachetools import TLRUCache
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)


class LogStateChanges(pybreaker.CircuitBreakerListener):
    """Circuit transitions are the moments operators care about; each one is logged once."""

    def state_change(self, cb, old_state, new_state) -> None:
        log.warning("circuit state changed", extra={"circuit": cb.name, "from": old_state.name, "to": new_state.name})


def redis_options(config: dict) -> dict:
    """Client options shared by the cache and the rate limiter's storage."""
    options = {
        "socket_timeout": config["REDIS_TIMEOUT"],
        "socket_connect_timeout": config["REDIS_TIMEOUT"],
        "health_check_interval": 30,
        # The fallback is the retry strategy: redis-py's own retries would hold each request for seconds.
        "retry": Retry(NoBackoff(), 0),
    }
    # A password in the URL wins (redis-py applies URL options last); the token covers ElastiCache AUTH.
    if config["REDIS_AUTH_TOKEN"]:
        options["password"] = config["REDIS_AUTH_TOKEN"]
    if (config.get("REDIS_URL") or "").startswith("rediss://"):
        # TLS that proves the server: its certificate must chain to a trusted CA (ElastiCache's come from Amazon
        # Trust Services, in the system store) and name the host the URL names. Said here, not left to defaults.
        options.update(ssl_cert_reqs="required", ssl_check_hostname=True)
        if config.get("REDIS_CA_BUNDLE"):
            options["ssl_ca_certs"] = config["REDIS_CA_BUNDLE"]
    return options


# Keys a request's view will read or change, by endpoint: ``plan() -> (reads, marks)``, called before the
# view runs so that auth.load_actor fetches and marks them in the request's one round trip (see bagcache).
REQUEST_KEYS: dict = {}
# How long a change marker stands: longer than a write can take (pool wait plus statement timeout) and
# than a read that began before it can take, plus a replica's usual lag.
CHANGE_MARKER_SECONDS = 15

# What a request needs from Redis before its view runs, in one round trip: count it against its rate limit
# (KEYS[1], skipped when empty), read ARGV[3] keys after it (each answered as a found flag and a value),
# and replace the remaining keys by change markers kept ARGV[2] seconds.
_ROUND_TRIP = """
local count = 0
if KEYS[1] ~= '' then
  count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
end
local reads = tonumber(ARGV[3])
local out = {count}
for i = 2, reads + 1 do
  local value = redis.call('GET', KEYS[i])
  if value then out[#out + 1] = 1; out[#out + 1] = value else out[#out + 1] = 0; out[#out + 1] = '' end
end
for i = reads + 2, #KEYS do redis.call('SET', KEYS[i], '', 'EX', ARGV[2]) end
return out
"""


class _ThreadConnection(threading.local):
    """The Redis connection of one thread, for the commands every request sends (see ``Cache._command``)."""

    connection = None
    pid = None


class Cache:
    def __init__(self, config: dict):
        self.prefix = config["CACHE_KEY_PREFIX"]
        self._local = TLRUCache(maxsize=config["CACHE_LOCAL_MAX_ITEMS"], ttu=lambda _key, item, now: now + item[0])
        self._local_lock = threading.Lock()
        self._redis = None
        if config["REDIS_URL"]:
            self._redis = redis.Redis.from_url(config["REDIS_URL"], **redis_options(config))
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=1,
            reset_timeout=config["CACHE_RETRY_SECONDS"],
            exclude=[lambda exc: not isinstance(exc, redis.RedisError)],
            name="cache",
            listeners=[LogStateChanges()],
        )
        self.hits = 0
        self.misses = 0
        self._round_trip = self._redis.register_script(_ROUND_TRIP) if self._redis is not None else None
        self._thread_connection = _ThreadConnection()
        self.fallback_operations = 0

    @property
    def backend(self) -> str:
        if self._redis is None or self.breaker.current_state == pybreaker.STATE_OPEN:
            return "memory"
        return "redis"

    def _on_redis(self, operation, *args):
        """Run a Redis command; ``False`` as the second value means it could not, use the local store.

        While the circuit is open the breaker refuses at once; after the retry time it lets one command
        through, and its success is what moves the cache back to Redis.
        """
        try:
            with self.breaker.calling():
                return operation(*args), True
        except (redis.RedisError, pybreaker.CircuitBreakerError):
            self.fallback_operations += 1
            return None, False

    def _command(self, *args):
        """One command on this thread's own connection, made by the client's pool from the same settings.

        For the commands on every request's path: it skips what redis-py wraps around each command (the
        pool's checkout, which polls the socket, the retry wrapper, which retries nothing here, and the
        observability hooks). Timeouts, TLS, AUTH and health checks are the connection's own and apply as
        before. A connection whose command failed is closed and connects again on its next command; a
        thread's connection is closed when the thread ends (gunicorn's threads live as long as the worker).
        """
        local = self._thread_connection
        if local.pid != os.getpid():  # a forked worker must not share its parent's socket
            local.connection, local.pid = self._redis.connection_pool.make_connection(), os.getpid()
        connection = local.connection
        try:
            connection.send_command(*args)
            return connection.read_response()
        except redis.ResponseError:
            raise  # an answer from the server: the connection is in step
        except BaseException:
            connection.disconnect()
            raise

    def _run_round_trip(self, keys: list[str], args: list) -> list:
        script = self._round_trip
        try:
            return self._command("EVALSHA", script.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            # A restarted (or flushed) server has forgotten the script: load it again.
            script.sha = self._command("SCRIPT", "LOAD", script.script).decode()
            return self._command("EVALSHA", script.sha, len(keys), *keys, *args)

    def get(self, key: str) -> Any:
        """The cached value or None: from Redis, or from this process's store while Redis is away."""
        key = self.prefix + key
        raw, done = self._on_redis(self._redis.get, key) if self._redis else (None, False)
        if done:
            value = json.loads(raw) if raw is not None else None
        else:
            with self._local_lock:
                item = self._local.get(key)
            value = item[1] if item is not None else None
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def set(self, key: str, value: Any, ttl: float) -> None:
        key = self.prefix + key
        if self._redis is not None:
            _, done = self._on_redis(self._redis.set, key, json.dumps(value, separators=(",", ":")), max(int(ttl), 1))
            if done:
                return
        with self._local_lock:
            self._local[key] = (ttl, value)

    def delete(self, *keys: str) -> None:
        keys = [self.prefix + key for key in keys]
        # The local copy goes too: it may hold a value written while Redis was away.
        with self._local_lock:
            for key in keys:
                self._local.pop(key, None)
        if self._redis is not None and keys:
            self._on_redis(self._redis.delete, *keys)

    @property
    def shared(self) -> bool:
        """Whether a Redis is configured (answering or not) behind this cache."""
        return self._redis is not None

    def get_shared(self, key: str) -> tuple[Any, bool]:
        """Read Redis only: ``(value or None, True)`` when Redis answered, ``(None, False)`` without Redis
        or while it fails. The caller then reads the source of truth instead of a possibly stale copy."""
        raw, answered = self.get_shared_text(key)
        return (json.loads(raw) if raw else None), answered

    def get_shared_text(self, key: str) -> tuple[str | None, bool]:
        """Like ``get_shared`` for a value stored as text: ``""`` is a marker (see ``mark_changed``)."""
        if self._redis is None:
            return None, False
        raw, done = self._on_redis(self._redis.get, self.prefix + key)
        if not done:
            return None, False
        if raw:
            self.hits += 1
            return raw.decode(), True
        self.misses += 1
        return ("" if raw is not None else None), True

    def set_shared(self, key: str, value: Any, ttl: float, only_if_absent: bool = False) -> bool:
        """Write Redis only; True when written. ``only_if_absent`` (SET NX) lets an entry computed from a
        read that may be older never replace one written by a change meanwhile."""
        return self.set_shared_text(key, json.dumps(value, separators=(",", ":")), ttl, only_if_absent)

    def set_shared_text(self, key: str, text: str, ttl: float, only_if_absent: bool = False) -> bool:
        if self._redis is None:
            return False
        result, done = self._on_redis(
            self._command, "SET", self.prefix + key, text, "EX", max(int(ttl), 1), *(["NX"] if only_if_absent else [])
        )
        return done and result is not None

    def round_trip(
        self, counter: str | None, window: float, reads: list[str], marks: list[str] = (), mark_ttl: float = 1
    ) -> tuple[int, list[str | None], bool]:
        """One Redis round trip: add one to ``counter`` (kept ``window`` seconds), read ``reads`` like
        ``get_shared_text``, and replace ``marks`` by change markers (see ``mark_changed``).

        Returns ``(count, values, whether Redis answered)``. Without Redis, or while it fails, the count
        is this process's own, nothing is read and nothing is marked.
        """
        if self._redis is not None:
            keys = [self.prefix + counter if counter else ""]
            keys += [self.prefix + key for key in reads] + [self.prefix + key for key in marks]
            args = [max(int(window), 1), max(int(mark_ttl), 1), len(reads)]
            out, done = self._on_redis(self._run_round_trip, keys, args)
            if done:
                values = [out[i + 1].decode() if out[i] else None for i in range(1, len(out), 2)]
                found = sum(1 for value in values if value)
                self.hits += found
                self.misses += len(values) - found
                return out[0], values, True
        count = 0
        if counter:
            with self._local_lock:
                item = self._local.get(self.prefix + counter)
                count = (item[1] if item is not None else 0) + 1
                self._local[self.prefix + counter] = (window, count)
        return count, [None] * len(reads), False

    def mark_changed(self, keys: list[str], ttl: float) -> bool:
        """Replace entries by an empty marker for ``ttl`` seconds, in one round trip per thousand keys.

        A marker reads as a miss that must not be cached (``set_shared_text`` with ``only_if_absent``
        cannot replace it): a read that began before the change cannot bring the old value back.
        """
        if self._redis is None:
            return True
        for start in range(0, len(keys), 1000):
            if not self.round_trip(None, 1, [], keys[start : start + 1000], ttl)[2]:
                return False
        return True

    def hit_ratio(self) -> float | None:
        total = self.hits + self.misses
        return round(self.hits / total, 4) if total else None

    def probe(self) -> dict:
        """Readiness view: ``ok`` on Redis (or by design without it), ``fallback`` while Redis is away."""
        status = {"backend": self.backend, "hit_ratio": self.hit_ratio(), "latency_ms": None}
        if self._redis is None:
            return {"status": "ok", **status}
        started = time.perf_counter()
        _, done = self._on_redis(self._redis.ping)
        status["backend"] = self.backend
        status["circuit"] = self.breaker.current_state
        if not done:
            return {"status": "fallback", **status}
        status["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return {"status": "ok", **status}

    def stats(self) -> dict:
        return {
            "backend": self.backend,
            "hits": self.hits,
            "misses": self.misses,
            "hit_ratio": self.hit_ratio(),
            "fallback_operations": self.fallback_operations,
        }
