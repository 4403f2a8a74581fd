"""The cache backends behind the page cache and the throttles (`CACHES` in the settings).

Both answer `count(key, timeout)`: add one to a counter that expires `timeout` seconds after it was first counted,
and give its new value, atomically for every process that shares the store; the throttles count with it
(`kb.throttling`). And `acquire(key, timeout)`: take a lock that expires by itself, True if taken, False if another
process holds it, None if the store cannot say; a page's build takes one so that concurrent misses build it once
(`kb.cache`).

- `FileCache`: one machine's workers share a folder. Django's backend lists the whole folder on every write to see
  whether it is full (24 ms a write at 19,000 entries); this one looks once every `CULL_EVERY` writes of a process,
  keeps entries uncompressed (a hit no longer inflates a page), and removes an entry before moving its new file in
  (ext4 flushes a file renamed over another).
- `SharedRedisCache`: every app server shares one Redis (`REDIS_URL`). Django's backend raises when Redis cannot be
  reached; this one logs it and answers as a miss (a read gives the default, a write keeps nothing, a count gives
  None), and leaves Redis alone for `RETRY_AFTER` seconds, so an outage costs each request nothing but the miss.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import tempfile
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class FileCache(FileBasedCache):
    LOCK_NAME = "counters.lock"  # without the cache suffix: never listed as an entry, never culled

    def __init__(self, dir, params):
        options = params.get("OPTIONS", {})
        self._cull_every = int(options.get("CULL_EVERY", 100))
        super().__init__(dir, {**params, "OPTIONS": {k: v for k, v in options.items() if k != "CULL_EVERY"}})
        self._writes = 0

    def get(self, key, default=None, version=None):
        try:
            with open(self._key_to_file(key, version), "rb") as f:
                if not self._is_expired(f):
                    return pickle.loads(f.read())
        except (FileNotFoundError, pickle.UnpicklingError, EOFError, ValueError):  # gone, or written compressed by Django's backend
            pass
        return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """As Django's backend, written to a file of its own and moved in place, but into a name the old entry no
        longer holds: ext4 flushes a file renamed over another to disk at once (`auto_da_alloc`), 110 µs a write. A
        reader between the two steps finds no entry: a miss."""
        self._createdir()  # the folder may have been removed
        name = self._key_to_file(key, version)
        self._cull()
        descriptor, temporary = tempfile.mkstemp(dir=self._dir)
        try:
            with open(descriptor, "wb") as file:
                self._write_content(file, timeout, value)
            with contextlib.suppress(FileNotFoundError):
                os.remove(name)
            os.rename(temporary, name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
            raise

    def _write_content(self, file, timeout, value):
        """As Django's backend, uncompressed: a hit reads a page of 100 KB or more, and inflating it took a quarter of
        the hit's time. The folder takes about four times the room."""
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(pickle.dumps(value, self.pickle_protocol))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        missing = object()
        value = self.get(key, missing, version)
        if value is missing:
            return False
        self.set(key, value, timeout, version)
        return True

    def _cull(self):
        """Whether the folder is full is asked on the first write, then once every `CULL_EVERY` writes of this
        process: the folder may grow past MAX_ENTRIES by as many writes between two looks, in each worker."""
        self._writes += 1
        if self._writes % self._cull_every == 1 or self._cull_every == 1:
            super()._cull()

    def count(self, key: str, timeout: int) -> int:
        """Under the folder's lock: a live counter is rewritten in place, keeping its first count's expiry (one small
        file read and written, no new file moved in); an expired or unreadable one starts again at 1."""
        self._createdir()
        with open(os.path.join(self._dir, self.LOCK_NAME), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            try:
                with open(self._key_to_file(key), "r+b") as file:
                    expires, value = pickle.load(file), pickle.load(file) + 1
                    if expires is None or expires >= time.time():
                        file.seek(0)
                        file.write(pickle.dumps(expires, self.pickle_protocol) + pickle.dumps(value, self.pickle_protocol))
                        file.truncate()
                        return value
            except (FileNotFoundError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
                pass
            self.set(key, 1, timeout)
            return 1

    def acquire(self, key: str, timeout: int) -> bool:
        self._createdir()
        with open(os.path.join(self._dir, self.LOCK_NAME), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # Django's add() looks, then writes: not atomic between processes alone
            return self.add(key, True, timeout)


class SharedRedisCache(RedisCache):
    RETRY_AFTER = 5.0  # seconds without asking Redis once it failed to answer

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _safely(self, fallback, method, *args, **kwargs):
        import redis

        if time.monotonic() < self._down_until:
            return fallback
        try:
            return method(*args, **kwargs)
        except redis.RedisError as error:
            with self._lock:
                if time.monotonic() >= self._down_until:
                    logger.warning(
                        "The shared cache at %s did not answer (%s): pages are served uncached and requests are not "
                        "counted by the throttles for the next %s seconds.",
                        ", ".join(self._servers),
                        error,
                        self.RETRY_AFTER,
                    )
                self._down_until = time.monotonic() + self.RETRY_AFTER
            return fallback

    def get(self, key, default=None, version=None):
        return self._safely(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._safely({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._safely(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely(False, super().add, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely(list(data), super().set_many, data, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._safely(None, super().incr, key, delta, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._safely(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._safely(None, super().delete_many, keys, version)

    def clear(self):
        return self._safely(False, super().clear)

    def acquire(self, key: str, timeout: int) -> bool | None:
        """SET NX with an expiry: taken by one server only; None, not False, when Redis does not answer, so that
        nobody waits for a build that no lock stands for."""
        return self._safely(None, super().add, key, True, timeout)

    def count(self, key: str, timeout: int) -> int | None:
        """INCR and, for a new counter, EXPIRE, in one transaction: two servers counting at once both count."""
        return self._safely(None, self._count, self.make_and_validate_key(key), timeout)

    def _count(self, key: str, timeout: int) -> int:
        client = self._cache.get_client(key, write=True)
        with client.pipeline() as pipeline:
            pipeline.incr(key)
            pipeline.expire(key, timeout, nx=True)
            value, _ = pipeline.execute()
        return int(value)
