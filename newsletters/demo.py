"""Demo content: a draft newsletter, and a few people who opted in (idempotent)."""

from cms.models import User
from newsletters import consent
from newsletters.models import Newsletter, Subscription

SUBJECT = "The charter is out: what happens next"


def load(home):
    if not Newsletter.objects.filter(subject=SUBJECT).exists():
        Newsletter.objects.create(
            subject=SUBJECT,
            preheader="Five clauses, 40 amendments, and your vote in June.",
            body=[
                ("heading", "Five clauses, written by you"),
                (
                    "paragraph",
                    "<p>Over 400 supporters from every party proposed and voted on "
                    'amendments to the <a href="/manifesto/">progressive charter</a>. The '
                    "wording that united most people across parties is now in the text.</p>",
                ),
                ("heading", "What happens next"),
                (
                    "paragraph",
                    "<ul><li>Local meetings in June to agree how to campaign together.</li>"
                    "<li>A final vote on the whole charter in July.</li></ul>",
                ),
                ("button", {"text": "Read the charter", "url": "http://127.0.0.1:8000/manifesto/"}),
            ],
        )
    for email in ("labour.supporter@alliancehub.example", "libdem.supporter@alliancehub.example"):
        user = User.objects.filter(email=email).first()
        if user and not Subscription.objects.filter(user=user).exists():
            consent.opt_in_from_account(user)
    if not Subscription.objects.filter(email="reader@example.org").exists():
        subscription, _ = consent.sign_up_publicly("reader@example.org")
        consent.confirm(subscription)
