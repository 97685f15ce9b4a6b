"""The WSGI application: Django, with fresh cached pages answered first (cms.cache)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

django_application = get_wsgi_application()

from cms.cache import serve_cached_pages  # noqa: E402  (needs the settings loaded above)

application = serve_cached_pages(django_application)
