"""Testing that rankings are put into words a supporter understands (manifesto.explain)."""

import pytest

from manifesto import explain


def detail(**groups):
    """A stored common-ground detail from name=(agree, pass, disagree) figures."""
    names = {
        "no_party": "No party",
        "plaid": "Plaid Cymru",
        "lib_dem": "Liberal Democrat",
        "snp": "SNP",
    }
    return {
        "groups": {
            names.get(key, key.capitalize()): {"agree": a, "pass": p, "disagree": d}
            for key, (a, p, d) in groups.items()
        }
    }


@pytest.mark.parametrize(
    ("figures", "sentence"),
    [
        ({}, "No votes yet."),
        (
            {
                "labour": (40, 2, 10),
                "green": (30, 0, 2),
                "lib_dem": (20, 1, 8),
                "snp": (12, 0, 4),
                "plaid": (1, 0, 0),
            },
            "Supported in all four parties with enough votes; strongest among Green; "
            "too few Plaid Cymru votes yet.",
        ),
        (
            {
                "labour": (40, 2, 10),
                "green": (30, 0, 2),
                "lib_dem": (20, 1, 8),
                "snp": (2, 0, 14),
                "plaid": (9, 0, 1),
                "no_party": (1, 0, 0),
            },
            "Supported in four of five parties; strongest among Green; opposed among SNP.",
        ),
        (
            {"labour": (1, 0, 9), "green": (2, 0, 8)},
            "Not supported in any of the two parties.",
        ),
        (
            {"labour": (9, 0, 1), "no_party": (50, 0, 0)},
            "So far supported among Labour, the only party with enough votes. "
            "Among supporters of no party, 100% of those who took a side agree.",
        ),
        ({"labour": (1, 5, 0), "green": (0, 0, 1)}, "Too few votes in any party to tell yet."),
        (
            {"labour": (5, 0, 5), "green": (6, 0, 0)},
            "Supported in one of two parties; strongest among Green.",
        ),
    ],
)
def test_support_sentence_says_where_an_amendment_is_supported(figures, sentence):
    assert explain.support_sentence(detail(**figures), min_votes=3) == sentence


def test_supporters_of_no_party_are_never_counted_as_a_party():
    """One party plus unaffiliated supporters is not cross-party support."""
    one_party = detail(labour=(30, 0, 1), no_party=(40, 0, 2))
    assert explain.support_sentence(one_party, 3).startswith("So far supported among Labour")
    assert explain.is_early(one_party, 3)


def test_passes_are_shown_but_do_not_decide_who_has_enough_votes():
    rows = explain.group_rows(detail(labour=(1, 10, 1), green=(3, 0, 0)), 3)
    labour = next(r for r in rows if r["name"] == "Labour")
    assert (labour["passed"], labour["counted"]) == (10, False)
    assert labour["note"] == "Too few votes yet to count"


def test_the_old_detail_without_passes_or_party_flags_is_read():
    old = {"groups": {"Labour": {"agree": 3, "disagree": 1, "estimate": 0.6, "counted": True}}}
    rows = explain.group_rows(old, 3)
    assert rows[0]["passed"] == 0 and rows[0]["is_party"] and rows[0]["counted"]
    assert rows[0]["note"] == "75% of those taking a side agree"


def test_a_stored_early_flag_wins_over_the_counts():
    assert explain.is_early({"groups": {}, "early": False}, 3) is False
    assert explain.is_early(detail(labour=(9, 0, 0), green=(9, 0, 0)), 3) is False
    assert explain.is_early(detail(labour=(9, 0, 0), green=(1, 0, 0)), 3) is True


def test_groups_list_parties_first_and_no_party_last():
    names = [
        g.name
        for g in explain.groups_from_detail(
            detail(no_party=(1, 0, 0), snp=(1, 0, 0), labour=(1, 0, 0))
        )
    ]
    assert names == ["Labour", "SNP", "No party"]


@pytest.mark.parametrize(
    ("function", "score", "words"),
    [
        (explain.common_ground_words, None, "not enough votes from two or more parties yet"),
        (explain.common_ground_words, 0.6249, "62% agreement across parties"),
        (explain.popular_words, 0.591, "at least 59% agree"),
        (explain.popular_words, None, "no one has taken a side yet"),
        (explain.popular_words, 0.001, "too few agree to say how many"),
        (explain.bridging_words, 0.2, "liked across viewpoints"),
        (explain.bridging_words, 0.06, "some agreement across viewpoints"),
        (explain.bridging_words, -0.002, "no clear agreement across viewpoints"),
        (explain.bridging_words, -0.3, "supported mainly by one viewpoint"),
        (explain.bridging_words, None, "not enough votes yet"),
    ],
)
def test_scores_are_words_or_rounded_percentages_never_bare_decimals(function, score, words):
    assert function(score) == words


def test_percentages_never_round_to_all_or_nothing():
    assert explain.percent_words(0.996) == "over 99%"
    assert explain.percent_words(1.0) == "100%"
    assert explain.percent_words(0.0) == "0%"
