"""Mail intake speed against django-helpdesk 2.6, on the same mails, in one run.

    python bench/mail_ingest.py [--mails 5000] [--engines sqlite,postgres]
                                [--helpdesk-venv var/bench/helpdesk-venv]
                                [--no-helpdesk] [--per-mail] [--seed 1]

Generates realistic mails (new requests and replies in threads, Polish and
Czech text in encoded headers, HTML alternatives, some attachments), then for
each database engine:

* feeds them to Podpora through ``mail.intake.receive_batch`` in runs of
  ``mail.imap.FETCH_MAILS`` — the code path of IMAP polling, one fetch per
  batch — into a fresh database (with ``--per-mail`` also through
  ``mail.intake.receive`` one mail at a time, the path of ``podpora mail
  deliver``, into another fresh database), and
* feeds them to django-helpdesk 2.6 through its own ``get_email`` command from
  a local mailbox directory, in a Django project written to a temp folder and
  run by a separate virtual environment (created with pip on first use),

checks that every reply landed on its thread's ticket and every attachment was
kept, and prints one line per engine with both rates and their ratio.

django-helpdesk reads a local mailbox directory in file-system order, so its
mails are handed over in rounds (thread roots, then first replies, …) so that
a reply never arrives before its parent; only the ``get_email`` calls are timed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import peer  # noqa: E402

HELPDESK_VERSION = peer.HELPDESK_VERSION
PG = "postgres://postgres@127.0.0.1:5432"

FIRST = [
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomáš",
    "Jana",
    "Łukasz",
    "Zofia",
    "Jiří",
    "Małgorzata",
    "Radek",
]
LAST = [
    "Kowalska",
    "Wiśniewski",
    "Dvořák",
    "Nováková",
    "Zieliński",
    "Černý",
    "Wójcik",
    "Krejčí",
]
DOMAINS = [f"firma{n}.pl" for n in range(12)] + [f"podnik{n}.cz" for n in range(8)]
SUBJECTS = [
    "Drukarka w księgowości nie drukuje",
    "Nie mogę się zalogować do VPN",
    "Prośba o nowe konto dla stażysty",
    "Serwer plików działa bardzo wolno",
    "Tiskárna ve skladu hlásí chybu",
    "Nefunguje mi přístup do účetnictví",
    "Outlook nie synchronizuje poczty",
    "Požadavek na nový notebook",
    "Błąd 0x80070005 przy aktualizacji",
    "Wi-Fi w sali konferencyjnej zrywa połączenie",
]
SENTENCES = [
    "Od rana mamy problem, który blokuje pracę całego działu.",
    "Zrestartowałem komputer, ale nic to nie zmieniło.",
    "Proszę o pilną pomoc, bo jutro zamykamy miesiąc.",
    "Od včerejška to nefunguje a nevíme si rady.",
    "Zkusili jsme restart, ale chyba to nepomohlo.",
    "W załączniku przesyłam zrzut ekranu z komunikatem błędu.",
    "Děkuji za rychlou odpověď, posílám další podrobnosti.",
    "Komunikat brzmi: „Dostęp zabroniony”, a wczoraj wszystko działało.",
]


# --- the mails -------------------------------------------------------------------------------


def generate(count: int, seed: int) -> list[dict]:
    """Mails in arrival order; each knows its thread root and depth."""
    rng = random.Random(seed)
    people = [
        (f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"user{n}@{rng.choice(DOMAINS)}")
        for n in range(300)
    ]
    start = datetime(2025, 3, 3, 8, tzinfo=UTC)
    mails: list[dict] = []
    threads: list[dict] = []
    for index in range(count):
        reply_to = (
            rng.choice(threads[-400:]) if threads and rng.random() < 0.4 else None
        )
        message = EmailMessage()
        message_id = make_msgid(idstring=f"b{index}", domain=f"mx{index % 7}.example")
        if reply_to is None:
            name, address = rng.choice(people)
            subject = f"{rng.choice(SUBJECTS)} ({index})"
            thread = {
                "root": index,
                "subject": subject,
                "sender": (name, address),
                "ids": [],
                "depth": 0,
            }
            threads.append(thread)
            message["Subject"] = subject
        else:
            thread = reply_to
            name, address = thread["sender"]
            message["Subject"] = f"Re: {thread['subject']}"
            message["In-Reply-To"] = thread["ids"][-1]
            message["References"] = " ".join(thread["ids"][-10:])
            thread["depth"] += 1
        message["From"] = f'"{name}" <{address}>'
        message["To"] = "support@podpora.test"
        message["Date"] = format_datetime(start + timedelta(minutes=index))
        message["Message-ID"] = message_id
        text = "\n\n".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 6)))
        text += f"\n\nPozdrawiam / S pozdravem\n{name}\n"
        if reply_to is not None:
            text += "\nW dniu 03.03.2025 Podpora pisze:\n> Dziękujemy za zgłoszenie.\n"
        message.set_content(text)
        if rng.random() < 0.3:
            html = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
            message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
        attachments = 0
        if rng.random() < 0.1:
            payload = b"%PDF-1.4\n" + rng.randbytes(rng.randint(2_000, 30_000))
            message.add_attachment(
                payload,
                maintype="application",
                subtype="pdf",
                filename=f"zrzut-ekranu-{index}.pdf",
            )
            attachments = 1
        thread["ids"].append(message_id)
        mails.append(
            {
                "name": f"{index:06d}.eml",
                "raw": message.as_bytes(),
                "id": message_id.strip("<>"),
                "root": thread["root"],
                "depth": thread["depth"] if reply_to is not None else 0,
                "attachments": attachments,
            }
        )
    return mails


def write_mails(mails: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for mail in mails:
        (folder / mail["name"]).write_bytes(mail["raw"])
    (folder / "index.json").write_text(
        json.dumps([{k: v for k, v in m.items() if k != "raw"} for m in mails])
    )


# --- Podpora ---------------------------------------------------------------------------------


def run_ours(mail_dir: Path, database_url: str, work: Path, *, path: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PODPORA_DATA_DIR": str(work / "data"),
        "PODPORA_MEDIA_ROOT": str(work / "media"),
        "PODPORA_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(mail_dir), "--path", path],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"our intake failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ours_worker(mail_dir: Path, path: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podpora.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from podpora.accounts.models import AgentRole, Team, User
    from podpora.mail import imap, intake
    from podpora.mail.models import InboundMail, InboundState, Mailbox
    from podpora.tickets.models import Attachment

    team = Team.objects.create(name="Service Desk")
    for n in range(3):
        agent = User.objects.create_user(
            email=f"agent{n}@podpora.test",
            full_name=f"Agent {n}",
            agent_role=AgentRole.AGENT,
        )
        team.agents.add(agent)
    mailbox = Mailbox.objects.create(
        name="support", kind="pipe", addresses="support@podpora.test", default_team=team
    )
    index = json.loads((mail_dir / "index.json").read_text())
    raws = [(mail_dir / m["name"]).read_bytes() for m in index]
    started = time.perf_counter()
    if path == "batch":
        run = imap.FETCH_MAILS
        for start in range(0, len(raws), run):
            intake.receive_batch(
                mailbox, [intake.Incoming(raw) for raw in raws[start : start + run]]
            )
    else:
        for raw in raws:
            intake.receive(mailbox, raw)
    seconds = time.perf_counter() - started

    rows = dict(
        InboundMail.objects.filter(state=InboundState.PROCESSED).values_list(
            "email_message_id", "ticket_id"
        )
    )
    messages = dict(InboundMail.objects.values_list("email_message_id", "message_id"))
    files: dict[int, int] = {}
    for message_id in Attachment.objects.values_list("message_id", flat=True):
        files[message_id] = files.get(message_id, 0) + 1
    wrong = lost_files = 0
    for mail in index:
        root = index[mail["root"]]["id"]
        if rows.get(mail["id"]) is None or rows.get(mail["id"]) != rows.get(root):
            wrong += 1
        if files.get(messages.get(mail["id"]) or 0, 0) != mail["attachments"]:
            lost_files += 1
    print(
        json.dumps(
            {
                "seconds": seconds,
                "count": len(raws),
                "wrong": wrong,
                "lost_files": lost_files,
            }
        )
    )


# --- django-helpdesk ---------------------------------------------------------------------------

HELPDESK_DRIVER = """
import json, os, shutil, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsettings")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from helpdesk.models import Queue, FollowUp, FollowUpAttachment
mail_dir, inbox = sys.argv[1], sys.argv[2]
os.makedirs(inbox, exist_ok=True)
queue = Queue.objects.create(
    title="Support", slug="support", email_address="support@podpora.test",
    allow_email_submission=True, email_box_type="local", email_box_local_dir=inbox,
    email_box_interval=0, logging_type="none",
)
index = json.load(open(os.path.join(mail_dir, "index.json")))
rounds = {}
for mail in index:
    rounds.setdefault(mail["depth"], []).append(mail)
