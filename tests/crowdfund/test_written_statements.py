"""The statements the ledger writes out itself say what the querysets they replace say.

Applying an event runs the same few statements for every event; compiling them through
Django cost more CPU than PostgreSQL spent running them (docs/crowdfund.md, "CPU per
event"). These tests hold each written-out statement to the queryset it stands for.
"""

import uuid

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.signals import post_save, pre_save

from cms.cache import PURGE_RULES
from crowdfund import ledger
from crowdfund.models import Donation, LedgerEntry, Milestone, StretchTarget
from tests.conftest import postgres_only
from tests.crowdfund.conftest import make_crowdfund, make_donation


def django_found(query):
    found = Donation.objects.filter(query).order_by("pk").values_list("id", "email_normalised")
    return found.first()


def written_found(query):
    sql, params = ledger.found_sql(query)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@postgres_only
@pytest.mark.django_db
def test_the_handlers_lookups_find_what_the_queryset_finds(crowdfund):
    first = make_donation(crowdfund, email="First@Example.com", stripe_subscription_id="sub_1")
    second = make_donation(crowdfund, email="second@example.com", stripe_checkout_session_id="cs_2")
    nobody = str(uuid.uuid4())
    queries = [
        Q(reference=str(first.reference)),
        Q(reference=first.reference),
        Q(reference=nobody),
        Q(stripe_checkout_session_id="cs_2") | Q(reference=nobody),
        Q(stripe_checkout_session_id="cs_none") | Q(reference=str(first.reference)),
        Q(stripe_subscription_id="sub_1") | Q(reference=str(second.reference)),
        Q(stripe_subscription_id="-"),
        Q(pk=second.pk),
        Q(pk=second.pk, stripe_checkout_session_id="cs_2"),
        Q(pk=second.pk, stripe_checkout_session_id="cs_other"),
    ]
    for query in queries:
        assert written_found(query) == django_found(query), query
    assert written_found(queries[0]) == (first.pk, "first@example.com")
    assert written_found(queries[5]) == (first.pk, "first@example.com")  # the lowest id


@pytest.mark.django_db
def test_other_lookups_are_left_to_django(crowdfund):
    donation = make_donation(crowdfund)
    entries = LedgerEntry.objects.filter(stripe_charge_id="ch_1").values("donation")
    for query in (
        Q(pk__in=entries) | Q(stripe_payment_intent_id="pi_1"),
        Q(email__iexact="ADA@example.com"),
        ~Q(pk=donation.pk),
        Q(Q(pk=donation.pk) | Q(reference=donation.reference), status="pending"),
        Q(crowdfund=crowdfund),
    ):
        assert ledger._plain_lookups(query) is None, query
        sql, params = ledger.found_sql(query)
        expected = Donation.objects.filter(query).order_by("pk").values("id", "email_normalised")
        assert (sql, params) == expected[:1].query.sql_with_params()


@pytest.mark.django_db
def test_the_facts_are_saved_as_the_model_saves_them(crowdfund):
    donation = make_donation(crowdfund)
    donation.status = "paid"
    donation.reportable = True
    donation.stripe_payment_intent_id = "pi_facts"
    donation.name = "Not a fact"  # never written by the facts' UPDATE
    ledger.save_facts(donation)

    stored = Donation.objects.get(pk=donation.pk)
    assert (stored.status, stored.reportable, stored.stripe_payment_intent_id) == (
        "paid",
        True,
        "pi_facts",
    )
    assert stored.name == "Ada Lovelace"


@pytest.mark.django_db
def test_saving_the_facts_without_signals_misses_no_purge_and_no_receiver_of_ours():
    """The facts are written without the model's save: the page cache watches none of them,
    and no receiver of this project but the page cache's listens to a donation's save."""
    watched = set(PURGE_RULES[Donation].attnames)
    facts = {Donation._meta.get_field(name).attname for name in ledger.DONATION_FACTS}
    assert not watched & facts
    ours = {
        f"{receiver.__module__}.{receiver.__qualname__}"
        for signal in (pre_save, post_save)
        for receiver in signal._live_receivers(Donation)[0]
        if not receiver.__module__.startswith(("django.", "wagtail."))
    }
    assert ours == {
        "cms.cache._note_state_before_save",
        "cms.cache._purge_after_save",
        "cms.cache.purge_on_new_alias",  # pages only
    }


@pytest.mark.django_db
def test_a_missing_donation_is_not_saved_silently(crowdfund):
    donation = make_donation(crowdfund)
    Donation.objects.filter(pk=donation.pk).delete()
    with pytest.raises(ledger.DatabaseError):
        ledger.save_facts(donation)


@pytest.mark.django_db
def test_the_donors_rows_are_what_the_queryset_reads(crowdfund):
    first = make_donation(crowdfund, amount_pence=3_000, email="same@example.com")
    second = make_donation(crowdfund, amount_pence=4_000, email="Same@Example.com ")
    make_donation(crowdfund, amount_pence=5_000, email="same@example.com")  # no rows yet
    offline = make_donation(crowdfund, amount_pence=6_000, email="")
    for donation, source in ((first, "pi_a"), (second, "pi_b"), (offline, "offline:x")):
        LedgerEntry.objects.create(
            crowdfund=crowdfund,
            donation=donation,
            kind="payment",
            amount_pence=donation.amount_pence,
            source_id=source,
            stripe_charge_id=f"ch_{source}",
        )
    LedgerEntry.objects.create(
        crowdfund=crowdfund,
        donation=first,
        kind="refund",
        amount_pence=-1_000,
        source_id="ch_pi_a:refunded_to:1000",
        stripe_charge_id="ch_pi_a",
    )

    for email, pk in (("same@example.com", first.pk), ("", offline.pk)):
        donor = {"email_normalised": email} if email else {"pk": pk}
        expected = Donation.objects.filter(**donor).values_list(
            "pk", "reportable", *(f"ledger_entries__{field}" for field in ledger.law.ROW_FIELDS)
        )
        assert sorted(map(tuple, ledger._donor_rows(email, pk)), key=repr) == sorted(
            expected, key=repr
        )
    assert len(ledger._donor_rows("same@example.com", first.pk)) == 4


