# The production image: gunicorn serving Django/Wagtail, static files by whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=cms.settings.production \
    PORT=8000

RUN apt-get update \
 && apt-get install -y --no-install-recommends libjpeg62-turbo zlib1g libwebp7 curl fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 hub

WORKDIR /app
COPY requirements.lock requirements-server.lock ./
# gunicorn-h1c (gunicorn's HTTP parser in C) is built from source: a compiler only for that.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && pip install --no-cache-dir --require-hashes -r requirements.lock \
 && pip install --no-cache-dir --require-hashes -r requirements-server.lock \
 && apt-get purge -y gcc libc6-dev && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
COPY --chown=hub:hub . .
# collectstatic needs a secret to import settings; this one never serves a request.
RUN SECRET_KEY=collectstatic-only-not-a-runtime-secret-0123456789-abcdefghij ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER hub
EXPOSE 8000
# Workers: gunicorn.conf.py (one per core, or WEB_CONCURRENCY).
CMD ["sh", "-c", "gunicorn cms.wsgi:application --bind 0.0.0.0:${PORT} --access-logfile -"]
