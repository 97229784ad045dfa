"""The ``openteller`` command: thin typer commands over the services.

Errors are rendered in one place (:func:`main`): ``Error: <message>`` on stderr and exit
status 1; usage errors exit 2 (typer's own).
"""

from __future__ import annotations

import inspect
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from openteller.bootstrap import App
from openteller.cli_assistant import register as register_assistant_commands
from openteller.cli_atm import register as register_atm_commands
from openteller.cli_privacy import OPERATOR
from openteller.cli_privacy import register as register_privacy_commands
from openteller.cli_risk import register as register_risk_commands
from openteller.cli_server import register as register_server_commands
from openteller.domain.errors import OpenTellerError
from openteller.ingest.csv_reader import CsvReader
from openteller.ingest.registry import FORMAT_NAMES, build_readers
from openteller.privacy.keys import write_key_file
from openteller.services.export import transaction_record
from openteller.services.ingest import FileReport
from openteller.settings import load_settings

cli = typer.Typer(
    name="openteller",
    help="OpenTeller: a conversational banking gateway with privacy by construction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _app() -> App:
    return App(load_settings())


@cli.command()
def init() -> None:
    """Create or migrate the database schema (and a local master key file if none is set).

    Example: openteller init
    """
    settings = load_settings()
    if settings.master_key is None and not settings.master_key_file.exists():
        write_key_file(settings.master_key_file)
        console.print(
            f"Created a new master key in [bold]{settings.master_key_file}[/]: back it up; "
            "without it the data cannot be read. In production set OPENTELLER_MASTER_KEY "
            "or use a KMS."
        )
    app = App(settings)
    try:
        before, after = app.init()
    finally:
        app.close()
    state = "created" if before is None else ("migrated" if before != after else "up to date")
    console.print(f"Database {state} (schema revision {after}).")
    console.print(f"Bank [bold]{settings.bank_id}[/] ({settings.bank_name}) is ready.")


def _report_json(report: FileReport) -> dict[str, Any]:
    return {
        "path": report.path,
        "format": report.format,
        "status": report.status,
        "error": report.error,
        "accounts": report.accounts,
        "accounts_created": report.accounts_created,
        "transactions_read": report.transactions_read,
        "transactions_added": report.transactions_added,
        "duplicates_skipped": report.duplicates_skipped,
        "balances": report.balances,
        "problems": [_problem_json(p) for p in report.problems],
    }


def _problem_json(problem: Any) -> dict[str, Any]:
    return {
        "file": problem.source,
        "line": problem.position.line,
        "element": problem.position.element,
        "entry": problem.position.record,
        "field": problem.field,
        "severity": problem.severity.value,
        "message": problem.message,
    }


@cli.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Bank files to ingest.")],
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
    format: Annotated[
        str | None, typer.Option(help=f"Skip detection: one of {', '.join(FORMAT_NAMES)}.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    skip_bad: Annotated[
        bool, typer.Option(help="Ingest the good entries of a file with bad ones.")
    ] = False,
    csv_preset: Annotated[str | None, typer.Option(help="CSV layout preset name.")] = None,
    csv_map: Annotated[
        str | None,
        typer.Option(help="CSV column mapping, e.g. 'date=Datum,amount=Betrag,decimal=,'."),
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="Account name for files that do not name one (CSV).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency for files that do not state one (CSV).")
    ] = None,
) -> None:
    """Ingest bank files (OFX/QFX, camt.05x, MT940/942, Open Banking, FDX, CSV).

    Each file is ingested in one database transaction: a file that fails leaves nothing.
    Example: openteller ingest statement.ofx --customer alice
    """
    from openteller.ingest.csv_mapping import ColumnMapping

    mapping = ColumnMapping.from_spec(csv_map) if csv_map else None
    csv_reader = CsvReader(preset=csv_preset, mapping=mapping, account=account, currency=currency)
    readers = build_readers(csv_reader)
    app = _app()
    reports: list[FileReport] = []
    try:
        app.ready()
        for path in paths:
            if not path.is_file():
                reports.append(
                    FileReport(path=str(path), status="failed", error=f"{path}: no such file")
                )
                continue
            reports.append(_ingest_one(app, path, customer, readers, format, skip_bad, as_json))
    finally:
        app.close()
    accounts = len(set().union(*(r.account_ids for r in reports if r.status == "ok")))
    summary = {
        "files": [_report_json(r) for r in reports],
        "accounts": accounts,
        "transactions_added": sum(r.transactions_added for r in reports),
        "duplicates_skipped": sum(r.duplicates_skipped for r in reports),
        "problems": [_problem_json(p) for r in reports for p in r.problems],
    }
    failed = [r for r in reports if r.status != "ok"]
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        _print_ingest_summary(reports, summary)
    for report in failed:
        err_console.print(f"[red]Error:[/] {report.error}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _ingest_one(
    app: App,
    path: Path,
    customer: str,
    readers: dict[str, Any],
    format_name: str | None,
    skip_bad: bool,
    quiet: bool,
) -> FileReport:
    size = path.stat().st_size
    if quiet or size < 1_000_000 or not sys.stderr.isatty():
        return app.ingest.ingest_file(
            path, customer, readers, format_name=format_name, skip_bad=skip_bad
        )
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(path.name, total=size)
        return app.ingest.ingest_file(
            path,
            customer,
            readers,
            format_name=format_name,
            skip_bad=skip_bad,
            progress=lambda done: progress.update(task, completed=done),
        )


