"""Database engines, transactions and read routing, guarded by circuit breakers.

Writes always go to the primary. Reads go to the replicas of ``DATABASE_READ_URL`` (one URL, or several separated
by commas, taken in turn) when it is set and answering, and fall back to the primary while the replica whose turn
it is fails (its connection, or a query on it).

A breaker opens on connection failures only (``BREAKER_FAIL_MAX`` in a row), never on a query that the
server refused (a statement timeout, a deadlock, a lock timeout, a constraint): those say the server is
up. While a breaker is open every request is refused at once, and one caller at a time, at most once per
``BREAKER_PROBE_SECONDS``, tests the server on a fresh connection; the first answer closes the breaker,
so service resumes within a probe interval of the database coming back.
"""

import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)

# SQLSTATEs that mean "no usable connection" besides the connection-exception class 08: the server is
# shutting down or starting up, or has no connection slot left.
_UNREACHABLE_STATES = {"57P01", "57P02", "57P03", "53300"}
# Refusals that a retry a moment later usually gets past: serialization failure, deadlock, lock timeout,
# statement timeout. Answered 503 database_busy, and never counted against the breaker.
_TRANSIENT_STATES = {"40001", "40P01", "55P03", "57014"}
_SQLITE_UNREACHABLE = {"SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_NOTADB"}
_SQLITE_TRANSIENT = {"SQLITE_BUSY", "SQLITE_LOCKED"}
CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class DatabaseUnavailable(Exception):
    """The database cannot be reached, its circuit is open, or it is too busy; answered with 503."""

    def __init__(self, message: str, retry_after: int = 1, code: str = "database_unavailable"):
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code


def _sqlite_error_name(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlite_errorname", None) if isinstance(exc.orig, sqlite3.Error) else None


def is_connectivity_error(exc: BaseException) -> bool:
    """True for failures that say the server is unreachable, not that it refused a query."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return _sqlite_error_name(exc) in _SQLITE_UNREACHABLE
    state = getattr(exc.orig, "sqlstate", None)
    # psycopg gives no SQLSTATE when there was no server to give one: refused, reset, timed out.
    return state is None or state.startswith("08") or state in _UNREACHABLE_STATES


def is_transient_error(exc: BaseException) -> bool:
    """True for refusals that say "not now" (deadlock, lock or statement timeout), not "never"."""
    if not isinstance(exc, DBAPIError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return _sqlite_error_name(exc) in _SQLITE_TRANSIENT
    return getattr(exc.orig, "sqlstate", None) in _TRANSIENT_STATES


class Breaker:
    """A circuit breaker that probes: closed, open after ``fail_max`` connection failures in a row, and
    half-open while one caller tests the server; the first success closes it."""

    def __init__(self, name: str, fail_max: int, probe_seconds: float):
        self.name = name
        self.fail_max = fail_max
        self.probe_seconds = probe_seconds
        self.current_state = CLOSED
        self.failures = 0
        self._probe_at = 0.0
        self._lock = threading.Lock()

    def _move(self, state: str) -> None:
        if state != self.current_state:
            log.warning("circuit state changed", extra={"circuit": self.name, "from": self.current_state, "to": state})
            self.current_state = state

    def claim_probe(self) -> bool:
        """While not closed: True for the one caller that may test the server now."""
        now = time.monotonic()
        with self._lock:
            if self.current_state == CLOSED or now < self._probe_at:
                return False
            # A probe that never reports (its thread died) is replaced after the same interval.
            self._probe_at = now + self.probe_seconds
            self._move(HALF_OPEN)
            return True

    def success(self) -> None:
        if self.failures or self.current_state != CLOSED:  # the common case takes no lock
            with self._lock:
                self.failures = 0
                self._move(CLOSED)

    def failure(self) -> None:
        with self._lock:
            self.failures += 1
            if self.current_state == HALF_OPEN or self.failures >= self.fail_max:
                self._probe_at = time.monotonic() + self.probe_seconds
                self._move(OPEN)


def make_engine(url: str, config: dict, purpose: str = "service") -> Engine:
    """An engine for `url`. purpose "migration": no statement timeout (an index build or a table rewrite may take
    minutes) but a short lock timeout (DB_MIGRATION_LOCK_TIMEOUT_MS), so that a migration that waits for a lock held
    by live traffic gives up instead of queueing every request behind it."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": config["DB_STATEMENT_TIMEOUT_MS"] / 1000},
            pool_size=config["DB_POOL_SIZE"],
            max_overflow=config["DB_MAX_OVERFLOW"],
            pool_timeout=config["DB_POOL_TIMEOUT"],
        )
        _serialize_sqlite_writes(engine)
        return engine
    if purpose == "migration":
        options = f"-c statement_timeout=0 -c lock_timeout={config['DB_MIGRATION_LOCK_TIMEOUT_MS']}"
    else:
        options = f"-c statement_timeout={config['DB_STATEMENT_TIMEOUT_MS']}"
    if config["DATABASE_SCHEMA"]:
        options += f" -c search_path={config['DATABASE_SCHEMA']}"
    return create_engine(
        url,
        connect_args={"connect_timeout": config["DB_CONNECT_TIMEOUT"], "options": options},
        pool_size=config["DB_POOL_SIZE"],
        max_overflow=config["DB_MAX_OVERFLOW"],
        pool_timeout=config["DB_POOL_TIMEOUT"],
        pool_recycle=config["DB_POOL_RECYCLE"],
        pool_pre_ping=config["DB_POOL_PRE_PING"],
    )


