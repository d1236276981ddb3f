"""Django's Redis cache, answering "not cached" while Redis is unreachable.

Everything this project keeps in the cache can be lost: API throttle counters, password-reset
counters, memoised lookups. Sessions are in the database. So a Redis outage must not fail a page:
every operation treats a connection error or a timeout as a miss (a read returns the default, a
write stores nothing), logs a warning, and gives up within the short socket timeouts below rather
than holding the request. Rate limits counted here are not enforced while Redis is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# Seconds: a page waits at most about this long for a cache that is not answering.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 0)}

T = TypeVar("T")


class TolerantRedisCache(RedisCache):
    """RedisCache whose operations degrade to a miss when Redis cannot be reached.

    OPTIONS are passed to redis-py's connection pool as RedisCache passes them; the timeouts and the
    no-retry policy above are the defaults.
    """

    def __init__(self, server: str, params: dict) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)

    def _tolerate(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        try:
            return call()
        except UNAVAILABLE as exc:
            logger.warning("Cache unavailable; %s treated as a miss: %s", operation, exc)
            return fallback

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._tolerate("get", lambda: super(TolerantRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict:
        return self._tolerate("get_many", lambda: super(TolerantRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._tolerate("has_key", lambda: super(TolerantRedisCache, self).has_key(key, version), False)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._tolerate("add", lambda: super(TolerantRedisCache, self).add(key, value, timeout, version),
                              False)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._tolerate("set", lambda: super(TolerantRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list:
        # Every key is reported as not stored, as set_many does for keys it failed to insert.
        return self._tolerate("set_many", lambda: super(TolerantRedisCache, self).set_many(data, timeout, version),
                              list(data))

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._tolerate("touch", lambda: super(TolerantRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._tolerate("delete", lambda: super(TolerantRedisCache, self).delete(key, version), False)

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        self._tolerate("delete_many", lambda: super(TolerantRedisCache, self).delete_many(keys, version), None)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        # As if the counter had just been created: a count kept in the cache starts again.
        return self._tolerate("incr", lambda: super(TolerantRedisCache, self).incr(key, delta, version), delta)

    def clear(self) -> None:
        self._tolerate("clear", lambda: super(TolerantRedisCache, self).clear(), None)
