"""Forms for the library pages; the rules live in services, the forms only shape input."""

from django import forms

from .exports import FORMATS
from .importing import MAX_BYTES
from .models import Collection, SavedPaper, Tag
from .services import BULK_ACTIONS, SORTS


class LibraryFilter(forms.Form):
    tag = forms.CharField(required=False, max_length=Tag.NAME_MAX)
    q = forms.CharField(required=False, max_length=300)
    sort = forms.ChoiceField(required=False, choices=[(s, s) for s in SORTS])


class PaperLibraryForm(forms.Form):
    tags = forms.CharField(required=False, max_length=2000, help_text="Separate tags with commas.")
    note = forms.CharField(
        required=False, max_length=SavedPaper.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in BULK_ACTIONS])
    tag = forms.CharField(required=False, max_length=Tag.NAME_MAX)
    papers = forms.MultipleChoiceField(choices=[])  # filled with the user's saved papers

    def __init__(self, *args, paper_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["papers"].choices = [(pid, pid) for pid in paper_ids]


class ExportForm(forms.Form):
    tag = forms.CharField(required=False, max_length=Tag.NAME_MAX)
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])


class ImportForm(forms.Form):
    file = forms.FileField(
        required=False, help_text="BibTeX (.bib) or a text file with one arXiv id or URL a line."
    )
    ids = forms.CharField(
        required=False,
        max_length=MAX_BYTES,
        label="Or paste arXiv ids or URLs",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    tags = forms.CharField(
        required=False, max_length=2000, label="Tag the imported papers (comma-separated)"
    )
    partial = forms.BooleanField(
        required=False, label="Import the papers found even if some lines fail"
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 1_000_000} MB.")
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
            cleaned["filename"] = upload.name or ""
        elif cleaned.get("ids", "").strip():
            cleaned["text"], cleaned["filename"] = cleaned["ids"], ""
        else:
            raise forms.ValidationError("Choose a file or paste some arXiv ids.")
        return cleaned


class CollectionForm(forms.Form):
    title = forms.CharField(required=False, max_length=Collection.TITLE_MAX)
    description = forms.CharField(
        required=False,
        max_length=Collection.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    public = forms.BooleanField(required=False, label="Public: anyone with the link can see it")


class SettingsForm(forms.Form):
    upvotes_are_signals = forms.BooleanField(
        required=False, label="Count the papers I upvote as papers I like in my recommendations"
    )
