"""The `ropeteam` command: run, set up and look after a Ropeteam installation."""

import argparse
import base64
import getpass
import ipaddress
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from ropeteam.people.flow import IMPORT_COLUMNS  # plain Python: no Django needed to build the help

LOOPBACK = "127.0.0.1"
Handler = Callable[[argparse.Namespace], int]


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
    print("  admin (organisation admin), dana (data protection: reads the audit trail)")
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
    """Timed steps, and (in a child process, `--tasks`) alerts and other tasks."""
    _django()
    from ropeteam.escalation import worker  # noqa: PLC0415

    return worker.run_tasks(args.interval) if args.tasks else worker.run(args.interval)


def cmd_migrate(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command  # noqa: PLC0415

    from ropeteam.core import dbroles  # noqa: PLC0415

    call_command("migrate", interactive=False)
    if args.runtime_role:
        try:
            dbroles.grant_runtime(args.runtime_role)
        except dbroles.NotPostgreSQL:
            return _fail("--runtime-role needs PostgreSQL: SQLite has no roles.")
        print(f"Granted {args.runtime_role} what the running app needs (the audit log: read")
        print("and append only). Run the server with that role in DATABASE_URL.")
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.core.errors import RopeteamError  # noqa: PLC0415
    from ropeteam.people import importing  # noqa: PLC0415

    password = os.environ.get("ROPETEAM_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        user, organisation = importing.create_org_admin(
            organisation_name=args.organisation,
            username=args.username,
            password=password,
            email=args.email,
        )
    except RopeteamError as error:
        return _fail(error.message)
    print(f"{user.username} is now an organisation admin of {organisation.name}.")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.people import actions, queries  # noqa: PLC0415

    user = queries.active_user_named(args.username)
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
    from ropeteam.escalation.health import delays  # noqa: PLC0415

    found = problems() + delays(print)
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


def cmd_import_team(args: argparse.Namespace) -> int:
    _django()
    from ropeteam.core.errors import RopeteamError  # noqa: PLC0415
    from ropeteam.people import actions, importing, queries  # noqa: PLC0415

    organisation = queries.organisation_named(args.organisation)
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
        return _fail(f"the audit chain is not intact: {report.problem} ({report.entries} read).")
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


Command = Callable[[str, str, Handler | None], argparse.ArgumentParser]


def _add_running(command: Command) -> None:
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
    p = command("migrate", "Create or update the database tables.", cmd_migrate)
    p.add_argument(
        "--runtime-role",
        metavar="ROLE",
        help="PostgreSQL: then grant ROLE (the role the server runs as) what the app needs",
    )


def _add_accounts(command: Command) -> None:
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


def _add_import_team(command: Command) -> None:
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


def _add_audit(command: Command) -> None:
    audit = command("audit", "The audit log.", None)
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    p = audit_sub.add_parser("verify", help="Check every entry's hash chain.")
    p.set_defaults(handler=cmd_audit_verify)


def _add_keys(command: Command) -> None:
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="ropeteam",
        description="Ropeteam keeps outreach keyworkers connected to the team holding their rope.",
    )
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, handler: Handler | None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    _add_running(command)  # demo, serve, worker, migrate
    _add_accounts(command)  # createadmin, token
    command("check", "Check that this configuration is safe for production.", cmd_check)
    _add_import_team(command)
    _add_audit(command)
    _add_keys(command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
