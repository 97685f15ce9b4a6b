from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms.places import register_place_count, register_place_listing
        from meetings import rules, signals  # noqa: F401
        from meetings.places import count_upcoming_meetings, upcoming_meetings_in

        register_place_listing("meetings", upcoming_meetings_in, order=20)
        register_place_count(
            "meetings",
            "Upcoming meetings",
            count_upcoming_meetings,
            order=20,
            singular="Upcoming meeting",
        )
