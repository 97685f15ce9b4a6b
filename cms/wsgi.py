"""The WSGI application: Django, with fresh cached pages answered first (cms.cache), and
votes and Stripe's webhook deliveries on their lean paths (manifesto.lean_vote,
crowdfund.lean_webhook)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

django_application = get_wsgi_application()

from cms.cache import serve_cached_pages  # noqa: E402  (needs the settings loaded above)
from crowdfund.lean_webhook import serve_webhooks  # noqa: E402
from manifesto.lean_vote import serve_votes  # noqa: E402

application = serve_webhooks(serve_votes(serve_cached_pages(django_application)))
