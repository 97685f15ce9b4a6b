"""Demo content for stories: a list of places, invented local stories, one awaiting review.

The stories are made up for the demo (written for it, not copied from anywhere), set in
real places so the filters and the "at a glance" page have something to show.
`load(home)` is idempotent: places by slug, pages by slug, so a second run changes nothing.
"""

from cms.demo.people import demo_user
from cms.demo.site import add_menu_link
from cms.models import Constituency, Party
from cms.roles import EDITORS, SUPPORTERS
from stories.models import Place, StoriesIndexPage, StoryPage, StoryPhoto
from stories.submission import submit_story

# (name, slug, region, kind)
PLACES = [
    ("South West Surrey", "south-west-surrey", "south-east", "constituency"),
    ("Waverley Borough Council", "waverley", "south-east", "council"),
    ("Brighton Pavilion", "brighton-pavilion", "south-east", "constituency"),
    ("Wealden", "wealden", "south-east", "constituency"),
    ("Wealden District Council", "wealden-council", "south-east", "council"),
    ("Frome", "frome", "south-west", "council"),
    ("Frome and East Somerset", "frome-and-east-somerset", "south-west", "constituency"),
    ("Totnes", "totnes", "south-west", "constituency"),
    ("Stroud", "stroud", "south-west", "constituency"),
    ("Lancaster and Wyre", "lancaster-and-wyre", "north-west", "constituency"),
    ("Lancaster City Council", "lancaster", "north-west", "council"),
    ("Liverpool Riverside", "liverpool-riverside", "north-west", "constituency"),
    ("Birmingham Selly Oak", "birmingham-selly-oak", "west-midlands", "constituency"),
    ("Birmingham City Council: Moseley ward", "birmingham-moseley", "west-midlands", "council"),
    (
        "Birmingham City Council: Bournville ward",
        "birmingham-bournville",
        "west-midlands",
        "council",
    ),
    ("Sheffield Hallam", "sheffield-hallam", "yorkshire", "constituency"),
    ("Calderdale Council", "calderdale", "yorkshire", "council"),
    ("Cambridge", "cambridge", "east", "constituency"),
    ("Norwich South", "norwich-south", "east", "constituency"),
    ("Hornsey and Friern Barnet", "hornsey-and-friern-barnet", "london", "constituency"),
    ("Richmond Park", "richmond-park", "london", "constituency"),
    (
        "Newcastle upon Tyne Central and West",
        "newcastle-central-west",
        "north-east",
        "constituency",
    ),
    ("Derbyshire Dales", "derbyshire-dales", "east-midlands", "constituency"),
    ("Edinburgh Central (Holyrood)", "edinburgh-central", "scotland", "devolved"),
    ("Ceredigion Penfro (Senedd)", "ceredigion-penfro", "wales", "devolved"),
    ("Cardiff Council", "cardiff", "wales", "council"),
    ("North Down", "north-down", "northern-ireland", "constituency"),
]

