"""``podpora``: a thin front over Django's management commands."""

import os
import sys

COMMANDS = {
    "run": "Run everything: migrate, web, task worker and scheduler (the embedded default).",
    "serve": "Serve the web interface and the API (ASGI).",
    "worker": "Run background tasks (outgoing mail, rule actions, imports).",
    "scheduler": "Run periodic jobs (mail polling, SLA sweep, auto-close); safe to run twice.",
    "demo": "Load believable demo data (Polish and Czech clients, a few hundred tickets).",
    "createadmin": "Create an administrator or reset their password.",
    "check": "Check the configuration and the database connection.",
    "migrate": "Create or update the database tables.",
    "backup": "Write one archive of database, files and secret key (safe while running).",
    "restore": "Restore a backup: podpora restore ARCHIVE [--force] [--next-number N].",
    "mail": "E-mail intake: mail deliver --mailbox NAME < msg.eml (for an MTA), mail poll.",
    "manage": "Any other Django management command: podpora manage <command> …",
}


def _help() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: podpora <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "podpora <command> --help shows a command's options."]
    return "\n".join(lines)


def _lean_start_up() -> None:
    """For ``mail deliver``, which an MTA starts once per mail: leave out the
    admin's autodiscovery, which imports every app's admin module (and their
    forms and views) that a piped mail never uses."""
    from django.conf import settings

    settings.INSTALLED_APPS = [
        "django.contrib.admin.apps.SimpleAdminConfig"
        if app == "django.contrib.admin"
        else app
        for app in settings.INSTALLED_APPS
    ]


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(_help())
        return
    if argv[0] == "manage":
        argv = argv[1:]
    elif argv[0] == "check":
        argv = ["check", "--database", "default", *argv[1:]]
    if argv[:2] == ["mail", "deliver"]:
        _lean_start_up()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["podpora", *argv])


if __name__ == "__main__":
    main()
