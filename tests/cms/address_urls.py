"""A URL configuration of one view, for tests/cms/test_address_of.py."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/login/", lambda request: HttpResponse(), name="account_login")]