seconds = 0.0
for depth in sorted(rounds):
    for mail in rounds[depth]:
        shutil.copy(os.path.join(mail_dir, mail["name"]), os.path.join(inbox, mail["name"]))
    Queue.objects.filter(pk=queue.pk).update(email_box_last_check=None)
    started = time.perf_counter()
    call_command("get_email", quiet=True)
    seconds += time.perf_counter() - started
left = len(os.listdir(inbox))
tickets = dict(FollowUp.objects.exclude(message_id=None).values_list("message_id", "ticket_id"))
tickets = {k.strip().strip("<>"): v for k, v in tickets.items() if k}
followups = dict(FollowUp.objects.exclude(message_id=None).values_list("message_id", "pk"))
followups = {k.strip().strip("<>"): v for k, v in followups.items() if k}
files = {}
for fid in FollowUpAttachment.objects.values_list("followup_id", flat=True):
    files[fid] = files.get(fid, 0) + 1
wrong = lost = 0
for mail in index:
    root = index[mail["root"]]["id"]
    if tickets.get(mail["id"]) is None or tickets.get(mail["id"]) != tickets.get(root):
        wrong += 1
    if files.get(followups.get(mail["id"]), 0) < mail["attachments"]:
        lost += 1
imported = sum(1 for mail in index if mail["id"] in tickets)
from django.core import mail as outbox
print(json.dumps({"seconds": seconds, "count": len(index), "imported": imported,
                  "wrong": wrong, "lost_files": lost, "left_in_inbox": left,
                  "notifications": len(getattr(outbox, "outbox", []))}))
