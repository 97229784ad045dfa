"""Server commands: ``serve``, ``worker`` and ``messenger link``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from openteller.bootstrap import App
from openteller.settings import load_settings

console = Console()
messenger_cli = typer.Typer(
    help="The Messenger channel.\n\nExample: openteller messenger link --psid 123 --customer alice",
    no_args_is_help=True,
)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Processes (stateless, one database).")] = 1,
    answer: Annotated[
        bool,
        typer.Option(
            help="Answer webhook events in these processes too; --no-answer leaves that to "
            "`openteller worker` processes (steadier webhook latency)."
        ),
    ] = True,
) -> None:
    """Run the HTTP service (webhooks, health, metrics, API docs at /docs).

    Example: openteller serve --host 0.0.0.0 --port 8000 --workers 2
    """
    import os

    import uvicorn

    os.environ["OPENTELLER_SERVE_ANSWER"] = "1" if answer else "0"

    app = App(load_settings())
    try:
        app.ready()  # a wrong key or an old schema stops here, with a clear message
    finally:
        app.close()
    uvicorn.run(
        "openteller.web.app:create_default_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def worker(
    once: Annotated[bool, typer.Option(help="Process what is waiting, then stop.")] = False,
) -> None:
    """Answer stored webhook events, send queued replies, report alert answers and check
    insights when due (also done inside `serve`).

    Example: openteller worker
    """
    from openteller.web.app import Worker

    app = App(load_settings())
    try:
        app.ready()
        background = Worker(app, interval=0.5)
        if once:
            while background.run_once():
                pass
        else:
            background.run()  # a failed round is logged and tried again, never fatal
    except KeyboardInterrupt:
        pass
    finally:
        app.close()


@messenger_cli.command("link")
def messenger_link(
    psid: Annotated[str, typer.Option(help="The customer's page-scoped id on Messenger.")],
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
    days: Annotated[int, typer.Option(help="How long the consent lasts (1-365).")] = 90,
) -> None:
    """Link a Messenger user to a customer and record their consent (what the bank's
    login page does at account linking).

    Example: openteller messenger link --psid 1254459154682919 --customer alice
    """
    app = App(load_settings())
    try:
        app.ready()
        consent_id = app.messenger.link(psid, customer, days=days, actor="terminal:operator")
    finally:
        app.close()
    console.print(f"Linked; consent {consent_id} for {days} days.")


@messenger_cli.command("unlink")
def messenger_unlink(
    psid: Annotated[str, typer.Option(help="The customer's page-scoped id on Messenger.")],
) -> None:
    """Unlink a Messenger user: forget the id and revoke the consent.

    Example: openteller messenger unlink --psid 1254459154682919
    """
    app = App(load_settings())
    try:
        app.ready()
        done = app.messenger.unlink(psid)
    finally:
        app.close()
    if not done:
        raise typer.BadParameter(f"no customer is linked to {psid!r}", param_hint="--psid")
    console.print("Unlinked; the Messenger consent is revoked.")


def register(cli: typer.Typer) -> None:
    cli.command()(serve)
    cli.command()(worker)
    cli.add_typer(messenger_cli, name="messenger")
