"""Demo trust pages: privacy notice, cookies, accessibility statement, contact, the imprint.

Sensible starting text for a UK political campaign (not a charity) under UK GDPR and
PECR, for editors to adapt. Idempotent like the rest of the demo: each page is found
by its slug and created once; the imprint is filled in only while it is empty.
"""

import datetime

from wagtail.models import Site

from cms.demo.site import child_page, heading, paragraph
from cms.models import ContactPage, HomePage, ImprintSettings, LegalPage

DEMO_PROMOTER = "Sam Rivera"
DEMO_PROMOTER_ADDRESS = "1 Example Street, London N0 0AA"
DEMO_ON_BEHALF_OF = "Alliance Hub"
REVIEWED = datetime.date(2026, 11, 2)


def load_trust_pages(home: HomePage) -> dict:
    """Create the legal and contact pages under `home` and fill in the imprint once."""
    imprint = ImprintSettings.for_site(Site.objects.get(is_default_site=True))
    if not imprint.promoter_name:
        imprint.promoter_name = DEMO_PROMOTER
        imprint.promoter_address = DEMO_PROMOTER_ADDRESS
        imprint.on_behalf_of = DEMO_ON_BEHALF_OF
        if imprint.default_social_image_id is None:
            from cms.models import PaperPage

            paper = PaperPage.objects.filter(social_image__isnull=False).first()
            imprint.default_social_image = paper.social_image if paper else None
        imprint.save()
    return {
        "privacy": child_page(home, LegalPage, "privacy", PRIVACY),
        "cookies": child_page(home, LegalPage, "cookies", COOKIES),
        "accessibility": child_page(home, LegalPage, "accessibility", ACCESSIBILITY),
        "contact": child_page(home, ContactPage, "contact", CONTACT),
    }


PRIVACY = {
    "title": "Privacy notice",
    "last_updated": REVIEWED,
    "introduction": "What we hold about you, why, for how long, and how to see, correct or "
    "delete it.",
    "search_description": "How Alliance Hub uses personal data under UK GDPR.",
    "body": [
        heading("Who we are"),
        paragraph(
            "<p>Alliance Hub is a UK pressure group that belongs to no party. We are the data "
            "controller for the personal data described here. We are a political campaign, not a "
            'charity. To ask about your data, use our <a href="/contact/">contact form</a> and '
            'choose "My personal data".</p>'
        ),
        heading("What we hold and why"),
        paragraph(
            "<ul>"
            "<li><b>Your account</b>: your email address, password (stored only as a secure hash) "
            "and the display name you choose. We need these to run your account (the contract "
            "between us).</li>"
            "<li><b>The party you support and where you live</b>, if you tell us. A party "
            "preference is a political opinion, a special category of data: we hold it only "
            "because you choose to give it (your explicit consent), use it only for cross-party "
            "figures and never show it beside your name. You can remove it at any time on your "
            "account page.</li>"
            "<li><b>What you write</b>: amendments, comments, replies and local stories, and your "
            "votes. What you publish is shown with your display name, never your email "
            "address.</li>"
            "<li><b>Donations</b>: your name, email, the amount and date, and what you choose to "
            "show on the donor wall. UK electoral law requires us to check who gave more than "
            "&pound;500 and to report larger donors to the Electoral Commission (a legal "
            "obligation). Card payments are taken by Stripe: we never see your card number.</li>"
            "<li><b>Messages you send us</b> through the contact form, to answer them.</li>"
            "</ul>"
        ),
        heading("Emails"),
        paragraph(
            "<p>We send you emails you need (confirming your address, receipts). We send news "
            "or appeals only if you have said yes, and every such email has an unsubscribe link "
            "that works at once, without signing in (PECR).</p>"
        ),
        heading("Who else sees it"),
        paragraph(
            "<p>Only the services that run the site for us, under contract: our hosting "
            "provider, our email provider and Stripe for payments. We never sell or swap "
            "personal data, and we never share it with any political party.</p>"
        ),
        heading("How long we keep it"),
        paragraph(
            "<p>Your account until you delete it. Donation records for as long as electoral "
            "law requires (currently up to six years). Contact messages for up to a year. Copies "
            "of sent emails are removed from our outbox after 30 days.</p>"
        ),
        heading("Your rights"),
        paragraph(
            "<p>You can see and download everything we hold about you, correct it, or delete "
            'your account from <a href="/account/">your account page</a>. You can also ask us '
            "to restrict or stop using your data, or withdraw a consent you gave. If you are "
            "unhappy with how we handle your data, you can complain to the Information "
            "Commissioner's Office (ico.org.uk, 0303 123 1113).</p>"
        ),
    ],
}

