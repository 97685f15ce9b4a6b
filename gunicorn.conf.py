"""gunicorn's settings for the site, read from the working directory (the image's /app).

gunicorn names itself in a `Server` header on every answer; the site does not announce
what software it runs, so the header carries no name or version. Request bodies are
limited by the site (cms.security) and the front proxy (deploy/nginx.conf): gunicorn's
own `limit_request_*` settings bound only the request line and headers, set here.
"""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "web"

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

# Each worker process listens on its own socket (SO_REUSEPORT), and the kernel shares new
# connections out among them. With one shared socket the first process to wake takes
# most of them: 32 kept-alive clients were seen split 28/2/2/0 over four processes, one
# process serving most of the site on one core (a request holds the interpreter) while
# another sat idle, with a third of the machine unused in some runs. With a socket each:
# 11/10/7/4 and the like, and both cores busy.
reuse_port = True
