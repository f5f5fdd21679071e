from django import forms
from django.utils.translation import gettext_lazy as _

from podpora.accounts.models import Organization
from podpora.kb.models import ArticleLanguage, Category, Visibility


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address (slug)"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to make one from the title."),
    )
    body_markdown = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=ArticleLanguage.choices)
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=Visibility.choices,
        initial=Visibility.INTERNAL,
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