"""


def run_helpdesk(python: Path, mail_dir: Path, database_url: str, work: Path) -> dict:
    project = peer.write_project(
        work / "helpdesk-project", {"driver.py": HELPDESK_DRIVER}
    )
    done = subprocess.run(
        [
            str(python),
            str(project / "driver.py"),
            str(mail_dir),
            str(work / "helpdesk-inbox"),
        ],
        env=peer.environment(project, database_url, work / "helpdesk-media"),
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- databases ------------------------------------------------------------------------------------


def fresh_database(engine: str, name: str, work: Path) -> str:
    if engine == "sqlite":
        return f"sqlite:///{work / (name + '.sqlite3')}"
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    return f"{PG}/{name}"


def drop_database(engine: str, name: str) -> None:
    if engine == "postgres":
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name],
            check=False,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=5000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--helpdesk-venv", default=str(peer.DEFAULT_VENV))
    parser.add_argument("--no-helpdesk", action="store_true")
    parser.add_argument(
        "--per-mail",
        action="store_true",
        help="also time the pipe path, one mail per call",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="batch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        ours_worker(Path(args.worker), args.path)
        return

    work = Path(tempfile.mkdtemp(prefix="podpora-mail-bench-"))
    try:
        mails = generate(args.mails, args.seed)
        mail_dir = work / "mails"
        write_mails(mails, mail_dir)
        replies = sum(1 for m in mails if m["depth"])
        files = sum(m["attachments"] for m in mails)
        print(
            f"{len(mails)} mails ({replies} replies, {files} with attachments)",
            file=sys.stderr,
        )
        python = None
        if not args.no_helpdesk:
            try:
                python = peer.ensure_helpdesk(Path(args.helpdesk_venv))
            except (subprocess.CalledProcessError, OSError) as exc:
                print(f"django-helpdesk could not be installed: {exc}", file=sys.stderr)
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            tag = f"bench_mail_{os.getpid()}"
            (work / engine).mkdir(exist_ok=True)
            url = fresh_database(engine, f"{tag}_ours", work / engine)
            ours = run_ours(mail_dir, url, work / engine / "ours", path="batch")
            drop_database(engine, f"{tag}_ours")
            our_rate = ours["count"] / ours["seconds"]
            line = (
                f"mail_ingest {engine}: podpora {our_rate:,.0f} mails/s "
                f"({ours['wrong']} misthreaded, {ours['lost_files']} attachments lost)"
            )
            if args.per_mail:
                url = fresh_database(engine, f"{tag}_pipe", work / engine)
                pipe = run_ours(mail_dir, url, work / engine / "pipe", path="single")
                drop_database(engine, f"{tag}_pipe")
                line += (
                    f"; one mail per call {pipe['count'] / pipe['seconds']:,.0f} "
                    f"mails/s ({pipe['wrong']} misthreaded, "
                    f"{pipe['lost_files']} attachments lost)"
                )
            if python is not None:
                url = fresh_database(engine, f"{tag}_hd", work / engine)
                try:
                    theirs = run_helpdesk(
                        python, mail_dir, url, work / engine / "helpdesk"
                    )
                except RuntimeError as exc:
                    print(
                        f"django-helpdesk failed on {engine}:\n{exc}", file=sys.stderr
                    )
                    theirs = None
                drop_database(engine, f"{tag}_hd")
                if theirs:
                    their_rate = theirs["count"] / theirs["seconds"]
                    line += (
                        f"; django-helpdesk {HELPDESK_VERSION} {their_rate:,.1f} mails/s "
                        f"({theirs['imported']}/{theirs['count']} imported, "
                        f"{theirs['wrong']} misthreaded, {theirs['lost_files']} attachments lost, "
                        f"{theirs['left_in_inbox']} left in its inbox); "
                        f"ratio {our_rate / their_rate:,.1f}x"
                    )
            print(line, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
