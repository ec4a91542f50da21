"""Database engines, transactions and read routing, guarded by circuit breakers.

Writes always go to the primary. Reads go to ``DATABASE_READ_URL`` when it is set and answering, and
fall back to the primary while the replica's breaker is open.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pybreaker
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot be reached or its circuit is open; answered with 503."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


def is_connectivity_error(exc: BaseException) -> bool:
    """True for failures that say the server is unreachable or unwell, not that a query was wrong."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def make_engine(url: str, config: dict) -> Engine:
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


class LogStateChanges(pybreaker.CircuitBreakerListener):
    """Circuit transitions are the moments operators care about; each one is logged once."""

    def state_change(self, cb, old_state, new_state) -> None:
        log.warning("circuit state changed", extra={"circuit": cb.name, "from": old_state.name, "to": new_state.name})


class Database:
    def __init__(self, config: dict):
        self.writer = make_engine(config["DATABASE_URL"], config)
        self.reader = make_engine(config["DATABASE_READ_URL"], config) if config["DATABASE_READ_URL"] else None
        self.pool_limit = config["DB_POOL_SIZE"] + config["DB_MAX_OVERFLOW"]
        exclude = [lambda exc: not is_connectivity_error(exc)]
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=config["BREAKER_FAIL_MAX"],
            reset_timeout=config["BREAKER_RESET_SECONDS"],
            exclude=exclude,
            name="database",
            listeners=[LogStateChanges()],
        )
        self.replica_breaker = pybreaker.CircuitBreaker(
            fail_max=1,
            reset_timeout=config["BREAKER_RESET_SECONDS"],
            exclude=exclude,
            name="database_replica",
            listeners=[LogStateChanges()],
        )
        self.replica_fallbacks = 0

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    @contextmanager
    def _guarded(self, breaker: pybreaker.CircuitBreaker, what: str) -> Iterator[None]:
        try:
            with breaker.calling():
                yield
        except pybreaker.CircuitBreakerError as exc:
            retry_after = max(int(breaker.reset_timeout), 1)
            raise DatabaseUnavailable(f"{what} unavailable (circuit open)", retry_after=retry_after) from exc
        except PoolTimeoutError as exc:
            raise DatabaseUnavailable(f"{what} busy: no connection free in the pool") from exc
        except DBAPIError as exc:
            if is_connectivity_error(exc):
                raise DatabaseUnavailable(f"{what} unavailable: {type(exc.orig).__name__}") from exc
            raise

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction on the primary, committed when the block ends without an exception."""
        with self._guarded(self.breaker, "database"), self.writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self, primary: bool = False) -> Iterator[Connection]:
        """A read-only connection, on the replica when one is configured and reachable.

        ``primary`` reads the primary even then: for reads that must see a write just committed
        (who may sign in, whether a session or key is still valid), which a lagging replica may not.
        """
        if self.reader is not None and not primary:
            conn = self._replica_connection()
            if conn is not None:
                with conn:
                    yield conn
                    conn.commit()
                return
        with self._guarded(self.breaker, "database"), self.writer.connect() as conn:
            yield conn
            # Ended with COMMIT, not the pool's ROLLBACK: psycopg drops every prepared statement of a
            # connection on ROLLBACK, and planning the lookup queries again costs more than running them.
            conn.commit()

    def _replica_connection(self) -> Connection | None:
        """A replica connection, or None while the replica is failing (its breaker logs the transitions)."""
        try:
            with self._guarded(self.replica_breaker, "read replica"):
                return self.reader.connect()
        except DatabaseUnavailable:
            self.replica_fallbacks += 1
            return None

    def probe(self, engine: Engine, breaker: pybreaker.CircuitBreaker, what: str) -> dict:
        """Round-trip one trivial query; the readiness check's view of a database."""
        started = time.perf_counter()
        try:
            with self._guarded(breaker, what), engine.connect() as conn:
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
        if self.reader is not None:
            self.reader.dispose()