def _serialize_sqlite_writes(engine: Engine) -> None:
    """Make SQLite take its write lock when a transaction starts.

    SQLite has no SELECT ... FOR UPDATE; BEGIN IMMEDIATE gives the same guarantee for the
    read-check-write sequences in bags.py, because the whole transaction holds the database's single
    write lock. pysqlite's own transaction handling is switched off so that BEGIN is ours.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, config: dict):
        self.writer = make_engine(config["DATABASE_URL"], config)
        read_urls = config.get("DATABASE_READ_URLS") or (
            [config["DATABASE_READ_URL"]] if config["DATABASE_READ_URL"] else []
        )
        self.reader = make_engine(read_urls[0], config) if read_urls else None
        self.pool_limit = config["DB_POOL_SIZE"] + config["DB_MAX_OVERFLOW"]
        probe_seconds = config["BREAKER_PROBE_SECONDS"]
        self.breaker = Breaker("database", config["BREAKER_FAIL_MAX"], probe_seconds)
        self.replica_breaker = Breaker("database_replica", 1, probe_seconds)
        # The replicas after the first, each with a breaker of its own: reads take every replica in turn.
        self.more_readers = [
            (make_engine(url, config), Breaker(f"database_replica_{number}", 1, probe_seconds))
            for number, url in enumerate(read_urls[1:], 2)
        ]
        self._turn = itertools.count()
        self.replica_fallbacks = 0

    def replicas(self) -> list[tuple[Engine, "Breaker"]]:
        """Every read replica's engine with its breaker, the first (``reader``) first."""
        return ([(self.reader, self.replica_breaker)] if self.reader is not None else []) + self.more_readers

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def _admit(self, breaker: Breaker, engine: Engine, what: str) -> None:
        """Pass while the breaker is closed; while it is open, refuse at once, or be the one probe."""
        if breaker.current_state == CLOSED:
            return
        if not breaker.claim_probe():
            raise DatabaseUnavailable(f"{what} unavailable (circuit open)")
        # Connections pooled before the outage are dead (a restarted server forgot them): start afresh.
        engine.dispose()
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
                conn.commit()
        except Exception as exc:  # whatever stopped the probe, the server is not serving yet
            breaker.failure()
            raise DatabaseUnavailable(f"{what} unavailable (circuit open)") from exc
        breaker.success()

    @contextmanager
    def _guarded(self, breaker: Breaker, engine: Engine, what: str) -> Iterator[None]:
        self._admit(breaker, engine, what)
        try:
            yield
        except PoolTimeoutError as exc:
            raise DatabaseUnavailable(f"{what} busy: no connection free in the pool", code="database_busy") from exc
        except DBAPIError as exc:
            if is_connectivity_error(exc):
                breaker.failure()
                raise DatabaseUnavailable(f"{what} unavailable: {type(exc.orig).__name__}") from exc
            if is_transient_error(exc):
                raise DatabaseUnavailable(f"{what} busy: {type(exc.orig).__name__}", code="database_busy") from exc
            raise
        breaker.success()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction on the primary, committed when the block ends without an exception."""
        with self._guarded(self.breaker, self.writer, "database"), self.writer.begin() as conn:
            yield conn

    @contextmanager
    def autocommit(
        self, engine: Engine | None = None, breaker: Breaker | None = None, what: str = "database"
    ) -> Iterator[Any]:
        """The primary's psycopg connection in autocommit mode: each statement is its own transaction, sent
        in one round trip (no BEGIN, no COMMIT). For single statements; PostgreSQL only. ``engine``,
        ``breaker`` and ``what`` name a replica's instead (see ``query``).

        Driver errors the block does not handle itself come out as SQLAlchemy's, so that the breaker and
        the error pages treat them like any other.
        """
        engine = engine or self.writer
        with self._guarded(breaker or self.breaker, engine, what):
            dbapi_error = engine.dialect.loaded_dbapi.Error
            try:
                pooled = engine.raw_connection()
            except dbapi_error as exc:
                # The pool's own connect is not wrapped by SQLAlchemy (engine.connect() would be): wrap it, so
                # that a refused connection opens the breaker and answers 503 like any other.
                raise DBAPIError.instance(None, None, exc, dbapi_error, connection_invalidated=True) from exc
            driver = pooled.driver_connection
            driver.autocommit = True
            try:
                yield driver
            except driver.Error as exc:
                raise DBAPIError.instance(None, None, exc, driver.Error, connection_invalidated=driver.broken) from exc
            finally:
                if driver.broken or driver.closed:
                    pooled.invalidate()
                else:
                    driver.autocommit = False
                pooled.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection to the primary: for reads that must see a write just committed (who may
        sign in, whether a session or key is still valid), which a lagging replica may not."""
        with self._guarded(self.breaker, self.writer, "database"), self.writer.connect() as conn:
            yield conn
            # Ended with COMMIT, not the pool's ROLLBACK: psycopg drops every prepared statement of a
            # connection on ROLLBACK, and planning the lookup queries again costs more than running them.
            conn.commit()

    def query(self, work: Callable[..., Any], *args, single_statement: bool = False) -> Any:
        """``work(connection, *args)`` on the next replica in turn when any is configured, else on the primary.

        When that replica cannot be reached, or a query on it fails (a replica cancels queries that
        conflict with recovery, for one), the same work runs again on the primary and is counted in
        ``replica_fallbacks``. Refusals the work raises itself (not found, bad input) pass through.

        ``single_statement``: the work sends one statement, on a psycopg connection in autocommit mode
        (see ``autocommit``; PostgreSQL only), so that no BEGIN and no COMMIT take a round trip each.
        """
        replicas = self.replicas()
        if replicas:
            engine, breaker = replicas[next(self._turn) % len(replicas)]
            try:
                if single_statement:
                    with self.autocommit(engine, breaker, "read replica") as conn:
                        return work(conn, *args)
                with self._guarded(breaker, engine, "read replica"), engine.connect() as conn:
                    result = work(conn, *args)
                    conn.commit()
                return result
            except (DatabaseUnavailable, DBAPIError) as exc:
                self.replica_fallbacks += 1
                log.warning("read replica failed; read from the primary", extra={"reason": str(exc).splitlines()[0]})
        if single_statement:
            with self.autocommit() as conn:
                return work(conn, *args)
        with self.read() as conn:
            return work(conn, *args)

    def probe(self, engine: Engine, breaker: Breaker, what: str) -> dict:
        """Round-trip one trivial query; the readiness check's view of a database."""
        started = time.perf_counter()
        try:
            with self._guarded(breaker, engine, what), engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                conn.commit()  # see read(): a ROLLBACK would cost the pooled connection its prepared statements
        except DatabaseUnavailable as exc:
            return {"status": "fail", "error": str(exc), "circuit": breaker.current_state}
        return {
            "status": "ok",
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "circuit": breaker.current_state,
        }

    def pool_usage(self) -> dict:
        pool = self.writer.pool
        checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
        return {
            "pool_size": pool.size() if hasattr(pool, "size") else 0,
            "checked_out": checked_out,
            "overflow": max(pool.overflow(), 0) if hasattr(pool, "overflow") else 0,
            "limit": self.pool_limit,
            "usage": round(checked_out / self.pool_limit, 3) if self.pool_limit else 0.0,
            "circuit": self.breaker.current_state,
            "replica_fallbacks": self.replica_fallbacks,
        }

    def dispose(self) -> None:
        self.writer.dispose()
        for engine, _breaker in self.replicas():
            engine.dispose()
