from django.urls import path

from crowdfund import views

urlpatterns = [
    path("crowdfund/stripe/webhook/", views.stripe_webhook, name="crowdfund_stripe_webhook"),
    path("crowdfund/<int:page_id>/totals.json", views.totals_json, name="crowdfund_totals"),
    path("crowdfund/monthly/<str:token>/", views.portal, name="crowdfund_portal"),
    path(
        "crowdfund/monthly/<str:token>/back/", views.portal_return, name="crowdfund_portal_return"
    ),
]