def _print_ingest_summary(reports: list[FileReport], summary: dict[str, Any]) -> None:
    table = Table(title="Ingest summary")
    for column in ("File", "Format", "Status", "Accounts", "Added", "Duplicates", "Problems"):
        table.add_column(column)
    for r in reports:
        table.add_row(
            Path(r.path).name,
            r.format or "?",
            r.status,
            str(r.accounts),
            str(r.transactions_added),
            str(r.duplicates_skipped),
            str(len(r.problems)),
        )
    console.print(table)
    console.print(
        f"{summary['accounts']} account(s), {summary['transactions_added']} transaction(s) "
        f"added, {summary['duplicates_skipped']} duplicate(s) skipped."
    )
    for r in reports:
        for p in r.problems:
            colour = "yellow" if p.severity.value == "warning" else "red"
            console.print(f"[{colour}]{p.severity.value}:[/] {p.describe()}", highlight=False)


@cli.command()
def accounts(
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a customer's accounts with their latest balances.

    Example: openteller accounts --customer alice
    """
    app = _app()
    try:
        app.ready()
        views = app.access.accounts(customer, OPERATOR)
    finally:
        app.close()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": v.account.id,
                        "name": v.account.display_name,
                        "type": v.account.type.value,
                        "mask": v.account.mask,
                        "currency": v.account.currency,
                        "transactions": v.transactions,
                        "balances": {
                            b.kind.value: {
                                "amount": str(b.amount.amount),
                                "currency": b.amount.currency,
                                "as_of": b.as_of.isoformat(),
                            }
                            for b in v.balances
                        },
                    }
                    for v in views
                ],
                indent=2,
            )
        )
        return
    table = Table(title=f"Accounts of {customer}")
    for column in ("Account", "Type", "Currency", "Booked", "Available", "Transactions"):
        table.add_column(column)
    for v in views:
        by_kind = {b.kind.value: b for b in v.balances}
        table.add_row(
            v.account.label(),
            v.account.type.value,
            v.account.currency,
            str(by_kind["booked"].amount.amount) if "booked" in by_kind else "",
            str(by_kind["available"].amount.amount) if "available" in by_kind else "",
            str(v.transactions),
        )
    console.print(table)


@cli.command()
def transactions(
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
    since: Annotated[
        str | None, typer.Option(help="First booking date, YYYY-MM-DD (inclusive).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last booking date, YYYY-MM-DD (inclusive).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a customer's transactions, oldest first.

    Example: openteller transactions --customer alice --since 2024-01-01
    """
    start = _parse_date(since, "--since")
    end = _parse_date(until, "--until")
    app = _app()
    try:
        app.ready()
        items = app.access.transactions(customer, OPERATOR, since=start, until=end)
    finally:
        app.close()
    if as_json:
        print(
            json.dumps(
                [transaction_record(t) for t in items],
                indent=2,
            )
        )
        return
    table = Table(title=f"Transactions of {customer}")
    for column in ("Date", "Amount", "Merchant", "Category", "Description"):
        table.add_column(column)
    for t in items:
        table.add_row(
            t.booking_date.isoformat(),
            f"{t.amount.amount} {t.amount.currency}",
            t.merchant,
            t.category.slug,
            t.description[:60],
        )
    console.print(table)
    console.print(f"{len(items)} transaction(s).")


def _parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date in YYYY-MM-DD form", param_hint=option
        ) from exc


