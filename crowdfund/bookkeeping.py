"""The books' own arithmetic, as pure functions: a donation's status, refunds, thresholds.

Like `crowdfund/law.py`, nothing here reads the database, the settings or the clock:
`crowdfund/ledger.py` reads the rows and applies these answers under its locks, so the
same facts give the same answer whatever order they arrived in.
"""

HALFWAY = 0.5


def refund_still_to_record(cumulative_refunded: int, already_recorded: int) -> int:
    """Stripe sends the charge's cumulative amount_refunded; record only what is new.

    A duplicate or an older event (smaller cumulative figure) records nothing.
    """
    return max(0, cumulative_refunded - already_recorded)


def derive_status(
    *,
    monthly: bool,
    paid: int,
    refunded: int,
    disputed_open: bool,
    failed: bool,
    expired: bool,
    cancelled: bool,
) -> str:
    """The donation's status from facts that only ever accumulate, so order does not matter."""
    if paid > 0:
        if disputed_open:
            return "disputed"
        if refunded >= paid:
            return "refunded"
        if refunded > 0:
            return "partially_refunded"
        if monthly:
            return "cancelled" if cancelled else "active"
        return "paid"
    if monthly and cancelled:
        return "cancelled"
    if failed:
        return "failed"
    if expired:
        return "expired"
    return "pending"


def thresholds(target: int, stretches: list[int]) -> list:
    """Every (kind, threshold) a crowdfund announces once: halfway, target, each stretch."""
    candidates = [("halfway", int(target * HALFWAY)), ("target", target)]
    return candidates + [("stretch", amount) for amount in sorted(stretches) if amount > target]


def thresholds_reached(total: int, target: int, stretches: list[int]) -> list:
    """(kind, threshold) pairs the total has reached; each is announced once (a unique row)."""
    return [
        (kind, threshold) for kind, threshold in thresholds(target, stretches) if threshold <= total
    ]
