"""Local development and the demo: emails printed to the console.

`make demo` runs with DEBUG off, so visitors see the site's own 404 and 500 pages;
static files then come through whitenoise (from the apps, no collectstatic) and media
from Django's static view (SERVE_MEDIA, see cms/urls.py): only what production's front
server serves (PUBLIC_MEDIA_FOLDERS), never documents or original images.
"""

from urllib.parse import urlsplit

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
# Only the demo's own address (make demo sets WAGTAILADMIN_BASE_URL from HOST and PORT) and
# this machine: a password-reset email builds its link from the Host header, so a forged
# one must be refused (400), not written into the link.
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=sorted(
        {urlsplit(WAGTAILADMIN_BASE_URL).hostname or "127.0.0.1", "localhost", "127.0.0.1", "[::1]"}
    ),
)
WHITENOISE_USE_FINDERS = True
SERVE_MEDIA = True
WHITENOISE_AUTOREFRESH = True