# (slug, title, group, place slug, parties, arrangement, election, year, outcome, body)
STORIES = [
    (
        "south-west-surrey-district-council",
        "How South West Surrey's alliance took the district council",
        "South West Surrey Compass",
        "waverley",
        ["liberal-democrat", "green", "labour", "none"],
        "council-coalition",
        "District council elections",
        2019,
        "won",
        "It began after a general election in which most people here voted for progressive "
        "candidates and still ended up with a Conservative MP. A few of us from different "
        "parties, and many from none, started meeting on a Sunday afternoon in a church hall.\n\n"
        "We did not try to merge anything. Each party kept its name and its leaflets, but we "
        "agreed not to stand against each other in the wards where one of us had the best "
        "chance, and to campaign together on planning, buses and the high street.\n\n"
        "At the district elections the governing group lost its majority and a joint "
        "administration took over. The hardest part came afterwards: a written agreement on "
        "how decisions are shared, reviewed every year, kept it together.",
    ),
    (
        "frome-independents-and-friends",
        "Frome: a town council run by people, not parties",
        "Frome Together",
        "frome",
        ["green", "labour", "liberal-democrat", "none"],
        "council-coalition",
        "Town council elections",
        2023,
        "won",
        "Frome's story is well known, but the part people miss is how ordinary the meetings "
        "were. Anyone could turn up, nobody needed a party card, and decisions were made in "
        "small groups around tables.\n\n"
        "Party members took part as residents. That made it easier for Greens, Labour and "
        "Liberal Democrats to back the same slate without anyone asking them to give up "
        "their politics. Our advice: agree on how you will disagree before you agree on policy.",
    ),
    (
        "brighton-pavilion-endorsement",
        "Brighton Pavilion: an endorsement that kept a seat",
        "Brighton Progressive Alliance",
        "brighton-pavilion",
        ["green", "labour", "liberal-democrat"],
        "endorsement",
        "General election",
        2017,
        "won",
        "Two other parties chose not to run a full campaign in the seat and said publicly that "
        "their supporters should back the sitting Green MP. It was not a formal pact: each "
        "party decided for itself, after long conversations between local members.\n\n"
        "What helped most was a joint public meeting where all three explained their reasons. "
        "Voters could see this was a choice made in the open, not a deal behind closed doors.",
    ),
    (
        "wealden-tactical-campaigning",
        "Wealden: tactical campaigning in a safe seat",
        "Wealden Alliance",
        "wealden",
        ["labour", "liberal-democrat", "green"],
        "tactical",
        "General election",
        2024,
        "lost",
        "Nobody thought the seat would change hands, and it did not. But for the first time "
        "the three local parties shared canvassing data on which villages leaned which way, "
        "and pointed their volunteers at the wards where each was strongest.\n\n"
        "The combined progressive vote rose sharply. More importantly, people who had never "
        "spoken to each other now run a shared events calendar and meet every quarter.",
    ),
    (
        "lancaster-joint-candidate",
        "Lancaster: one candidate for a county division",
        "Lancaster Common Ground",
        "lancaster",
        ["green", "labour"],
        "joint-candidate",
        "County council by-election",
        2022,
        "won",
        "When a by-election came up in a division where the Greens and Labour had split the "
        "vote for years, local members agreed to back a single candidate chosen at an open "
        "hustings. The candidate stood under one party's name, with the other's endorsement "
        "printed on every leaflet.\n\n"
        "Turnout was low but the joint candidate won comfortably. We wrote up what we agreed, "
        "including what happens next time, and both parties' local committees signed it.",
    ),
    (
        "birmingham-moseley-stand-aside",
        "Moseley ward: standing aside to win a council seat",
        "South Birmingham Progressives",
        "birmingham-moseley",
        ["liberal-democrat", "green"],
        "stand-aside",
        "City council elections",
        2022,
        "lost",
        "One party stood aside in our ward so that the other had a clear run. We lost by "
        "fewer than two hundred votes. Looking back, the stand-aside came too late: it was "
        "agreed three weeks before polling day, after many leaflets had already gone out.\n\n"
        "Our lesson for other groups is simple: talk a year ahead, not a month ahead. The "
        "relationships we built are still there, and we are already planning the next round.",
    ),
    (
        "edinburgh-central-cross-party-forum",
        "Edinburgh Central: a cross-party forum on housing",
        "Edinburgh Common Cause",
        "edinburgh-central",
        ["snp", "green", "labour"],
        "other",
        "",
        2024,
        "not-an-election",
        "Not every alliance is about elections. Members of three parties set up a monthly "
        "forum on housing, with tenants' groups in the room, and agreed a short list of "
        "demands that each party then raised in its own way.\n\n"
        "Two of the demands were taken up by the city council. The forum continues, and has "
        "become the place where local activists first meet people from other parties.",
    ),
]

