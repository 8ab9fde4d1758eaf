"""gunicorn's settings for the portal in production (`gunicorn -c config/gunicorn.py config.wsgi`; `make serve`).

Threaded workers (gthread): a request waiting on Stripe (at most STRIPE_DONOR_WAIT_SECONDS) or on the database holds
one thread, not a whole process, so the other threads keep serving the directory. One process per core (Python runs
one thread at a time per process), several threads each for the waits. Each thread may keep one database connection
open (DATABASE_CONN_MAX_AGE): WEB_CONCURRENCY x WEB_THREADS connections per machine, well under PostgreSQL's 100.
"""

import os

from config.env import env_int, env_str

bind = env_str("WEB_BIND", f"{env_str('HOST', '0.0.0.0')}:{env_int('PORT', 8000, minimum=1, maximum=65535)}")  # noqa: S104
workers = env_int("WEB_CONCURRENCY", max(2, os.cpu_count() or 1), minimum=1, maximum=64)
threads = env_int("WEB_THREADS", 8, minimum=1, maximum=64)
worker_class = "gthread"
timeout = 30  # a worker silent this long is restarted; every Stripe wait on the donor's path ends well before
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then (jittered, so not all at once)
max_requests_jitter = 500
accesslog = None
errorlog = "-"
# gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): several servers on one machine (two app
# servers, a benchmark beside a deployment) would take it from each other. Nothing here uses it.
control_socket_disable = True
loglevel = env_str("WEB_LOG_LEVEL", "info")
