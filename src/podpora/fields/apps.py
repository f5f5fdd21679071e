from django.apps import AppConfig


class FieldsConfig(AppConfig):
    name = "podpora.fields"
    verbose_name = "Custom fields"