@pytest.mark.django_db
def test_the_thresholds_read_in_one_statement(home):
    crowdfund = make_crowdfund(home, slug="thresholds-read", target_pence=10_000)
    StretchTarget.objects.create(page=crowdfund, amount_pence=15_000, description="Leaflets")
    StretchTarget.objects.create(page=crowdfund, amount_pence=20_000, description="Stalls")
    Milestone.objects.create(crowdfund=crowdfund, kind="halfway", threshold_pence=5_000)

    target, stretches, announced = ledger._thresholds_and_announced(crowdfund.pk)

    assert (target, sorted(stretches), announced) == (
        10_000,
        [15_000, 20_000],
        {("halfway", 5_000)},
    )


@postgres_only
@pytest.mark.django_db
def test_a_charge_without_our_reference_is_found_as_the_queryset_finds_it(crowdfund):
    """By a stored charge or payment intent, on a ledger entry, an automatic refund or the
    donation itself: the lowest id, as `_charge_query` compiled by Django finds it."""
    from crowdfund.models import AutoRefund
    from crowdfund.stripe_events import _charge_query, charge_found_sql

    by_entry, by_refund, by_intent, by_source = (
        make_donation(crowdfund, email=f"d{n}@example.com") for n in range(4)
    )
    by_intent.stripe_payment_intent_id = "pi_on_donation"
    by_intent.save()
    entry = LedgerEntry.objects.create(
        crowdfund=crowdfund,
        donation=by_entry,
        kind="payment",
        amount_pence=2_500,
        source_id="pi_of_entry",
        stripe_charge_id="ch_of_entry",
    )
    LedgerEntry.objects.create(
        crowdfund=crowdfund,
        donation=by_source,
        kind="payment",
        amount_pence=2_500,
        source_id="pi_source",
    )
    AutoRefund.objects.create(
        crowdfund=crowdfund,
        donation=by_refund,
        payment_entry=entry,
        idempotency_key="key",
        charge="ch_of_refund",
        payment_intent="pi_of_refund",
    )
    cases = [
        ("ch_of_entry", ""),
        ("ch_of_refund", ""),
        ("ch_unknown", ""),
        ("ch_unknown", "pi_on_donation"),
        ("ch_unknown", "pi_source"),
        ("ch_unknown", "pi_of_refund"),
        ("ch_unknown", "pi_unknown"),
        ("ch_of_refund", "pi_on_donation"),  # two donations: the lowest id
    ]
    for charge_id, payment_intent in cases:
        sql, params = charge_found_sql(charge_id, payment_intent)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchone()
        assert found == django_found(_charge_query(charge_id, payment_intent, None)), (
            charge_id,
            payment_intent,
        )
    assert written_found(Q(pk=by_refund.pk)) == (by_refund.pk, "d1@example.com")


@pytest.mark.django_db
def test_values_passed_as_they_are_are_what_the_fields_would_send(crowdfund):
    from crowdfund.models import WebhookEvent

    donation = make_donation(crowdfund, stripe_subscription_id="sub_as_is")
    entry = LedgerEntry.objects.create(
        crowdfund=crowdfund, donation=donation, kind="payment", amount_pence=2_500, source_id="pi"
    )
    event = WebhookEvent.objects.create(event_id="evt_as_is", type="x", payload={"a": 1})
    for row in (donation, entry, event):
        for field in row._meta.concrete_fields:
            for value in (getattr(row, field.attname), None):
                assert repr(ledger.db_value(field, value)) == repr(
                    field.get_db_prep_save(value, connection)
                ), (field, value)


@postgres_only
@pytest.mark.django_db
def test_the_insert_brings_back_the_donors_rows_as_read_after_it(crowdfund):
    """One statement inserts the entry and reads the donor's rows (the new one included),
    as reading them after the insert would; a movement already recorded reads nothing."""
    from django.utils import timezone

    earlier = make_donation(crowdfund, amount_pence=3_000, email="both@example.com")
    LedgerEntry.objects.create(
        crowdfund=crowdfund, donation=earlier, kind="payment", amount_pence=3_000, source_id="a"
    )
    make_donation(crowdfund, email="both@example.com")  # no rows yet
    offline = make_donation(crowdfund, amount_pence=6_000, email="")

    def payment(donation, source, **fields):
        return LedgerEntry(
            crowdfund_id=crowdfund.pk,
            donation=donation,
            kind="payment",
            amount_pence=donation.amount_pence,
            source_id=source,
            moved_at=timezone.now(),
            **fields,
        )

    for donation, source in (
        (make_donation(crowdfund, amount_pence=4_000, email="Both@example.com"), "b"),
        (offline, "offline:b"),
    ):
        entry = payment(donation, source, stripe_charge_id=f"ch_{source}")
        rows = ledger._insert_with_donor_rows(entry, donation)

        assert entry.pk == LedgerEntry.objects.get(source_id=source).pk
        after = ledger._donor_rows(donation.email_normalised, donation.pk)
        assert sorted(map(tuple, rows), key=repr) == sorted(map(tuple, after), key=repr)
        again = payment(donation, source)
        assert ledger._insert_with_donor_rows(again, donation) is None
        assert again.pk is None
    assert len(ledger._donor_rows("both@example.com", 0)) == 3
