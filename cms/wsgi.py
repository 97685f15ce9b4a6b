"""The WSGI application: Django, with fresh cached pages answered first (cms.cache) and
votes on their lean path (manifesto.lean_vote)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

django_application = get_wsgi_application()

from cms.cache import serve_cached_pages  # noqa: E402  (needs the settings loaded above)
from manifesto.lean_vote import serve_votes  # noqa: E402

application = serve_votes(serve_cached_pages(django_application))
