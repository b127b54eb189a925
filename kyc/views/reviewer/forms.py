from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kyc.i18n.labels import SIDE_LABELS
from kyc.models import ReasonCode
from kyc.services.staff_auth import (
    login_locked_until,
    staff_login_attempt_begin,
    staff_login_failed,
)
from kyc.templatetags.reviewer_labels import OUTCOME_LABELS


class StaffAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing locked-out names before it even checks the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": gettext_lazy("Too many failed sign-ins. Try again in %(minutes)s minutes, or ask an admin to unlock you."),
        "not_staff": gettext_lazy("This sign-in is for staff only."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not self.cleaned_data.get("password"):
            return super().clean()  # nothing to check: the required-field error says so
        # Counted before the password is checked, atomically: concurrent guesses cannot all pass.
        if not staff_login_attempt_begin(username=username):
            locked_until = login_locked_until(username=username) or timezone.now()
            minutes = max(1, int((locked_until - timezone.now()).total_seconds() // 60) + 1)
            raise ValidationError(self.error_messages["locked"], code="locked", params={"minutes": minutes})
        try:
            return super().clean()
        except ValidationError:
            staff_login_failed(username=username)
            raise

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(self.error_messages["not_staff"], code="not_staff")


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=8, label=gettext_lazy("Six-digit code"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ReauthenticationForm(forms.Form):
    """Password (and the current code, when a second factor is set up) typed again."""

    password = forms.CharField(
        label=gettext_lazy("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        max_length=8, required=False, label=gettext_lazy("Six-digit code from your authenticator"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=list(OUTCOME_LABELS.items()), widget=forms.RadioSelect,
                                error_messages={"required": gettext_lazy("Choose a decision.")})
    reason_codes = forms.MultipleChoiceField(choices=[], widget=forms.CheckboxSelectMultiple, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=gettext_lazy("Required to reject, to ask for new images, and to approve despite a failed check."))
    requested_kinds = forms.MultipleChoiceField(required=False, choices=[], widget=forms.CheckboxSelectMultiple,
                                                label=gettext_lazy("Sides to send again"))

    def __init__(self, *args, kinds: list[tuple[str, str]], reason_codes: list[ReasonCode], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_kinds"].choices = [(kind, SIDE_LABELS.get(kind, label)) for kind, label in kinds]
        self.fields["reason_codes"].choices = [(rc.code, rc.label) for rc in reason_codes]
        self.reason_code_rows = reason_codes


class SecondReviewForm(forms.Form):
    # No default: one careless click must not confirm an override. The choice is explicit.
    confirm = forms.TypedChoiceField(choices=[("yes", gettext_lazy("Confirm the approval")), ("no", gettext_lazy("Decline it"))],
                                     coerce=lambda v: v == "yes", widget=forms.RadioSelect, label=gettext_lazy("Your review"),
                                     error_messages={"required": gettext_lazy("Choose whether you confirm or decline the approval.")})
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Add a note"), max_length=5000)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(widget=forms.HiddenInput)


class BulkAssignForm(forms.Form):
    cases = forms.TypedMultipleChoiceField(coerce=uuid.UUID, choices=[], error_messages={
        "required": gettext_lazy("Tick the cases to assign or release."), "invalid_choice": gettext_lazy("That is not a case.")})
    action = forms.ChoiceField(choices=[("assign", "Assign"), ("release", "Release")])
    assignee = forms.IntegerField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any case id: the services check each case (and refuse, by name, what cannot be done).
        self.fields["cases"].valid_value = lambda value: True

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", gettext_lazy("Choose whom to assign the cases to."))
        return data
