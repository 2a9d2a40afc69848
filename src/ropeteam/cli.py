"""The `ropeteam` command: run, set up and look after a Ropeteam installation."""

import argparse
import base64
import getpass
import ipaddress
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from ropeteam.people.flow import IMPORT_COLUMNS  # plain Python: no Django needed to build the help

LOOPBACK = "127.0.0.1"


def _django(*, demo: bool = False) -> None:
    if demo:
        os.environ["ROPETEAM_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ropeteam.config.settings")
    import django  # noqa: PLC0415  settings depend on the environment set just above

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", interactive=False, verbosity=0)


def _fail(message: str) -> int:
    print(f"ropeteam: {message}", file=sys.stderr)
    return 2


def cmd_demo(args: argparse.Namespace) -> int:
    # Links in the demo's e-mails lead to the port it serves on (the worker inherits this).
    os.environ.setdefault("ROPETEAM_BASE_URL", f"http://{LOOPBACK}:{args.port}")
    _django(demo=True)
    from ropeteam import demo  # noqa: PLC0415

    _migrate()
    loaded = demo.load()
    print("Demo data " + ("loaded." if loaded else "already there."))
    print(
        f"Sign in at http://{LOOPBACK}:{args.port}/ with any of these, password '{demo.PASSWORD}':"
    )
    print(
        "  Northside Outreach: priya (team lead), morgan (senior practitioner), sam, jo "
        "(keyworkers), alex (newly qualified), dee (team administrator)"
    )
    print("  Riverside Youth: kim (team lead), lee (keyworker)")
    print("  admin (organisation admin)")
    sys.stdout.flush()
    return _serve(host=LOOPBACK, port=args.port, worker=True)


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings  # noqa: PLC0415

    from ropeteam.core.production import problems  # noqa: PLC0415

    if settings.DEMO and not _is_loopback(args.host):
        return _fail("demo mode only binds to loopback (127.0.0.1).")
    if not (settings.DEMO or settings.DEBUG):
        found = problems()
        if found:
            print("ropeteam: refusing to serve an insecure configuration:", file=sys.stderr)
            for problem in found:
                print(f"  - {problem}", file=sys.stderr)
            print(
                "See docs/configuration.md, or set ROPETEAM_DEMO=1 to try it locally.",
                file=sys.stderr,
            )
            return 2
    if args.migrate:
        _migrate()
    return _serve(host=args.host, port=args.port, worker=not args.no_worker)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _serve(*, host: str, port: int, worker: bool) -> int:
    import uvicorn  # noqa: PLC0415

    from ropeteam.core.accesslog import uvicorn_log_config  # noqa: PLC0415
    from ropeteam.escalation.supervisor import Supervisor  # noqa: PLC0415

    # The embedded worker is a child process (the task runner installs its own signal
    # handlers, which only work in a main thread), watched and restarted by a thread here.
    supervisor = Supervisor([sys.executable, "-m", "ropeteam.cli", "worker"]) if worker else None
    if supervisor is not None:
        supervisor.start()
    # uvicorn re-raises SIGTERM at itself after shutting down; turn it into SystemExit so
    # the `finally` below still stops the worker.
    signal.signal(signal.SIGTERM, _exit)
    try:
        uvicorn.run(
            "ropeteam.config.asgi:application",
            host=host,
            port=port,
            lifespan="off",
            log_level="info",
            log_config=uvicorn_log_config(),  # invitation and reset tokens kept out
            proxy_headers=True,
            ws_max_size=64 * 1024,  # larger frames close with 1009 (docs/protocol.md)
            # Frames are small; a deflate context costs each socket hundreds of KiB and CPU.
            ws_per_message_deflate=False,
        )
    finally:
        if supervisor is not None:
            supervisor.stop()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Timed steps here, alerts and other tasks in a child process: two processes, so a burst
    of alerts never takes the CPU (one interpreter lock) from the deadlines, and the other way
    round. If either stops, both stop, so whatever restarts the worker restarts them whole."""
    if args.tasks:
        return _run_tasks(args.interval)
    _django()
    _keep_connections()
    # The command is ours, never from input; its stdin tells it when this process is gone.
    # Its own session: a signal to this worker's group (Ctrl-C, a process manager) reaches
    # this process, which stops the runner once; a second signal would cut its task short.
    runner = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "ropeteam.cli", "worker", "--tasks", f"--interval={args.interval}"],
        stdin=subprocess.PIPE,
        start_new_session=True,
    )
    signal.signal(signal.SIGTERM, _exit)
    try:
        # A quarter of the task interval: a safety deadline should not wait a whole second.
        return _sweep(args.interval / 4, runner)
    finally:
        _stop(runner)


def _keep_connections() -> None:
    """One database connection for the life of a worker process, not one per poll: the task
    runner closes "old" connections every round, and a new one costs more than a task."""
    from django.db import DEFAULT_DB_ALIAS, connections  # noqa: PLC0415

    connections.settings[DEFAULT_DB_ALIAS].update(CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)


def _run_tasks(interval: float) -> int:
    _django()
    _keep_connections()
    from django.core.management import call_command  # noqa: PLC0415

    def orphaned() -> None:  # the worker's end of our stdin closes when it dies, even by -9
        while os.read(0, 4096):  # unbuffered: nothing to flush at exit
            pass
        os.kill(os.getpid(), signal.SIGTERM)  # the task runner finishes its task, then stops

    threading.Thread(target=orphaned, name="orphan-guard", daemon=True).start()
    call_command("db_worker", interval=interval, queue_name="*")
    return 0


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _sweep(interval: float, runner: subprocess.Popen[bytes]) -> int:
    """Fire due steps for ever, and write the heartbeat that says this worker is alive.

    The heartbeat is written here, not on a timer of its own: a sweeper that hangs must stop
    it, so that /readyz and the supervisor see a worker that no longer keeps deadlines.
    """
    from django.conf import settings  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from ropeteam.conversations.live.hub import gathering_events  # noqa: PLC0415
    from ropeteam.escalation.engine import run_due  # noqa: PLC0415
    from ropeteam.escalation.health import beat, worker_name  # noqa: PLC0415

    log = logging.getLogger("ropeteam.worker")
    name, started_at, next_beat = worker_name(), timezone.now(), 0.0
    while True:
        code = runner.poll()
        if code is not None:
            log.error(
                "The task runner (pid %s) exited with %s; the worker stops.", runner.pid, code
            )
            return 1
        fired = 0
        try:
            if time.monotonic() >= next_beat:
                beat(worker=name, started_at=started_at)
                next_beat = time.monotonic() + settings.WORKER_BEAT_SECONDS
            with gathering_events():  # one commit for the batch's events, not one each
                fired = run_due()
        except Exception:
            log.exception("sweeping deadlines failed")
            connection.close()  # a fresh connection on the next round
        if not fired:  # more may be due already after a busy round: look again at once
            time.sleep(interval)


def cmd_migrate(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", interactive=False)
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.core.errors import RopeteamError  # noqa: PLC0415
    from ropeteam.people import actions  # noqa: PLC0415
    from ropeteam.people.models import Organisation  # noqa: PLC0415

    password = os.environ.get("ROPETEAM_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        organisation = Organisation.objects.filter(name=args.organisation).first()
        if organisation is None:
            organisation = actions.create_organisation(actor=None, name=args.organisation)
        user = actions.create_account(
            actor=None,
            username=args.username,
            display_name=args.username,
            password=password,
            email=args.email,
        )
        actions.grant_org_admin(actor=None, organisation=organisation, user=user)
    except RopeteamError as error:
        return _fail(error.message)
    print(f"{user.username} is now an organisation admin of {organisation.name}.")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.people import actions  # noqa: PLC0415
    from ropeteam.people.models import User  # noqa: PLC0415

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        return _fail(f"no active account called {args.username!r}.")
    _token, raw = actions.create_token(actor=user, name=args.name)
    print(raw)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command  # noqa: PLC0415
    from django.core.management.base import SystemCheckError  # noqa: PLC0415

    from ropeteam.core.production import problems  # noqa: PLC0415

    found = problems() + _delays()
    for problem in found:
        print(f"  - {problem}")
    try:
        call_command("check", deploy=True, fail_level="WARNING")
    except SystemCheckError as error:
        print(error)
        found.append("django")
    if found:
        return _fail("this configuration is not ready for production.")
    print("This configuration is ready for production.")
    return 0


def _delays() -> list[str]:
    """What keeps escalations from running on time now (a dead worker, overdue steps).

    An installation that has never run (no tables yet, or no worker ever) is being set up,
    not failing: it is checked before its first start.
    """
    from django.db import DatabaseError  # noqa: PLC0415

    from ropeteam.escalation.health import problems  # noqa: PLC0415
    from ropeteam.escalation.models import Heartbeat  # noqa: PLC0415

    try:
        if not Heartbeat.objects.exists():
            print("  (no worker has run here yet: start `ropeteam serve` or `ropeteam worker`)")
            return []
        return [f"Escalations are delayed: {problem}." for problem in problems()]
    except DatabaseError:
        print("  (the database is not set up yet: the worker is checked once it is)")
        return []


def cmd_import_team(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.core.errors import RopeteamError  # noqa: PLC0415
    from ropeteam.people import actions, importing  # noqa: PLC0415
    from ropeteam.people.models import Organisation  # noqa: PLC0415

    organisation = Organisation.objects.filter(name=args.organisation).first()
    if organisation is None:
        return _fail(
            f"no organisation called {args.organisation!r}; create it with `ropeteam createadmin`."
        )
    path = Path(args.file)
    if not path.exists():
        return _fail(f"{path} does not exist.")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = importing.read_rows(handle)
        new_accounts = importing.import_team(organisation=organisation, rows=rows)
    except RopeteamError as error:
        return _fail(f"{error.message} Nothing was imported.")
    print(f"Imported {len(rows)} rows; {len(new_accounts)} new accounts.")
    for user in new_accounts:
        link = actions.password_reset_link(actor=None, user=user, base_url=args.base_url)
        print(f"  {user.username}: set a password at {link}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.audit.log import verify_chain  # noqa: PLC0415

    report = verify_chain()
    if not report.is_intact:
        return _fail(
            f"the audit chain breaks at entry {report.first_broken_id} (of {report.entries} read)."
        )
    print(f"The audit chain is intact: {report.entries} entries.")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.core.crypto import rotate  # noqa: PLC0415
    from ropeteam.core.errors import RopeteamError  # noqa: PLC0415

    try:
        report = rotate(batch_size=args.batch_size)
    except RopeteamError as error:
        return _fail(error.message)
    counts = ", ".join(f"{label}: {count}" for label, count in report.counts.items())
    print(f"Re-encrypted {report.total} values with key {report.key_id} ({counts}).")
    return 0


def cmd_keys_generate(args: argparse.Namespace) -> int:
    # No Django set-up: an operator may make a key on a machine with no installation.
    key_id = datetime.now(UTC).date().isoformat() if args.id is None else args.id
    # The id and key are read back from `id:key,id:key`, and an id is stored in every value.
    if not key_id or any(c in key_id for c in ":, \t\n"):
        return _fail(
            f"a key id needs at least one character and no ':', ',' or spaces: {key_id!r}."
        )
    print(f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}")
    return 0


def cmd_keys_vapid(args: argparse.Namespace) -> int:
    # No Django set-up, like `keys generate`.
    from ropeteam.notify.vapid import new_key_pair  # noqa: PLC0415

    private, public = new_key_pair()
    print(f"ROPETEAM_VAPID_PRIVATE_KEY={private}")
    print(f"# public key (applicationServerKey, served at /api/v1/push/key): {public}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="ropeteam",
        description="Ropeteam keeps outreach keyworkers connected to the team holding their rope.",
    )
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = command("demo", "Set up the demo team (idempotent) and serve it on 127.0.0.1.", cmd_demo)
    p.add_argument("--port", type=int, default=8000)
    p = command("serve", "Serve Ropeteam (uvicorn, ASGI) with an embedded task worker.", cmd_serve)
    p.add_argument("--host", default=LOOPBACK)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="run no embedded worker (run `ropeteam worker` processes instead)",
    )
    p.add_argument("--migrate", action="store_true", help="apply migrations first")
    p = command("worker", "Run deadlines and background tasks.", cmd_worker)
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--tasks", action="store_true", help=argparse.SUPPRESS)  # the worker's child
    command("migrate", "Create or update the database tables.", cmd_migrate)
    p = command(
        "createadmin", "Create an organisation admin (and the organisation).", cmd_createadmin
    )
    p.add_argument("username")
    p.add_argument("--organisation", required=True)
    p.add_argument("--email", default="")
    token = command("token", "Personal access tokens for the API.", None)
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    p = token_sub.add_parser("create", help="Create a token for USERNAME and print it.")
    p.add_argument("username")
    p.add_argument("--name", default="command line")
    p.set_defaults(handler=cmd_token_create)
    command("check", "Check that this configuration is safe for production.", cmd_check)
    p = command(
        "import-team",
        f"Create teams and accounts from a CSV file (columns: {', '.join(IMPORT_COLUMNS)}).",
        cmd_import_team,
    )
    p.add_argument("file")
    p.add_argument("--organisation", required=True)
    p.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000",
        help="where people will open their set-password links",
    )
    audit = command("audit", "The audit log.", None)
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    p = audit_sub.add_parser("verify", help="Check every entry's hash chain.")
    p.set_defaults(handler=cmd_audit_verify)
    keys = command("keys", "Encryption keys for free text at rest, and the Web Push key.", None)
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    p = keys_sub.add_parser(
        "rotate", help="Re-encrypt every value with the first key in ROPETEAM_ENCRYPTION_KEYS."
    )
    p.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    p.set_defaults(handler=cmd_keys_rotate)
    p = keys_sub.add_parser("generate", help="Print a new key line, id:base64key.")
    p.add_argument("--id", help="the key's id (default: today's date)")
    p.set_defaults(handler=cmd_keys_generate)
    p = keys_sub.add_parser(
        "vapid", help="Print a new Web Push (VAPID) private key line and its public key."
    )
    p.set_defaults(handler=cmd_keys_vapid)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
