"""Local development and the demo: emails printed to the console.

`make demo` runs with DEBUG off, so visitors see the site's own 404 and 500 pages;
static files then come through whitenoise (from the apps, no collectstatic) and media
from Django's static view (SERVE_MEDIA, see cms/urls.py).
"""

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WHITENOISE_USE_FINDERS = True
SERVE_MEDIA = True
WHITENOISE_AUTOREFRESH = True
