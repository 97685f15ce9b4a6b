"""Properties of the public forms: any data either validates or is refused with messages.

Hypothesis sends any text (any code point, lone surrogates included), lists where one
value is expected, and missing fields. A form must never raise; its errors are
messages; when it validates, what it cleaned is what gets stored, and reads back equal.
"""

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.forms import DeleteAccountForm, ProfileForm, ReplyForm, SignupDetailsForm
from cms.models import PageReply
from crowdfund.forms import DonateForm
from manifesto.forms import CommentForm, ProposeForm, ReportForm, StatusForm, UpdateAmendmentForm
from manifesto.models import AmendmentComment
from stories.forms import StoryFilterForm, StorySubmissionForm

# Any code point at all, surrogates included: what a broken client could send.
any_char_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
plain_text = st.text(max_size=300)  # what a browser sends (valid UTF-8)
field_value = st.one_of(
    any_char_text,
    st.lists(plain_text, max_size=3),
    st.sampled_from(["", "0", "-1", "9" * 30, "²", "1e309", "NaN", "on", "\x00"]),
)

FORMS = {
    "reply": (ReplyForm, ["body", "parent", "website"]),
    "comment": (CommentForm, ["body", "website"]),
    "propose": (ProposeForm, ["kind", "text", "reason", "website"]),
    "report": (ReportForm, ["reason"]),
    "status": (StatusForm, ["action", "reason", "duplicate_of"]),
    "update-amendment": (UpdateAmendmentForm, ["text"]),
    "donate": (
        DonateForm,
        ["amount", "frequency", "name", "email", "message", "address", "permissible_donor"],
    ),
    "story": (
        StorySubmissionForm,
        ["title", "group_name", "place", "parties", "arrangement", "year", "outcome", "body"],
    ),
    "story-filter": (StoryFilterForm, ["q", "region", "place", "party", "year"]),
    "sign-up-details": (SignupDetailsForm, ["display_name", "party", "home_area"]),
    "profile": (ProfileForm, ["display_name", "first_name", "last_name", "party", "home_area"]),
    "delete-account": (DeleteAccountForm, ["confirm", "password"]),
}


def as_query_dict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in data.items():
        if isinstance(value, list):
            query.setlist(name, value)
        else:
            query[name] = value
    return query


def build(name, data, world):
    form_class, _ = FORMS[name]
    kwargs = {}
    if name == "reply":
        kwargs["page"] = world.pages["blog_post"]
    elif name == "propose":
        kwargs["current_text"] = "The current wording."
    elif name == "donate":
        kwargs["crowdfund"] = world.pages["crowdfund"]
    elif name in ("story",):
        kwargs["user"] = world.users["supporter"]
    elif name == "story-filter":
        kwargs["years"] = [2019, 2020]
    elif name == "profile":
        kwargs["instance"] = world.users["supporter"]
    elif name == "delete-account":
        kwargs["user"] = world.users["supporter"]
    return form_class(as_query_dict(data), **kwargs)


@pytest.mark.parametrize("name", FORMS)
def test_any_data_validates_or_is_refused_with_messages(name, on_world):
    fields = FORMS[name][1]

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(fields, field_value)))
    def check(data):
        form = build(name, data, on_world)
        if not form.is_valid():
            assert form.errors
            for messages in form.errors.values():
                assert all(isinstance(message, str) and message for message in messages)

    check()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=plain_text)
def test_a_valid_comment_reads_back_as_it_was_cleaned(on_world, body):
    form = CommentForm(as_query_dict({"body": body}))
    if not form.is_valid():
        assert "body" in form.errors
        return
    comment = AmendmentComment.objects.create(
        amendment_id=on_world.amendment_id,
        author=on_world.users["supporter"],
        body=form.cleaned_data["body"],
    )
    assert AmendmentComment.objects.get(pk=comment.pk).body == form.cleaned_data["body"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=plain_text)
def test_a_valid_reply_reads_back_as_it_was_cleaned(on_world, body):
    form = ReplyForm(as_query_dict({"body": body}), page=on_world.pages["blog_post"])
    if not form.is_valid():
        assert form.errors
        return
    reply = form.save(author=on_world.users["supporter"])
    assert PageReply.objects.get(pk=reply.pk).body == form.cleaned_data["body"].strip()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(display_name=plain_text, home_area=plain_text, first_name=plain_text, last_name=plain_text)
def test_a_valid_profile_reads_back_as_it_was_cleaned(
    on_world, display_name, home_area, first_name, last_name
):
    user = on_world.users["supporter"]
    data = {
        "display_name": display_name,
        "home_area": home_area,
        "first_name": first_name,
        "last_name": last_name,
    }
    form = ProfileForm(as_query_dict(data), instance=user)
    if not form.is_valid():
        assert set(form.errors) <= set(data)
        return
    form.save()
    user.refresh_from_db()
    for name in data:
        assert getattr(user, name) == form.cleaned_data[name]