COOKIES = {
    "title": "Cookie statement",
    "last_updated": REVIEWED,
    "introduction": "We use only the cookies the site needs to work. No analytics, no "
    "advertising, nothing from other sites.",
    "search_description": "The few cookies Alliance Hub uses, and why.",
    "body": [
        heading("The cookies we set"),
        paragraph(
            "<ul>"
            "<li><b>sessionid</b>: keeps you signed in, and only set when you sign in. It ends "
            "when you sign out or after two weeks.</li>"
            "<li><b>csrftoken</b>: protects the forms you send from being forged by other "
            "sites. Set when you open a page with a form.</li>"
            '<li><b>messages</b>: shows a one-off message such as "Your details are saved", '
            "then is removed.</li>"
            "</ul>"
            "<p>These are strictly necessary for the service you ask for, so under PECR we do "
            "not need to ask first, and we do not show a cookie banner.</p>"
        ),
        heading("What we do not use"),
        paragraph(
            "<p>No analytics or tracking cookies, no advertising, no social media buttons and "
            "no scripts, fonts or images loaded from other sites. Share links on our pages are "
            "plain links: nothing is sent to a social network unless you follow one.</p>"
        ),
        heading("When you give by card"),
        paragraph(
            "<p>Card payments happen on Stripe's own pages, which set their own cookies to "
            "prevent fraud. Stripe's cookie policy applies there.</p>"
        ),
    ],
}

ACCESSIBILITY = {
    "title": "Accessibility statement",
    "last_updated": REVIEWED,
    "introduction": "We want everyone to be able to use Alliance Hub, whatever device, browser "
    "or assistive technology they use.",
    "search_description": "How accessible Alliance Hub is and how to report a problem.",
    "body": [
        heading("How accessible this site is"),
        paragraph(
            "<p>We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. "
            "You should be able to:</p>"
            "<ul>"
            "<li>use every page and form with a keyboard alone, with a visible focus "
            "indicator</li>"
            "<li>use the site with a screen reader, with headings, labels and error messages "
            "that say what they mean</li>"
            "<li>zoom to 400% and use a phone as narrow as 320 pixels without scrolling "
            "sideways</li>"
            "<li>use everything without JavaScript</li>"
            "</ul>"
        ),
        heading("How we test it"),
        paragraph(
            "<p>Every change is checked automatically with the axe accessibility engine on each "
            "kind of page and form, at phone, tablet and desktop widths, and the main journeys "
            "are completed with a keyboard alone.</p>"
        ),
        heading("What we know is not yet right"),
        paragraph(
            "<ul>"
            "<li>Some older PDF documents are not fully accessible. Ask us for the text in "
            "another format.</li>"
            "<li>Photos sent with local stories may have short descriptions.</li>"
            "</ul>"
        ),
        heading("Report a problem"),
        paragraph(
            "<p>If something on the site does not work for you, or you need information in "
            "another format (large print, plain text, audio), tell us through our "
            '<a href="/contact/">contact form</a> and choose "A problem using the site". Say '
            "which page and what happened. We aim to reply within five working days.</p>"
        ),
    ],
}

CONTACT = {
    "title": "Contact us",
    "introduction": "Questions, ideas, a problem with the site or your data: write to us here "
    "and a volunteer will answer by email.",
    "search_description": "How to get in touch with Alliance Hub.",
    "body": [
        heading("Other ways to reach us"),
        paragraph(
            "<p>By post: Alliance Hub, 1 Example Street, London N0 0AA. For your personal data, "
            'see our <a href="/privacy/">privacy notice</a>; for a problem using the site, our '
            '<a href="/accessibility/">accessibility statement</a>.</p>'
        ),
    ],
}
