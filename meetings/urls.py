"""The meetings' plain URLs; the meetings themselves are pages (meetings.models)."""

from django.urls import path

from meetings import views

urlpatterns = [
    path("meetings/propose/", views.propose, name="meetings_propose"),
    path("meetings/propose/thanks/", views.proposed, name="meetings_proposed"),
    path("meetings/<int:meeting_id>/book/", views.book, name="meetings_book"),
    path("meetings/<int:meeting_id>/cancel/", views.cancel_mine, name="meetings_cancel_mine"),
    path("meetings/<int:meeting_id>/attendees/", views.attendees, name="meetings_attendees"),
    path(
        "meetings/<int:meeting_id>/attendees.csv",
        views.attendees_csv,
        name="meetings_attendees_csv",
    ),
    path(
        "meetings/bookings/confirm/<str:token>/",
        views.confirm_booking,
        name="meetings_confirm_booking",
    ),
    path(
        "meetings/bookings/cancel/<str:token>/",
        views.cancel_booking,
        name="meetings_cancel_booking",
    ),
    path("meetings/bookings/<str:token>.ics", views.booking_ics, name="meetings_booking_ics"),
]
