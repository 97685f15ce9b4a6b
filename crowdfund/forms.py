"""The donate form, with the declarations UK law needs for gifts over £500."""

from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms

from cms.moderation import HoneypotFormMixin
from crowdfund.law import DONATION_IN_LAW_OVER_PENCE, is_donation_in_law
from crowdfund.models import Frequency
from crowdfund.payments import STRIPE_MINIMUM_CHARGE_PENCE

DECLARATION_TEXT = (
    "I declare that I am a permissible donor: I am on a UK electoral register "
    "(or am otherwise permissible under the Political Parties, Elections and Referendums "
    "Act 2000), and this gift is my own money, not given on behalf of someone else."
)
OVER_LIMIT_MESSAGE = (
    "Gifts over £500 are donations in UK electoral law: please give your full name and home "
    "address as they appear on the electoral register and tick the permissible donor declaration."
)

MONTHLY_NOT_OFFERED_MESSAGE = (
    "This crowdfund takes one-off gifts only, not monthly gifts. Choose One-off to give once."
)


class DonateForm(HoneypotFormMixin, forms.Form):
    amount = forms.DecimalField(
        label="Amount (£)",
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        help_text="In pounds, for example 25.",
        error_messages={
            "invalid": "Enter an amount in pounds, like 25 or 12.50.",
            "required": "Enter how much you would like to give.",
        },
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=Frequency.choices,
        initial=Frequency.ONE_OFF,
        required=False,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label="Your full name", max_length=200)
    email = forms.EmailField(label="Email (for your receipt)")
    message = forms.CharField(
        label="Message of support (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    show_name = forms.BooleanField(
        label="Show my name on the donor wall (otherwise you appear as 'Anonymous')",
        required=False,
    )
    show_amount = forms.BooleanField(
        label="Show how much I gave and when on the donor wall (for example “£25 · 3 days ago”)",
        required=False,
    )
    updates_opt_in = forms.BooleanField(
        label="Email me updates about this crowdfund", required=False
    )
    address = forms.CharField(
        label="Home address as on the electoral register (needed for gifts over £500)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    permissible_donor = forms.BooleanField(label=DECLARATION_TEXT, required=False)

    def __init__(self, *args, crowdfund, **kwargs):
        super().__init__(*args, **kwargs)
        self.crowdfund = crowdfund
        if not crowdfund.monthly_offered:
            # Every choice stays valid, so a monthly gift posted here (an old tab, a
            # crafted form) gets its own clear message from clean_frequency.
            self.fields["frequency"].widget = forms.HiddenInput()
        self.fields["amount"].help_text = (
            f"Between £{self.minimum_pence / 100:,.2f} and "
            f"£{crowdfund.maximum_pence / 100:,.2f}. "
            "We are a campaign, not a charity: gifts are not eligible for Gift Aid."
        )
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Fieldset("Your gift", "amount", "frequency"),
            Fieldset(
                "About you",
                "name",
                "email",
                "message",
                "show_name",
                "show_amount",
                "updates_opt_in",
            ),
            Fieldset(
                "Gifts over £500",
                HTML(
                    '<p class="form-text">The law asks us to check every gift over £500. '
                    "Gifts of £500 or less need none of this.</p>"
                ),
                "address",
                "permissible_donor",
            ),
            HTML('<div class="honeypot" aria-hidden="true">'),
            "website",
            HTML("</div>"),
            Submit("donate", "Continue to secure payment"),
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        try:
            pence = int((amount * 100).to_integral_value())
        except (InvalidOperation, TypeError):
            raise forms.ValidationError("Enter an amount in pounds, like 25 or 12.50.")
        if pence < self.minimum_pence:
            raise forms.ValidationError(f"The smallest gift is £{self.minimum_pence / 100:,.2f}.")
        if pence > self.crowdfund.maximum_pence:
            raise forms.ValidationError(
                f"The largest gift we take online is £{self.crowdfund.maximum_pence / 100:,.2f}. "
                "Please contact us to give more."
            )
        return amount

    @property
    def minimum_pence(self) -> int:
        """The crowdfund's smallest gift, never below what Stripe can charge (30p)."""
        return max(self.crowdfund.minimum_pence, STRIPE_MINIMUM_CHARGE_PENCE)

    def clean_frequency(self):
        frequency = self.cleaned_data.get("frequency") or Frequency.ONE_OFF
        if frequency == Frequency.MONTHLY and not self.crowdfund.monthly_offered:
            # Shown beside the field, which is then visible with the one choice there is.
            self.fields["frequency"].choices = [(Frequency.ONE_OFF, "One-off")]
            self.fields["frequency"].widget = forms.RadioSelect(
                choices=self.fields["frequency"].choices
            )
            raise forms.ValidationError(MONTHLY_NOT_OFFERED_MESSAGE, code="monthly_not_offered")
        return frequency

    @property
    def amount_pence(self) -> int:
        return int((self.cleaned_data["amount"] * 100).to_integral_value())

    def clean(self):
        cleaned = super().clean()
        if "amount" not in cleaned:
            return cleaned
        if is_donation_in_law(self.amount_pence):
            if not cleaned.get("address", "").strip():
                self.add_error("address", OVER_LIMIT_MESSAGE)
            if not cleaned.get("permissible_donor"):
                self.add_error("permissible_donor", OVER_LIMIT_MESSAGE)
            if len(cleaned.get("name", "").split()) < 2:
                self.add_error("name", "Please give your full name (first name and surname).")
        return cleaned


__all__ = [
    "DONATION_IN_LAW_OVER_PENCE",
    "DonateForm",
    "MONTHLY_NOT_OFFERED_MESSAGE",
    "OVER_LIMIT_MESSAGE",
]