PENDING_STORY = {
    "title": "Cardiff: a joint campaign for safer streets",
    "group_name": "Cardiff Streets for People",
    "place": "cardiff",
    "parties": ["plaid-cymru", "labour", "green"],
    "arrangement": "tactical",
    "election": "Council elections",
    "year": 2022,
    "outcome": "ongoing",
    "body": (
        "Members of three parties in our ward found they were all campaigning for the same "
        "crossing outside the primary school, separately. We started sharing a stall on "
        "Saturdays and a single petition.\n\n"
        "The council has promised a consultation. We would love to hear from groups who kept "
        "a cross-party campaign going after the election was over."
    ),
    "contact_email": "supporter@alliancehub.example",
    "consent": True,
}


def load(home):
    places = load_places()
    index = load_index(home)
    editor = demo_user(
        "editor@alliancehub.example", "Eleanor (editor)", roles=(EDITORS, SUPPORTERS)
    )
    for spec in STORIES:
        load_published_story(index, places, editor, spec)
    add_demo_photos()
    load_pending_story(index, places)
    add_menu_link("Stories", page=index, sort_order=50)


def load_places() -> dict:
    places = {}
    for name, slug, region, kind in PLACES:
        place = Place.objects.filter(slug=slug).first()
        if place is None:
            place = Place.objects.create(name=name, slug=slug, region=region, kind=kind)
        places[slug] = place
    return places


def load_index(home) -> StoriesIndexPage:
    index = StoriesIndexPage.objects.child_of(home).first()
    if index is None:
        index = StoriesIndexPage(
            title="Stories of local alliances",
            slug="stories",
            introduction=(
                "How local groups built alliances across parties: stand-asides, endorsements, "
                "tactical campaigning, joint candidates and council coalitions, and what came "
                "of them. Browse by place, party, arrangement and outcome."
            ),
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def load_published_story(index, places, editor, spec) -> None:
    slug, title, group, place, parties, arrangement, election, year, outcome, body = spec
    if StoryPage.objects.filter(slug=slug).exists():
        return
    story = StoryPage(
        title=title,
        slug=slug,
        group_name=group,
        place=places[place],
        # A story told about a Westminster constituency shows on its constituency's page.
        constituency=Constituency.objects.filter(name=places[place].name).first(),
        arrangement=arrangement,
        election=election,
        year=year,
        outcome=outcome,
        body=body,
        consent_to_publish=True,
        owner=editor,
    )
    story.parties.set(Party.objects.filter(slug__in=parties))
    index.add_child(instance=story)
    story.save_revision(user=editor).publish(user=editor)


# Stories that get a drawn photo in the demo, with its caption (also its alternative text).
DEMO_PHOTO_CAPTIONS = [
    "Drawing: supporters of several parties at the alliance's first open meeting.",
    "Drawing: volunteers from three parties canvassing together.",
    "Drawing: a packed hall on the night of the count.",
]


def add_demo_photos() -> None:
    """A drawn photo on the newest demo stories (the home page's), so their cards show one."""
    from cms.demo.images import described_image, gathering_jpeg

    slugs = [spec[0] for spec in reversed(STORIES)][: len(DEMO_PHOTO_CAPTIONS)]
    for number, (slug, caption) in enumerate(zip(slugs, DEMO_PHOTO_CAPTIONS, strict=True)):
        story = StoryPage.objects.filter(slug=slug).first()
        if story is None or StoryPhoto.objects.filter(page=story).exists():
            continue
        image = described_image(
            f"Story photo {number + 1}",
            f"story-{number + 1}.jpg",
            gathering_jpeg(1200, 800, seed=number + 2),
            caption,
        )
        story.photos.add(StoryPhoto(image=image, caption=caption, sort_order=0))
        story.save_revision(user=story.owner).publish(user=story.owner)


def load_pending_story(index, places) -> None:
    if StoryPage.objects.filter(title=PENDING_STORY["title"]).exists():
        return
    supporter = demo_user("supporter@alliancehub.example", "Sam Green", "green", "Frome")
    data = {
        **PENDING_STORY,
        "place": places[PENDING_STORY["place"]],
        "parties": Party.objects.filter(slug__in=PENDING_STORY["parties"]),
    }
    submit_story(index, data, user=supporter)
