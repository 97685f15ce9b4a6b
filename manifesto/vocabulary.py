"""The words the manifesto's pages use, one table per kind of page.

A manifesto speaks of points, amendments and versions; a one-question consultation (the
naming of the campaign) runs on the same machinery but speaks of a question, suggestions
and results. Templates read every such word from `page.words`, never from an if/else of
their own, so a new kind of page is one more column here.
"""

from manifesto.models import Phase

VOCABULARIES = {
    "manifesto": {
        "item": "amendment",
        "items": "amendments",
        "Item": "Amendment",
        "Items": "Amendments",
        "propose": "Propose an amendment",
        "propose_button": "Propose",
        "your_text": "Your wording",
        "none_yet": "No amendments to this point yet.",
        "leading": "Leading amendments",
        "take_part": "to vote and propose amendments",
        "the_change": "The change",
        "withdraw": "Withdraw my amendment",
        "report": "Report this amendment",
        "results": "Votes and scores",
        "where_we_agree": "Where we agree",
        "phase_heading": "Phase",
        "original": "Original wording (version 1).",
        "merged_from": "Wording from amendment",
        "edited": "Edited by the editors in version",
        "shows_diff": True,
        "shows_versions": True,
        "phases": {
            Phase.DRAFTING: "Drafting (editors only)",
            Phase.AMENDMENTS: "Amendments open",
            Phase.VOTING: "Voting only",
            Phase.CLOSED: "Closed",
        },
    },
    "consultation": {
        "item": "suggestion",
        "items": "suggestions",
        "Item": "Suggestion",
        "Items": "Suggestions",
        "propose": "Suggest a name",
        "propose_button": "Send my suggestion",
        "your_text": "Your suggestion",
        "none_yet": "No suggestions yet: be the first.",
        "leading": "Leading suggestions",
        "take_part": "to vote and make suggestions",
        "the_change": "The suggestion",
        "withdraw": "Withdraw my suggestion",
        "report": "Report this suggestion",
        "results": "Votes and results",
        "where_we_agree": "Where we agree",
        "phase_heading": "Consultation",
        "original": "The working answer, until supporters choose another.",
        "merged_from": "Chosen from suggestion",
        "edited": "Set by the editors in round",
        "shows_diff": False,
        "shows_versions": False,
        "phases": {
            Phase.DRAFTING: "Being prepared",
            Phase.AMENDMENTS: "Open for suggestions and votes",
            Phase.VOTING: "Open for votes (no new suggestions)",
            Phase.CLOSED: "Closed: these are the results",
        },
    },
}


def words_for(is_consultation: bool) -> dict:
    return VOCABULARIES["consultation" if is_consultation else "manifesto"]
