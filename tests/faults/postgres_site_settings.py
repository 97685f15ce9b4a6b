"""Production settings for the site the PostgreSQL restart test serves.

Everything is `cms.settings.production` (persistent connections with health checks,
DEBUG off, the project's error pages); only static files are served unhashed, so the
test needs no `collectstatic` step. Read by a gunicorn subprocess, never by pytest.
"""

from cms.settings.production import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
