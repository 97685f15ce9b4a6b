"""The WSGI application: Django, with fresh cached pages answered first (cms.cache), and
votes and Stripe's webhook deliveries on their lean paths (manifesto.lean_vote,
crowdfund.lean_webhook). `python -m cms.serve` serves it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

django_application = get_wsgi_application()

from cms.cache import serve_cached_pages  # noqa: E402  (needs the settings loaded above)
from crowdfund.lean_webhook import serve_webhooks  # noqa: E402
from manifesto.lean_vote import serve_votes  # noqa: E402

# The server names itself in a `Server` header unless the answer carries one: the site
# does not announce what software it runs.
SERVER_HEADER = ("Server", "web")


def without_server_name(application):
    """`application`, each answer carrying the site's own `Server` header."""

    def named_application(environ, start_response):
        def start_named_response(status, headers, exc_info=None):
            return start_response(status, [*headers, SERVER_HEADER], exc_info)

        return application(environ, start_named_response)

    return named_application


application = without_server_name(
    serve_webhooks(serve_votes(serve_cached_pages(django_application)))
)
