"""A real varnishd with the repository's VCL, in front of the test's live server.

Skipped where varnishd is not installed, except in CI (the CI environment variable set),
where a missing varnishd fails the run: `.ci/run` installs Debian's varnish package.
"""

import os

import pytest

from tests.edge.varnish import varnish, varnishd_path


@pytest.fixture(scope="session")
def varnishd_installed():
    if varnishd_path() is None:
        if os.environ.get("CI"):
            pytest.fail("varnishd is not installed: CI installs Debian's varnish package")
        pytest.skip("varnishd is not installed (Debian package: varnish)")


@pytest.fixture(scope="session")
def varnish_for_session(varnishd_installed, live_server, tmp_path_factory):
    backend_port = int(live_server.url.rsplit(":", 1)[1])
    with varnish(backend_port, tmp_path_factory.mktemp("varnish")) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def edge(varnish_for_session, settings):
    """Varnish's base address, in front of the live server, emptied for each test (the
    database behind it is)."""
    from cms.edge import VarnishBackend

    VarnishBackend({"LOCATION": varnish_for_session}).purge_everything()
    return varnish_for_session


@pytest.fixture
def edge_purges(edge, settings):
    """The app purges this Varnish, as EDGE_CACHE_URL would set it up."""
    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {"BACKEND": "cms.edge.VarnishBackend", "LOCATION": edge}
    }
    return edge
