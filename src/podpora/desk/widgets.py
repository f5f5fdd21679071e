"""The desk's select box: Django's own ``Select``.

``QuickSelect`` once wrote the ``Select`` markup in Python to spare the
template engine; Django's ``Select`` (its templates, cached by the loader)
does the job. The name stays until ``desk.forms`` says ``forms.Select``.
"""

from django import forms

QuickSelect = forms.Select
