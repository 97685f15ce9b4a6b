"""A WSGI application called as the web server calls it, for the lean paths' tests
(manifesto.lean_vote, crowdfund.lean_webhook): each answer says whether Django's request
handling ran, so a test knows which path answered."""

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

# The headers Django's middleware gives an answer, which a lean path's answer must carry.
MIDDLEWARE_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
)


class LeanSite:
    """`serve(WSGIHandler())`, posted to as a browser or Stripe would post."""

    def __init__(self, serve):
        self.application = serve(WSGIHandler())

    def post(self, path, body, content_type, cookies=(), keep_connection=True, **headers):
        """(status, headers, body, whether Django's stack ran)."""
        request = RequestFactory().post(path, body, content_type=content_type, **headers)
        environ = {**request.environ, "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies)}
        ran = []

        def note(**kwargs):
            ran.append(True)

        if keep_connection:  # as Django's test client does: the test's transaction stays
            request_started.disconnect(close_old_connections)
            request_finished.disconnect(close_old_connections)
        request_started.connect(note)
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer.update(status=int(status.split()[0]), headers=headers)

        try:
            chunks = self.application(environ, start_response)
            content = b"".join(chunks)
            if hasattr(chunks, "close"):
                chunks.close()
        finally:
            request_started.disconnect(note)
            if keep_connection:
                request_started.connect(close_old_connections)
                request_finished.connect(close_old_connections)
        return answer["status"], answer["headers"], content, bool(ran)
