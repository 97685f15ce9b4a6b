"""Testing that proposing an amendment ends on its page with plain links to share it, and
that an amendment the public cannot see yet offers none."""

from manifesto.models import Amendment


def propose_through_the_form(client, manifesto, clause):
    return client.post(
        f"{manifesto.url}clause/{clause.key}/propose/",
        {"kind": "insert_after", "text": "Free buses for everyone under 25.", "reason": "Buses."},
        follow=True,
    )


def test_after_proposing_the_amendment_page_offers_share_links(
    client, manifesto, clause, supporter
):
    client.force_login(supporter)
    response = propose_through_the_form(client, manifesto, clause)
    amendment = Amendment.objects.get()
    address = f"http://testserver{manifesto.url}amendment/{amendment.pk}/"
    html = response.content.decode()
    assert "Ask others to vote" in html
    assert f'value="{address}"' in html  # the address to copy
    assert "https://x.com/intent/post?" in html and "https://wa.me/?text=" in html
    assert "https://bsky.app/intent/compose?" in html and "mailto:?subject=" in html
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver" in html


def test_an_amendment_awaiting_screening_offers_no_share_links(
    client, manifesto, clause, supporter
):
    manifesto.screening = True
    manifesto.save_revision().publish()
    client.force_login(supporter)
    html = propose_through_the_form(client, manifesto, clause).content.decode()
    assert Amendment.objects.get().status == "submitted"
    assert "Ask others to vote" not in html
