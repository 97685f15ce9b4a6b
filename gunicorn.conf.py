"""gunicorn's settings for the site, read from the working directory (the image's /app).

gunicorn names itself in a `Server` header on every answer; the site does not announce
what software it runs, so the header carries no name or version. Request bodies are
limited by the site (cms.security) and the front proxy (deploy/nginx.conf): gunicorn's
own `limit_request_*` settings bound only the request line and headers, set here.
"""

import email.utils
import os
import time

import gunicorn.http.wsgi
import gunicorn.util

gunicorn.http.wsgi.SERVER = "web"


# The Date header names the second: worked out once a second rather than for every answer
# (email.utils.formatdate, as gunicorn does, with the time of the answer).
_date_of_second = (-1, "")


def _http_date(timestamp=None):
    global _date_of_second
    second = int(time.time() if timestamp is None else timestamp)
    held_second, text = _date_of_second
    if held_second != second:
        text = email.utils.formatdate(second, localtime=False, usegmt=True)
        _date_of_second = (second, text)
    return text


gunicorn.util.http_date = _http_date

limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Threads in each worker process (`--workers`/WEB_CONCURRENCY still sets how many
# processes): a request waiting on PostgreSQL or Redis leaves its process free for the
# next, and a browser's connection is kept open between requests rather than set up again
# for each. Measured with 32 voters on two cores (README, "Benchmarks": `make
# bench-votes`): against sync workers, more votes per second and less CPU per vote.
worker_class = "gthread"
threads = 4

# One process per core the machine gives this one (WEB_CONCURRENCY overrides). Measured
# with 32 voters on two cores (README, "Benchmarks": `make bench-votes`): two processes
# of four threads used less CPU per vote than four (1.2 to 1.4 ms against 1.4 to 1.6 in
# gunicorn), with every process's working set warmer in the cores' caches.
workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)))

# Requests are read by gunicorn-h1c, gunicorn's own parser in C (picohttpparser), where it
# is installed (the Docker image; `make install` where a C compiler is found: it is built
# from source), rather than in Python: the same limits and refusals, for less CPU.
http_parser = "auto"

# Each worker process listens on its own socket (SO_REUSEPORT), and the kernel shares new
# connections out among them. With one shared socket the first process to wake takes
# most of them: 32 kept-alive clients were seen split 28/2/2/0 over four processes, one
# process serving most of the site on one core (a request holds the interpreter) while
# another sat idle, with a third of the machine unused in some runs. With a socket each:
# 11/10/7/4 and the like, and both cores busy.
reuse_port = True
