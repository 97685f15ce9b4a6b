"""A supporter's follows and email choices in their data export (their right of access)."""

from notifications.models import EmailPreference, Follow, Notification


def export_notification_data(user) -> dict:
    return {
        "follows": [
            {
                "what": f"{record.content_type.app_label}.{record.content_type.model}",
                "id": record.object_id,
                "automatic": record.automatic,
                "active": record.active,
                "since": record.created_at.isoformat(),
            }
            for record in Follow.objects.filter(user=user).select_related("content_type")
        ],
        "email_choices": {
            choice.kind: choice.frequency for choice in EmailPreference.objects.filter(user=user)
        },
        "notifications": [
            {
                "kind": item.kind,
                "summary": item.summary,
                "created_at": item.created_at.isoformat(),
                "read": item.read_at is not None,
            }
            for item in Notification.objects.filter(recipient=user)[:1000]
        ],
    }