rules_cli = typer.Typer(
    help="A customer's own category rules (they win over everything else).\n\n"
    "Example: openteller rules add starbucks restaurants --customer alice",
    no_args_is_help=True,
)
cli.add_typer(rules_cli, name="rules")


@rules_cli.command("list")
def rules_list(
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
) -> None:
    """List a customer's category rules.

    Example: openteller rules list --customer alice
    """
    app = _app()
    try:
        app.ready()
        numbered = app.rules.rules(customer)
    finally:
        app.close()
    if not numbered:
        console.print(f"{customer} has no category rules.")
        return
    table = Table(title=f"Category rules of {customer}")
    for column in ("#", "Pattern", "Category", "Min amount", "Max amount"):
        table.add_column(column)
    for item in numbered:
        rule = item.rule
        table.add_row(
            str(item.number),
            rule.pattern,
            rule.category.slug,
            "" if rule.min_amount is None else str(rule.min_amount),
            "" if rule.max_amount is None else str(rule.max_amount),
        )
    console.print(table)


@rules_cli.command("add")
def rules_add(
    pattern: Annotated[
        str, typer.Argument(help="Text to find in merchant/description, or /regex/.")
    ],
    category: Annotated[
        str, typer.Argument(help="Category slug, e.g. coffee (see docs/categories.md).")
    ],
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
    min_amount: Annotated[
        str | None, typer.Option(help="Only amounts >= this (signed: money out is negative).")
    ] = None,
    max_amount: Annotated[
        str | None, typer.Option(help="Only amounts <= this (e.g. 0: money out only).")
    ] = None,
) -> None:
    """Add a category rule and recategorise the customer's transactions.

    Example: openteller rules add "blue bottle" restaurants --customer alice
    """
    from openteller.categorise.categoriser import CustomerRule

    try:
        rule = CustomerRule.from_dict(
            {
                "pattern": pattern,
                "category": category,
                "min_amount": min_amount,
                "max_amount": max_amount,
            }
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    app = _app()
    try:
        app.ready()
        number, changed = app.rules.add(customer, rule)
    finally:
        app.close()
    console.print(
        f"Rule {number} added: {pattern!r} -> {rule.category.slug}; "
        f"{changed} transaction(s) recategorised."
    )


@rules_cli.command("remove")
def rules_remove(
    number: Annotated[int, typer.Argument(help="The rule's number (see `rules list`).")],
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
) -> None:
    """Remove a category rule and recategorise the customer's transactions.

    Example: openteller rules remove 1 --customer alice
    """
    app = _app()
    try:
        app.ready()
        changed = app.rules.remove(customer, number)
    finally:
        app.close()
    console.print(f"Rule {number} removed; {changed} transaction(s) recategorised.")


@cli.command()
def formats() -> None:
    """List the file formats and CSV presets OpenTeller reads.

    Example: openteller formats
    """
    from openteller.ingest.csv_presets import PRESETS

    console.print("Formats: " + ", ".join(FORMAT_NAMES))
    table = Table(title="CSV presets (--csv-preset)")
    table.add_column("Preset")
    table.add_column("Bank / layout")
    for preset in PRESETS.values() if isinstance(PRESETS, dict) else PRESETS:
        table.add_row(preset.name, getattr(preset, "bank", ""))
    console.print(table)


@cli.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where to create the demo bank.")] = Path(
        "openteller-demo"
    ),
    serve: Annotated[
        bool | None,
        typer.Option(
            "--serve/--no-serve",
            help="Start the server (default: when run at a terminal; otherwise print how).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Port for the demo server.")] = 8000,
    alert_after: Annotated[
        float,
        typer.Option(help="Seconds after start when a suspicious payment of alice's arrives."),
    ] = 60.0,
) -> None:
    """Create a fresh demo bank (key, SQLite database, three synthetic customers, ATMs, a
    small risk model), start the server and print a web chat link with alice signed in
    (Ctrl-C stops it). A minute in, a suspicious payment on alice's card raises a fraud
    alert in her chat; "No, freeze my card" freezes it.

    Example: openteller demo
    """
    from openteller.demo.runner import DEMO_CUSTOMERS, build_demo

    result = build_demo(directory, date.today())
    failed = [r for r in result.reports if r.status != "ok"]
    for report in failed:
        err_console.print(f"[red]Error:[/] {report.error}")
    if failed:
        raise typer.Exit(1)
    added = sum(r.transactions_added for r in result.reports)
    console.print(
        f"[bold green]Demo bank ready[/] in {result.directory}/: "
        f"{len(DEMO_CUSTOMERS)} customers, {added} transactions, encrypted at rest."
    )
    env = (
        f"OPENTELLER_DATABASE_URL={result.settings.database_url} "
        f"OPENTELLER_MASTER_KEY_FILE={result.settings.master_key_file} OPENTELLER_BANK_ID=demo"
    )
    console.print("Try:", highlight=False)
    console.print(f"  {env} openteller accounts --customer alice", highlight=False, soft_wrap=True)
    for command in (
        f"transactions --customer alice --since {date.today().replace(day=1)}",
        'ask --customer alice "how much did I spend on groceries last month?"',
        "consent list --customer alice      # alice linked Messenger",
        "audit trail --customer alice       # who read her data, when and why",
        "audit verify                       # the tamper-evident log checks out",
        "export --customer alice --output alice.json",
    ):
        console.print(f"  {env} openteller {command}", highlight=False, soft_wrap=True)
    if serve is None:
        serve = sys.stdin.isatty() and sys.stdout.isatty()
    if serve:
        _serve_demo(result.settings, port, alert_after)
    else:
        console.print(
            "Start the web chat and dashboard with:\n"
            f"  openteller demo --serve --dir {directory} --port {port}"
            "\n(the demo again, then the server; a minute in, a suspicious payment raises a "
            "fraud alert in alice's chat), or serve this demo's data as it is with:\n"
            f"  {env} openteller serve --port {port}"
            f"\nthen open, signed in as alice: {_demo_login(result.settings, port)}",
            highlight=False,
            soft_wrap=True,
        )


