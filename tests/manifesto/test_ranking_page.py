"""The public "How ranking works" page: plain words with this manifesto's own thresholds."""


def test_how_ranking_works_is_linked_from_the_manifesto_and_shows_its_thresholds(client, manifesto):
    manifesto.common_ground_min_votes_per_party = 8
    manifesto.min_account_age_days_to_count_in_scores = 14
    manifesto.save_revision().publish()
    assert f'href="{manifesto.url}how-ranking-works/"' in client.get(manifesto.url).content.decode()
    response = client.get(f"{manifesto.url}how-ranking-works/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>How ranking works</h1>" in html
    assert "have cast 8" in " ".join(html.split())
    assert "less than 14 days" in " ".join(html.split())
    assert "Supporters of no party are shown as their own group" in html
    assert "5th percentile" in html and "0.15 times" in html


def test_with_no_minimum_age_the_page_says_every_vote_counts(client, manifesto):
    manifesto.min_account_age_days_to_count_in_scores = 0
    manifesto.save_revision().publish()
    html = client.get(f"{manifesto.url}how-ranking-works/").content.decode()
    assert "every vote counts in every score" in html
