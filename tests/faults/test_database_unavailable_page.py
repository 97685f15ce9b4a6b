"""When the database cannot be reached, visitors get a 503 that says "back in a moment".

The error handler (cms.errors.server_error) tells a database that is down or
restarting (OperationalError, InterfaceError) from a fault in the site: the first is
a 503 with Retry-After, so browsers, crawlers and Stripe's webhook retries treat it as
passing; anything else stays the plain 500 page. Neither shows what went wrong.
tests/faults/test_postgres_restart.py shows the same page from a real restart.
"""

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import path

from cms.errors import RETRY_AFTER_SECONDS


def database_refused(request):
    raise OperationalError('connection to server at "127.0.0.1" failed: Connection refused')


def connection_already_closed(request):
    raise InterfaceError("connection already closed")


def ordinary_bug(request):
    raise ValueError("a bug in a view")


urlpatterns = [
    path("refused/", database_refused),
    path("closed/", connection_already_closed),
    path("bug/", ordinary_bug),
]
handler500 = "cms.errors.server_error"

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def visitor(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("address", ["/refused/", "/closed/"])
def test_unreachable_database_answers_503_with_retry_after(visitor, address):
    response = visitor.get(address)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.content.decode()
    assert "<title>Back in a moment | Alliance Hub</title>" in body
    assert "Connection refused" not in body and "connection already closed" not in body
    assert "Traceback" not in body


def test_other_errors_stay_a_plain_500_without_retry_after(visitor):
    response = visitor.get("/bug/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
    body = response.content.decode()
    assert "Something went wrong" in body and "a bug in a view" not in body
