# The production image: granian serving Django/Wagtail (python -m cms.serve), static files by
# whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=cms.settings.production \
    PORT=8000 \
    WEB_ACCESS_LOG=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends libjpeg62-turbo zlib1g libwebp7 curl fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 hub

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY --chown=hub:hub . .
# collectstatic needs a secret to import settings; this one never serves a request.
RUN SECRET_KEY=collectstatic-only-not-a-runtime-secret-0123456789-abcdefghij ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER hub
EXPOSE 8000
# PORT, WEB_CONCURRENCY (worker processes, default 2) and WEB_THREADS (8 each): cms/serve.py.
CMD ["python", "-m", "cms.serve"]
