"""What a benchmark leaves behind, removed: its PostgreSQL schema and the Redis keys under its prefix."""

import redis
from sqlalchemy import create_engine, text


def remove(database_url: str, schema: str, redis_url: str, prefix: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
    client = redis.Redis.from_url(redis_url)
    stale = list(client.scan_iter(match=prefix + "*"))
    if stale:
        client.delete(*stale)