def _demo_login(settings: Any, port: int) -> str:
    from openteller.web.sessions import Sessions

    app = App(settings)
    try:
        token = Sessions(app.keystore_link_key()).issue("alice")
    finally:
        app.close()
    return f"http://127.0.0.1:{port}/chat/login?token={token}"


def _serve_demo(settings: Any, port: int, alert_after: float) -> None:
    import uvicorn

    from openteller.demo.live import live_settings, post_later
    from openteller.demo.runner import DEMO_CUSTOMERS
    from openteller.web.app import create_app

    live = live_settings(settings, port)
    app = App(live)
    api = create_app(app)
    customer, _seed, _checking, card, _savings = DEMO_CUSTOMERS[0]
    post_later(live, customer, card, alert_after)
    token = api.state.sessions.issue("alice")
    console.print(
        f"\n[bold]Web chat, signed in as alice:[/] http://127.0.0.1:{port}/chat/login?token={token}"
        f"\nPrivacy dashboard: http://127.0.0.1:{port}/privacy   (Ctrl-C stops the server)"
        f"\nIn {alert_after:.0f} s a suspicious payment on alice's card raises a fraud alert "
        "in her chat: keep it open.",
        highlight=False,
        soft_wrap=True,
    )
    try:
        uvicorn.run(api, host="127.0.0.1", port=port, log_level="warning")
    finally:
        app.close()


register_privacy_commands(cli)
register_assistant_commands(cli)
register_atm_commands(cli)
register_server_commands(cli)
register_risk_commands(cli)


def _one_line_summaries(app: typer.Typer) -> None:
    """A command list shows each command's first paragraph; rich keeps the docstring's
    line breaks there, which cut sentences mid-line. Give each command (and group) that
    paragraph as one line."""
    for command in app.registered_commands:
        if command.short_help is None and command.callback is not None:
            command.short_help = _first_paragraph(command.callback.__doc__ or "")
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


def _first_paragraph(doc: str) -> str:
    return " ".join(inspect.cleandoc(doc).split("\n\n", 1)[0].split())


_one_line_summaries(cli)


def main() -> None:
    """Entry point: runs the CLI and renders OpenTeller errors in one shape."""
    try:
        cli()
    except OpenTellerError as exc:
        err_console.print(f"[red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
