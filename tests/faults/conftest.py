"""Fixtures for the fault tests: a private Redis we may stop, a mail server, a cache on it."""

import pytest

from tests.cms.conftest import blog_index, blog_post, make_post  # noqa: F401
from tests.faults.standins import REDIS_SERVER, PrivateRedis, SMTPStandIn

# Skips cleanly where redis-server is not installed; CI installs it (.ci/run).
needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs the redis-server binary (apt-get install redis-server)"
)


@pytest.fixture
def private_redis():
    redis = PrivateRedis().start()
    yield redis
    if redis.process:
        redis.stop()


@pytest.fixture
def cache_on(settings):
    """Point the project's cache (production settings) at a Redis of the test's choosing."""
    from cms.settings.services import cache_config

    def point(redis_url: str):
        settings.CACHES = cache_config(redis_url)
        settings.CACHES["default"]["KEY_PREFIX"] = "hub-faults"

    return point


@pytest.fixture
def smtp_standin():
    standin = SMTPStandIn().start()
    yield standin
    standin.stop()


# Content for the outage scenario, from each app's own fixtures.
from tests.crowdfund.conftest import crowdfund  # noqa: E402, F401
from tests.manifesto.conftest import clause, manifesto  # noqa: E402, F401
from tests.stories.conftest import places, stories_index, story_form_data  # noqa: E402, F401
