"""What the shared cache (Redis) raises when it cannot be reached, for the modules that must carry on without it."""

from redis.exceptions import RedisError

# Django's RedisCache lets the client's errors through: connection refused or reset, a timeout (see the socket
# timeouts in config/settings.py's CACHES), a server that is loading or read-only.
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)
