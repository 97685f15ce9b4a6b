"""Demo editorial pages: home, about, a paper, a guide, a blog, events, a campaign, a private area.

Idempotent: each page is found by its slug under its parent and created only if
missing, and never updated afterwards. Event dates are computed from "now" on
the first run only, so a rerun changes nothing.
"""

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction, Site

from cms.demo.images import demo_image, five_circles_png
from cms.demo.pdf import simple_pdf
from cms.demo.people import demo_user
from cms.models import (
    Author,
    BlogIndexPage,
    BlogPostAuthor,
    BlogPostPage,
    CampaignPage,
    EventIndexPage,
    EventPage,
    FooterLink,
    GuidePage,
    HomePage,
    MenuItem,
    NavigationSettings,
    PageReply,
    PaperAuthor,
    PaperIndexPage,
    PaperPage,
    StandardPage,
    User,
)
from cms.moderation import ModerationStatus
from cms.roles import SUPPORTERS

LONDON = ZoneInfo("Europe/London")
ORGANISERS = "Organisers"


def load_editorial_site() -> HomePage:
    home = HomePage.objects.first()
    if home.hero_text != HOME_HERO_TEXT:
        home.hero_title = "Together we are stronger"
        home.hero_text = HOME_HERO_TEXT
        home.save_revision().publish()

    about = child_page(home, StandardPage, "about", ABOUT)
    authors = [author_named(*details) for details in AUTHORS]
    papers = child_page(home, PaperIndexPage, "papers", PAPER_INDEX)
    values_image = demo_image("Five shared values", "five-values.png", five_circles_png())
    paper_fields = {
        **PAPER,
        "pdf": paper_pdf(),
        "social_image": values_image,
        "body": [*PAPER["body"][:2], values_figure(values_image), *PAPER["body"][2:]],
    }
    child_page(papers, PaperPage, "why-a-progressive-alliance", paper_fields, authors=authors)
    guide = child_page(home, GuidePage, "building-a-local-alliance", GUIDE)
    blog = child_page(home, BlogIndexPage, "blog", BLOG_INDEX)
    for post in BLOG_POSTS:
        page = child_page(blog, BlogPostPage, post["slug"], post, authors=authors[:1])
        add_demo_replies(page, post.get("replies", []))
    events = child_page(home, EventIndexPage, "events", EVENT_INDEX)
    for event in demo_events(timezone.now()):
        child_page(events, EventPage, event["slug"], event)
    child_page(home, CampaignPage, "meet-locally", CAMPAIGN)
    load_organisers_area(home)

    add_menu_link("Papers", page=papers, sort_order=20)
    add_menu_link("Blog", page=blog, sort_order=30)
    add_menu_link("Events", page=events, sort_order=40)
    add_menu_link("About", page=about, sort_order=90)
    add_footer_link("Guide to local alliances", page=guide, sort_order=10)
    add_footer_link("Host a local meeting", url="/meetings/propose/", sort_order=20)
    return home


def add_menu_link(label, page=None, url="", sort_order=10):
    """Put a link in the main menu once (matched by label), for each app's demo content."""
    navigation = NavigationSettings.for_site(Site.objects.get(is_default_site=True))
    # Through the model's own manager: the cluster's manager only collects items in memory.
    if not MenuItem.objects.filter(setting=navigation, label=label).exists():
        MenuItem.objects.create(
            setting=navigation, label=label, page=page, url=url, sort_order=sort_order
        )


def add_footer_link(label, page=None, url="", sort_order=10):
    """Put a link in the footer once (matched by label)."""
    navigation = NavigationSettings.for_site(Site.objects.get(is_default_site=True))
    if not FooterLink.objects.filter(setting=navigation, label=label).exists():
        FooterLink.objects.create(
            setting=navigation, label=label, page=page, url=url, sort_order=sort_order
        )


def feature_on_home_page(page) -> None:
    """Feature `page` under the home page's hero, unless an editor already chose one."""
    home = HomePage.objects.get()
    if home.featured_page_id is None:
        home.featured_page = page
        home.save_revision().publish()


