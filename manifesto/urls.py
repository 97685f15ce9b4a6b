"""The manifesto's plain URLs; its pages are routes of `ManifestoPage` (manifesto.models)."""

from django.urls import path

from manifesto import views

urlpatterns = [
    path("manifesto/<int:page_id>/votes/<int:amendment_id>/", views.vote, name="manifesto_vote"),
]
