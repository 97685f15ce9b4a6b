"""Personal data (right of access) and the CSV columns for donations."""

from crowdfund.law import normalise_email
from crowdfund.models import Donation


def export_donations(user) -> list[dict]:
    donations = Donation.objects.filter(email_normalised=normalise_email(user.email))
    return [
        {
            "reference": str(d.reference),
            "crowdfund": d.crowdfund.title,
            "amount_pence": d.amount_pence,
            "frequency": d.frequency,
            "status": d.status,
            "name": d.name,
            "message": d.message,
            "show_name": d.show_name,
            "address": d.address,
            "created_at": d.created_at.isoformat(),
            "paid_at": d.paid_at.isoformat() if d.paid_at else None,
        }
        for d in donations.select_related("crowdfund")
    ]
