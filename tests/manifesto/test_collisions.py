"""Testing that an amendment's page finds the amendments it collides with in the database
by the same rule the clause's list applies in Python (`spans_collide`)."""

from manifesto.collisions import COLLISIONS_LISTED, collisions_for, collisions_with
from manifesto.models import Amendment, AmendmentKind, AmendmentStatus


def amendment(manifesto, clause, author, kind, text, base_text=None, status="published"):
    made = Amendment(
        page=manifesto,
        clause=clause,
        author=author,
        kind=kind,
        text=text,
        reason="Why not.",
        base_version=manifesto.current_version,
        base_text=clause.text if base_text is None else base_text,
        status=status,
    )
    made.save()
    return made


def variants(clause_text: str) -> list[tuple[str, str, str | None]]:
    """(kind, text, base text) for changes at the start, middle and end, insertions
    between words, a deletion, a new clause, and a change written on older wording."""
    words = clause_text.split()
    middle = len(words) // 2
    return [
        ("replace", " ".join(["Changed", *words[1:]]), None),
        ("replace", " ".join([*words[:middle], "changed", *words[middle + 1 :]]), None),
        ("replace", " ".join([*words[:-1], "changed."]), None),
        ("replace", " ".join([*words[:middle], "inserted", *words[middle:]]), None),
        ("replace", " ".join([*words[: middle - 1], "two", "changes", *words[middle + 1 :]]), None),
        ("replace", " ".join(["Inserted", *words]), None),
        ("delete", "", None),
        ("insert_after", "A new clause.", None),
        ("replace", "Other wording, changed.", "Other wording, first."),
    ]


def test_the_database_finds_the_collisions_the_list_finds(manifesto, clause, other_supporter):
    made = [
        amendment(manifesto, clause, other_supporter, kind, text, base)
        for kind, text, base in variants(clause.text)
    ]
    # Closed and hidden amendments collide with nothing shown.
    amendment(manifesto, clause, other_supporter, "delete", "", status=AmendmentStatus.REJECTED)
    hidden = amendment(manifesto, clause, other_supporter, "delete", "")
    Amendment.objects.filter(pk=hidden.pk).update(is_hidden=True)

    expected = collisions_for(made, clause)
    for each in made:
        assert collisions_with(each) == expected[each.pk], (each.kind, each.text)
    pairs = sum(len(found) for found in expected.values())
    assert 0 < pairs < len(made) * (len(made) - 1)  # some collide, not all
    assert collisions_with(made[7]) == []  # a new clause collides with nothing
    deletion = made[6]
    assert set(collisions_with(deletion)) == {
        other.pk
        for other in made
        if other.pk != deletion.pk and other.kind != AmendmentKind.INSERT_AFTER
    }


def test_an_amendment_page_lists_what_it_collides_with(client, manifesto, clause, other_supporter):
    first, second = (
        amendment(manifesto, clause, other_supporter, "replace", f"{clause.text} {word}")
        for word in ("More.", "Else.")
    )
    html = client.get(f"{manifesto.url}amendment/{first.pk}/").content.decode()
    assert f'href="{manifesto.url}amendment/{second.pk}/">Amendment {second.pk}</a>' in html


def test_an_amendment_page_lists_its_first_collisions_and_counts_the_rest(
    client, manifesto, clause, other_supporter
):
    """A popular clause can have hundreds of colliding amendments: the page lists the
    first COLLISIONS_LISTED and sends the reader to the clause's ranked list for the rest."""
    first = amendment(manifesto, clause, other_supporter, "delete", "")
    others = [
        amendment(manifesto, clause, other_supporter, "replace", f"{clause.text} {n}.")
        for n in range(COLLISIONS_LISTED + 3)
    ]
    html = client.get(f"{manifesto.url}amendment/{first.pk}/").content.decode()
    listed = [other for other in others if f"/amendment/{other.pk}/" in html]
    assert listed == others[:COLLISIONS_LISTED]
    assert "And 3 more:" in html
    assert f'href="{manifesto.url}clause/{clause.key}/"' in html
