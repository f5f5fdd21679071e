"""Pipe delivery as an MTA does it: one ``podpora mail deliver`` process a mail.

    python bench/mail_pipe.py [--mails 20] [--src DIR] [--keep]

Creates a fresh database (a temporary SQLite data folder; with
``DATABASE_URL`` set, that database — use one of your own, it is migrated and
gets a mailbox named ``bench-pipe``), then pipes N realistic mails (new
requests and replies, Polish and Czech text, some with an HTML alternative)
through the real command, each in a process of its own started exactly as an
MTA's alias starts it, and prints the wall and CPU time (user + system, from
the process's own resource usage) per mail: min / median / max. The baseline,
measured in the same run, is a bare ``python -c pass`` start. ``--src``
runs another checkout's ``src`` folder (e.g. ``git archive`` of an older
commit) for a before/after pair. Byte-code caching is on, as for an
installed package.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAILBOX = "bench-pipe"

SUBJECTS = [
    "Drukarka w księgowości nie drukuje",
    "Nie mogę się zalogować do VPN",
    "Tiskárna ve skladu hlásí chybu",
    "Nefunguje mi přístup do účetnictví",
    "Outlook nie synchronizuje poczty",
]


def _mails(count: int) -> list[bytes]:
    mails: list[bytes] = []
    previous: str | None = None
    for n in range(count):
        msg = EmailMessage()
        msg["From"] = f"Anna Kowalska {n % 7} <anna{n % 7}@firma{n % 3}.pl>"
        msg["To"] = "pomoc@podpora.test"
        msg["Message-ID"] = make_msgid(domain=f"firma{n % 3}.pl")
        if previous and n % 3 == 1:
            msg["In-Reply-To"] = previous
            msg["Subject"] = "Re: " + SUBJECTS[(n - 1) % len(SUBJECTS)]
        else:
            msg["Subject"] = SUBJECTS[n % len(SUBJECTS)]
        text = (
            "Dzień dobry,\n\nod rana nie działa drukarka w pokoju 12. "
            "Próbowałam ją wyłączyć i włączyć ponownie.\n\nPozdrawiam\nAnna\n"
        ) * (1 + n % 4)
        msg.set_content(text)
        if n % 3 == 0:
            msg.add_alternative(f"<p>{text}</p>", subtype="html")
        previous = msg["Message-ID"]
        mails.append(msg.as_bytes())
    return mails


def _run(argv: list[str], data: bytes, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one child process, and its exit code."""
    start = time.perf_counter()
    child = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdin is not None
    assert child.stderr is not None
    child.stdin.write(data)
    child.stdin.close()
    err = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode not in (0, None) and err:
        print(err.decode(errors="replace")[-2000:], file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, child.returncode


def _spread(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{min(ms):.0f} / {statistics.median(ms):.0f} / {max(ms):.0f} ms" if ms else "-"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="podpora-pipe-bench-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(args.src.resolve()),
        "DJANGO_SETTINGS_MODULE": "podpora.settings",
        "PODPORA_DATA_DIR": str(tmp),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    engine = (
        "postgres" if env.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    podpora = [sys.executable, "-m", "podpora.cli"]
    print(f"migrating a fresh {engine} database in {tmp}", file=sys.stderr)
    subprocess.run([*podpora, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run(
        [
            *podpora,
            "manage",
            "shell",
            "-c",
            "from podpora.mail.models import Mailbox; "
            f"Mailbox.objects.get_or_create(name={MAILBOX!r}, "
            "defaults={'kind': 'pipe', 'addresses': 'pomoc@podpora.test', "
            "'verify_senders': False})",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    baseline = [_run([sys.executable, "-c", "pass"], b"", env)[:2] for _ in range(5)]
    walls, cpus, failures = [], [], 0
    for n, raw in enumerate(_mails(args.mails)):
        wall, cpu, code = _run(
            [*podpora, "mail", "deliver", "--mailbox", MAILBOX], raw, env
        )
        walls.append(wall)
        cpus.append(cpu)
        failures += code != 0
        print(f"mail {n + 1}: exit {code}, {wall * 1000:.0f} ms", file=sys.stderr)
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    base_cpu = statistics.median(c for _w, c in baseline)
    print(
        f"mail_pipe {engine}: {args.mails} mails, {failures} not exit 0; per mail "
        f"wall {_spread(walls)}, CPU {_spread(cpus)} (min / median / max); "
        f"bare python start {base_cpu * 1000:.0f} ms CPU, ratio "
        f"{statistics.median(cpus) / base_cpu:.1f}x"
    )


if __name__ == "__main__":
    main()
