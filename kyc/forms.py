from django import forms

from ocr_integration.documents.kinds import DocumentType

DOCUMENT_TYPE_CHOICES = [
    (DocumentType.PASSPORT.value, "Passport"),
    (DocumentType.EMIRATES_ID.value, "UAE Emirates ID"),
    (DocumentType.CN_RESIDENT_ID.value, "Chinese resident ID card"),
]


class CaseStartForm(forms.Form):
    email = forms.EmailField()
    document_type = forms.ChoiceField(choices=DOCUMENT_TYPE_CHOICES)
    issuing_country = forms.CharField(max_length=3, required=False, help_text="Three-letter code, e.g. ARE")
    declared_full_name = forms.CharField(max_length=200, required=False, label="Full name (optional)")
    declared_birth_date = forms.DateField(
        required=False, label="Birth date (optional)", widget=forms.DateInput(attrs={"type": "date"})
    )


class DocumentUploadForm(forms.Form):
    file = forms.FileField()


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject"), ("request_resubmission", "Ask for resubmission")]
    )
    reason_codes = forms.CharField(required=False, help_text="Comma-separated reason codes")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    requested_kinds = forms.MultipleChoiceField(required=False, choices=[], widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, kinds: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_kinds"].choices = kinds or []
