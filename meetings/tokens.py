"""Signed links in booking emails: confirm a booking by email, cancel it, fetch its .ics.

Each link carries the booking's id and its email address, signed with the site's secret
(Django signing) and a salt per purpose, so a link for one purpose never works for
another and a changed id or address is refused. Nothing is stored for a token.
"""

from django.core import signing

CONFIRM = "meetings.booking.confirm"
CANCEL = "meetings.booking.cancel"
CALENDAR = "meetings.booking.calendar"
# A confirmation link works for a week; cancel and calendar links for as long as the booking.
CONFIRM_MAX_AGE = 7 * 24 * 3600


class BadToken(Exception):
    """The link was altered, is for something else, or is too old."""


def make_token(booking, purpose: str) -> str:
    return signing.dumps([booking.pk, booking.email.lower()], salt=purpose, compress=True)


def read_token(token: str, purpose: str) -> tuple[int, str]:
    """(booking id, email) from a token made for `purpose`, or BadToken."""
    max_age = CONFIRM_MAX_AGE if purpose == CONFIRM else None
    try:
        booking_id, email = signing.loads(token, salt=purpose, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadToken from error
    if not isinstance(booking_id, int) or not isinstance(email, str):
        raise BadToken
    return booking_id, email
