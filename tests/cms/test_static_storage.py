"""Production's static storage gives whitenoise's addresses, each worked out once."""

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from cms.static_storage import StaticFilesStorage

MANIFEST = {
    "version": "1.1",
    "hash": "0123456789ab",
    "paths": {
        "cms/css/site.css": "cms/css/site.5f2e1c9a0b3d.css",
        "manifesto/vote.js": "manifesto/vote.8a7b6c5d4e3f.js",
    },
}


@pytest.fixture
def static_root(tmp_path, settings):
    settings.DEBUG = False
    settings.STATIC_URL = "/static/"
    (tmp_path / "staticfiles.json").write_text(json.dumps(MANIFEST))
    return tmp_path


def test_the_addresses_are_whitenoises_own(static_root):
    ours = StaticFilesStorage(location=static_root)
    theirs = CompressedManifestStaticFilesStorage(location=static_root)
    for name in [*MANIFEST["paths"], "cms/css/site.css?v=2#top"]:
        assert ours.url(name) == theirs.url(name)
        assert ours.url(name) == theirs.url(name)  # and again, from what was kept
    assert ours.url("cms/css/site.css") == "/static/cms/css/site.5f2e1c9a0b3d.css"


def test_each_address_is_worked_out_once(static_root):
    storage = StaticFilesStorage(location=static_root)
    first = storage.url("manifesto/vote.js")
    storage.hashed_files = {}  # what the manifest says is read only once, when first asked
    assert storage.url("manifesto/vote.js") == first


def test_a_file_missing_from_the_manifest_is_refused_every_time(static_root):
    storage = StaticFilesStorage(location=static_root)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("cms/css/nowhere.css")
