from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "podpora.clients"
    verbose_name = "Clients"