def child_page(parent, model, slug, fields, authors=()):
    """The page `slug` under `parent`, created and published the first time only."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    values = {k: v for k, v in fields.items() if k not in ("slug", "replies", "tags")}
    page = model(slug=slug, **values)
    if authors:
        link = PaperAuthor if model is PaperPage else BlogPostAuthor
        page.author_links = [link(author=author) for author in authors]
    parent.add_child(instance=page)
    if fields.get("tags"):
        page.tags.add(*fields["tags"])
    page.save_revision().publish()
    return page


def paper_pdf() -> Document:
    """The PDF copy of the demo paper, found by title or written once."""
    document = Document.objects.filter(title=PAPER_PDF_TITLE).first()
    if document is None:
        content = simple_pdf(PAPER["title"], PAPER_PDF_LINES)
        document = Document.objects.create(
            title=PAPER_PDF_TITLE,
            file=ContentFile(content, name="why-a-progressive-alliance.pdf"),
        )
    return document


def values_figure(image):
    return {
        "type": "image",
        "value": {
            "image": image.pk,
            "alt_text": "Five overlapping coloured circles, one for each shared value.",
            "caption": "Five values, none above the others.",
        },
    }


def author_named(name, role, bio):
    author = Author.objects.filter(name=name).first()
    return author or Author.objects.create(name=name, role=role, bio=bio)


def add_demo_replies(page, replies):
    """Approved replies from demo supporters; an answer is threaded under the reply before it."""
    if PageReply.objects.filter(page=page).exists():
        return
    moderator = User.objects.filter(email="moderator@alliancehub.example").first()
    top_level = None
    for email, body, is_answer in replies:
        reply = PageReply.objects.create(
            page=page,
            author=User.objects.filter(email=email).first(),
            body=body,
            parent=top_level if is_answer else None,
            status=ModerationStatus.APPROVED,
            moderated_by=moderator,
            moderated_at=timezone.now(),
        )
        if not is_answer:
            top_level = reply


def london_time(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def demo_events(now: datetime.datetime) -> list[dict]:
    """The launch (the last 5 July), four past local meetings after it, three to come."""
    today = timezone.localtime(now, LONDON).date()
    launch_year = today.year if today > datetime.date(today.year, 7, 5) else today.year - 1
    launch_day = datetime.date(launch_year, 7, 5)
    gap = (today - launch_day) / 5
    events = [event_fields(PAST_EVENTS[0], london_time(launch_day, 18, 30))]
    for number, details in enumerate(PAST_EVENTS[1:], start=1):
        events.append(event_fields(details, london_time(launch_day + gap * number, 19)))
    for number, details in enumerate(UPCOMING_EVENTS, start=1):
        events.append(
            event_fields(details, london_time(today + datetime.timedelta(weeks=3 * number), 19))
        )
    return events


def event_fields(details, start):
    slug, title, town, venue, region, organiser, summary = details
    return {
        "slug": slug,
        "title": title,
        "town": town,
        "venue": venue,
        "region": region,
        "organiser": organiser,
        "summary": summary,
        "start": start,
        "end": start + datetime.timedelta(hours=2),
        "body": [paragraph(EVENT_BODY)],
    }


def load_organisers_area(home):
    """A page only the Organisers group can open, and a document in a private collection."""
    organisers, _ = Group.objects.get_or_create(name=ORGANISERS)
    demo_user(
        "organiser@alliancehub.example",
        "Olu (organiser)",
        None,
        "Birmingham",
        [SUPPORTERS, ORGANISERS],
    )
    # The demo editor runs meetings too, so they can see the private area on the site.
    editor = User.objects.filter(email="editor@alliancehub.example").first()
    if editor:
        editor.groups.add(organisers)

    collection = Collection.objects.filter(name=PRIVATE_COLLECTION).first()
    if collection is None:
        collection = Collection.get_first_root_node().add_child(name=PRIVATE_COLLECTION)
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.GROUPS
        )
        restriction.groups.add(organisers)
    document = Document.objects.filter(title=CHECKLIST_TITLE).first()
    if document is None:
        document = Document.objects.create(
            title=CHECKLIST_TITLE,
            collection=collection,
            file=ContentFile(CHECKLIST.encode(), name="organisers-checklist.txt"),
        )

    area = StandardPage.objects.child_of(home).filter(slug="organisers").first()
    if area is None:
        area = child_page(home, StandardPage, "organisers", ORGANISERS_AREA)
        restriction = PageViewRestriction.objects.create(
            page=area, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(organisers)
        area.body = [
            *area.body.raw_data,
            paragraph(
                f'<p>Download the <a id="{document.pk}" linktype="document">{CHECKLIST_TITLE}</a>'
                " (only organisers can open it).</p>"
            ),
        ]
        area.save_revision().publish()
    return area


def paragraph(html):
    return {"type": "paragraph", "value": html}


def heading(text, level="h2"):
    return {"type": "heading", "value": {"text": text, "level": level}}


def footnote(marker, html):
    return {"type": "footnote", "value": {"marker": marker, "text": html}}


HOME_HERO_TEXT = (
    "Labour, Green, Liberal Democrat, SNP and Plaid Cymru supporters, and many of no party, "
    "working out shared ideas in the open and learning from local alliances that already work."
)

ABOUT = {
    "title": "About Alliance Hub",
    "introduction": "A pressure group tied to no party, convening a lasting progressive alliance.",
    "search_description": "Who runs Alliance Hub and why.",
    "body": [
        paragraph(
            "<p>We are a left-of-centre pressure group that belongs to no party. Our supporters "
            "back Labour, the Greens, the Liberal Democrats, the SNP and Plaid Cymru, and many "
            "back no party at all. We want more than deals struck the week before an election: "
            "a network that works out shared ideas in the open and lasts between elections.</p>"
        ),
        heading("How we are funded"),
        paragraph(
            "<p>Supporters pay for this hub through crowdfunds. We are a political campaign, not "
            "a charity, so donations cannot be Gift Aided and UK electoral law on donations to "
            "campaigners applies. We publish what the money buys.</p>"
        ),
    ],
}

AUTHORS = [
    (
        "Ruth Okafor",
        "Co-founder",
        "Ruth has organised cross-party meetings since the first launch event and writes on "
        "electoral reform.",
    ),
    (
        "Gareth Lloyd",
        "Researcher, Wales",
        "Gareth studies how local parties cooperate and sat on a joint council group.",
    ),
]

PAPER_INDEX = {
    "title": "Papers",
    "introduction": "Longer pieces that set out the thinking behind the alliance.",
}

PAPER = {
    "title": "Why a progressive alliance: five shared values",
    "summary": "Our parties disagree about a great deal, but we start from the same values. "
    "This paper sets them out and argues that cooperation is how they win.",
    "search_description": "Five values progressive parties share, and why they should cooperate.",
    "publication_date": datetime.date(2026, 5, 1),
    "body": [
        heading("Where we start"),
        paragraph(
            "<p>In the 2017 general election a Conservative won in more than sixty seats where "
            "most voters had chosen a progressive candidate[^seats]. Where local parties stood "
            "aside for one another, they helped in dozens of seats.</p>"
        ),
        heading("Five shared values"),
        heading("A duty to the most vulnerable", "h3"),
        paragraph("<p>A society is judged by how it treats those with least power.</p>"),
        heading("Everyone can shape society and share its benefits", "h3"),
        paragraph(
            "<p>Decisions are better when the people they affect help to make them[^charter].</p>"
        ),
        heading("Protect the planet for those who come after us", "h3"),
        paragraph("<p>The climate emergency does not wait for party differences to settle.</p>"),
        heading("Inequality harms everyone", "h3"),
        paragraph("<p>Deep inequality weakens health, trust and democracy for all of us.</p>"),
        heading("All of us are smarter than any one of us", "h3"),
        {
            "type": "pull_quote",
            "value": {
                "quote": "No single party has all the answers; together we can find more of them.",
                "attribution": "A supporter at the London launch",
            },
        },
        heading("From values to cooperation"),
        paragraph(
            "<p>Shared values are the ground on which local alliances build: open a dialogue, "
            "agree how to work together, make the deal explicit and make it last[^guide].</p>"
        ),
        footnote("seats", "<p>Our count of seats from the 2017 results.</p>"),
        footnote(
            "charter",
            "<p>One local alliance proposed a five-point progressive charter, now the seed of "
            "our crowd-sourced manifesto.</p>",
        ),
        footnote("guide", "<p>See our guide to building a local alliance.</p>"),
    ],
}

PAPER_PDF_TITLE = "Why a progressive alliance (PDF)"
PAPER_PDF_LINES = [
    "Five shared values:",
    "1. A duty to the most vulnerable.",
    "2. Everyone can help shape society and share its benefits.",
    "3. Protect the planet for future generations.",
    "4. Inequality harms everyone.",
    "5. All of us are smarter than any one of us.",
    "",
    "Read the full paper, with notes, on Alliance Hub.",
]

GUIDE = {
    "title": "Building a local alliance in four stages",
    "introduction": "For anyone who wants local parties to cooperate where they live.",
    "search_description": "Four stages of building a local progressive alliance.",
    "steps": [
        {
            "type": "step",
            "value": {
                "title": "Open the dialogue",
                "text": "<p>Invite members of each local party, and people of no party, to an "
                "informal meeting on neutral ground. Listen first.</p>",
            },
        },
        {
            "type": "step",
            "value": {
                "title": "Explore how to work together",
                "text": "<p>Weigh the options: one candidate with others standing aside, or "
                "tactical campaigning where each party keeps its candidate.</p>",
            },
        },
        {
            "type": "step",
            "value": {
                "title": "Negotiate and agree an explicit deal",
                "text": "<p>Write down who does what, where, and what each side gets. Unwritten "
                "deals fall apart under pressure.</p>",
            },
        },
        {
            "type": "step",
            "value": {
                "title": "Make it last",
                "text": "<p>Keep meeting between elections, share wins and mistakes, and bring "
                "new people in.</p>",
            },
        },
    ],
    "body": [
        paragraph(
            "<p>A longer, ten-step version of this guide is on its way. Tell us what worked "
            "for you by replying to our blog posts.</p>"
        )
    ],
}

BLOG_INDEX = {
    "title": "Blog",
    "introduction": "News from the alliance and from local groups.",
}

BLOG_POSTS = [
    {
        "slug": "over-a-thousand-in-london",
        "title": "Over a thousand of us in London",
        "date": datetime.date(2026, 7, 6),
        "intro": "The launch filled the hall. Here is what people asked us to do next.",
        "tags": ["launch", "events"],
        "body": [
            paragraph(
                "<p>More than a thousand people came to the launch on 5 July. The message from "
                "the floor was clear: hold meetings outside London, in market towns, run by "
                "local people in a participatory way.</p>"
            )
        ],
        "replies": [
            (
                "labour.supporter@alliancehub.example",
                "Great evening. Please come to Liverpool next!",
                False,
            ),
            ("supporter@alliancehub.example", "Frome would host one too.", True),
            (
                "libdem.supporter@alliancehub.example",
                "Can we see where the crowdfund money goes?",
                False,
            ),
        ],
    },
    {
        "slug": "what-should-we-call-ourselves",
        "title": "What should we call ourselves?",
        "date": datetime.date(2026, 8, 12),
        "intro": "Suggestions so far include Social Alliance, People's Alliance and Together.",
        "tags": ["naming"],
        "body": [
            paragraph(
                "<p>Readers have suggested Social Alliance, People's Alliance, Together and "
                "Inclusion. Reply with your favourite, or a better idea.</p>"
            )
        ],
        "replies": [
            ("noparty.supporter@alliancehub.example", "Together. Short and warm.", False),
            ("plaid.supporter@alliancehub.example", "People's Alliance works in Welsh too.", False),
        ],
    },
    {
        "slug": "surrey-shows-the-way",
        "title": "South West Surrey shows the way",
        "date": datetime.date(2026, 9, 20),
        "intro": "A local alliance took control of its district council.",
        "tags": ["local groups", "councils"],
        "body": [
            paragraph(
                "<p>In South West Surrey a local alliance went on to take control of the district "
                "council. Its members will share how they did it at our Surrey meeting.</p>"
            )
        ],
    },
]

EVENT_INDEX = {
    "title": "Events",
    "introduction": "Meetings run by local people. Come along, whatever party you support.",
}

EVENT_BODY = (
    "<p>An open, participatory meeting: short talks, then small groups. Everyone is welcome, "
    "whichever party you support, or none.</p>"
)

# slug, title, town, venue, region, organiser, summary
PAST_EVENTS = [
    (
        "london-launch",
        "Launch of the alliance",
        "London",
        "Central Hall",
        "london",
        "Alliance Hub",
        "The launch: over a thousand people in one hall.",
    ),
    (
        "brighton-meeting",
        "Brighton meeting",
        "Brighton",
        "Community hall",
        "south-east",
        "Brighton supporters",
        "The first local meeting after the launch.",
    ),
    (
        "frome-meeting",
        "Frome meeting",
        "Frome",
        "Town hall",
        "south-west",
        "Frome supporters",
        "A market-town meeting run by local people.",
    ),
    (
        "liverpool-meeting",
        "Liverpool meeting",
        "Liverpool",
        "Friends Meeting House",
        "north-west",
        "Liverpool supporters",
        "Cross-party conversation in Liverpool.",
    ),
    (
        "wealden-meeting",
        "Wealden meeting",
        "Uckfield",
        "Civic centre",
        "south-east",
        "Wealden supporters",
        "How a rural constituency could cooperate.",
    ),
]
UPCOMING_EVENTS = [
    (
        "birmingham-meeting",
        "Birmingham meeting",
        "Birmingham",
        "Library meeting room",
        "west-midlands",
        "Birmingham supporters",
        "Our first meeting in the Midlands.",
    ),
    (
        "lancaster-meeting",
        "Lancaster meeting",
        "Lancaster",
        "Friends Meeting House",
        "north-west",
        "Lancaster supporters",
        "Open meeting for the Lancaster area.",
    ),
    (
        "surrey-meeting",
        "Surrey meeting",
        "Godalming",
        "Borough hall",
        "south-east",
        "South West Surrey alliance",
        "Hear how a local alliance won its council.",
    ),
]

CAMPAIGN = {
    "title": "Bring the alliance to your town",
    "hero_title": "Meet locally, decide together",
    "hero_text": (
        "Readers asked for meetings outside London, in market towns, run by local people. "
        "Host one where you live."
    ),
    "search_description": "Host a participatory local meeting of the alliance in your town.",
    "body": [
        paragraph(
            "<p>After the launch in London, local meetings followed in Brighton, Frome, "
            "Liverpool and Wealden. Birmingham, Lancaster and Surrey are next. We will help you "
            "run a meeting where everyone speaks, not just the platform.</p>"
        ),
        {
            "type": "call_to_action",
            "value": {
                "text": "See the meetings already planned, or start with our guide.",
                "link_page": None,
                "link_url": "/events/",
                "button_label": "Find a meeting",
            },
        },
    ],
}

ORGANISERS_AREA = {
    "title": "Organisers' area",
    "introduction": "For people who run local meetings: checklists and shared notes.",
    "body": [paragraph("<p>Thank you for running a meeting. Start with the checklist.</p>")],
}

PRIVATE_COLLECTION = "Organisers' documents"
CHECKLIST_TITLE = "Organisers' checklist"
CHECKLIST = (
    "Before a local meeting:\n"
    "1. Book an accessible room.\n"
    "2. Invite every local party and people of no party.\n"
    "3. Agree a neutral chair.\n"
    "4. Plan small-group discussion, not only speeches.\n"
)
