"""Money as people read it: integer pence shown as pounds (pages, emails, the admin)."""


def pounds(pence) -> str:
    """1234567 -> '£12,345.67'; whole pounds drop the pence (500000 -> '£5,000')."""
    try:
        pence = int(pence)
    except (TypeError, ValueError):
        return ""
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    if pence % 100 == 0:
        return f"{sign}£{pence // 100:,}"
    return f"{sign}£{pence / 100:,.2f}"
