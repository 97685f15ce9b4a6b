"""The Alliance Hub Django project: settings, accounts and the editorial pages."""

from cms.celery import app as celery_app

__all__ = ["celery_app"]
