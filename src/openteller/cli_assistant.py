"""Assistant commands: ``nlu``, ``ask``, ``chat`` and ``eval nlu``.

``nlu`` and ``ask`` are a stable interface other tools and tests rely on: one JSON object
per message (``--json``), or one per input line with ``--batch``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.prompt import Prompt
from rich.table import Table

from openteller.bootstrap import App
from openteller.categorise.data_files import known_merchants
from openteller.settings import load_settings

if TYPE_CHECKING:
    from openteller.assistant.engine import Assistant, Turn
    from openteller.assistant.slots import Slots

console = Console()
eval_cli = typer.Typer(
    help="Measure the assistant.\n\nExample: openteller eval nlu", no_args_is_help=True
)


def slots_json(slots: Slots) -> dict[str, Any]:
    period = slots.period
    return {
        "period": (
            {
                "start": period.period.start.isoformat(),
                "end": period.period.end.isoformat(),
                "text": period.phrase,
            }
            if period
            else None
        ),
        "category": slots.category.slug if slots.category is not None else None,
        "merchant": slots.merchant,
        "merchants": list(slots.merchants()),
        "account": slots.account,
        "amount": (
            {
                "min": str(slots.amount.minimum) if slots.amount.minimum is not None else None,
                "max": str(slots.amount.maximum) if slots.amount.maximum is not None else None,
            }
            if slots.amount
            else None
        ),
        "exclude_merchants": list(slots.exclude_merchants),
        "exclude_categories": [c.slug for c in slots.exclude_categories],
        "limit": slots.limit,
        "compare": slots.compare,
        "breakdown": slots.breakdown,
    }


def _lines(text: str | None, batch: bool) -> list[str]:
    if batch:
        return [line.rstrip("\n") for line in sys.stdin]
    if text is None:
        raise typer.BadParameter("give a TEXT, or --batch to read one per line from stdin")
    return [text]


def nlu(
    text: Annotated[str | None, typer.Argument(help="A customer's message.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Read one message per line, write JSON lines.")
    ] = False,
) -> None:
    """Understand a message: intent, confidence and slots (no customer data is read),
    as the assistant understands it before answering.

    Example: openteller nlu "how much did I spend on coffee since Monday?"
    """
    from openteller.assistant.classifier import load_classifier
    from openteller.assistant.understanding import Understander

    settings = load_settings()
    understander = Understander(load_classifier(), week_start=settings.week_start)
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    merchants = sorted({m.name for m in known_merchants()})
    for message in _lines(text, batch):
        understood = understander.understand(message, today, merchants, merchants_are_theirs=False)
        named = slots_json(understood.slots)
        record = {
            "text": message,
            "intent": understood.intent.value,
            "confidence": round(understood.confidence, 3),
            "slots": named,
        }
        if as_json or batch:
            print(json.dumps(record), flush=True)
        else:
            console.print(
                f"[bold]{understood.intent.value}[/] ({understood.confidence:.2f}) "
                + json.dumps({k: v for k, v in named.items() if v}),
                highlight=False,
            )


def _assistant(app: App, now: str | None) -> Assistant:
    assistant = app.assistant
    if now is not None:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError as exc:
            raise typer.BadParameter(
                f"{now!r} is not an ISO-8601 date or time", param_hint="--now"
            ) from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(app.settings.timezone))
        fixed = moment.astimezone(UTC).astimezone(moment.tzinfo)
        assistant = app.make_assistant(lambda: fixed)
    return assistant


def _print_turn(turn: Turn, as_json: bool) -> None:
    if as_json:
        print(json.dumps(turn.as_json(), ensure_ascii=False), flush=True)
        return
    console.print(turn.reply.text, highlight=False)
    for number, choice in enumerate(turn.reply.quick_replies, start=1):
        console.print(f"  [{number}] {choice.title}", highlight=False)


def ask(
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
    text: Annotated[str | None, typer.Argument(help="The customer's question.")] = None,
    now: Annotated[
        str | None, typer.Option(help="Answer as if it were this time (ISO 8601).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    batch: Annotated[
        bool,
        typer.Option("--batch", help="One question per line from stdin, one conversation."),
    ] = False,
) -> None:
    """Ask the assistant a question about a customer's money, as the customer.

    Example: openteller ask --customer alice "how much did I spend on groceries last month?"
    """
    from openteller.assistant.engine import Conversation

    app = App(load_settings())
    try:
        app.ready()
        assistant = _assistant(app, now)
        messages = _lines(text, batch)
        app.require_customer(customer)
        conversation = Conversation(customer=customer, channel="ask")
        for message in messages:
            _print_turn(assistant.respond(conversation, message), as_json or batch)
    finally:
        app.close()


def chat(
    customer: Annotated[str, typer.Option(help="The bank's id of the customer.")],
) -> None:
    """Chat with the assistant in the terminal, as the customer (quick replies are
    numbered: type the number). Empty line or Ctrl-D ends.

    Example: openteller chat --customer alice
    """
    from openteller.assistant.engine import Conversation

    app = App(load_settings())
    try:
        app.ready()
        app.require_customer(customer)
        assistant = app.assistant
        conversation = Conversation(customer=customer, channel="terminal")
        console.print(f"[bold]OpenTeller[/] — chatting as {customer}. {assistant_hint()}")
        choices: list[str] = []
        while True:
            try:
                message = Prompt.ask("[bold cyan]you[/]", default="", show_default=False)
            except (EOFError, KeyboardInterrupt):
                break
            if not message.strip():
                break
            if message.strip().isdigit() and 0 < int(message) <= len(choices):
                message = choices[int(message) - 1]
            turn = assistant.respond(conversation, message)
            console.print("[bold green]bank[/] ", end="")
            _print_turn(turn, as_json=False)
            choices = [c.payload for c in turn.reply.quick_replies]
    finally:
        app.close()


def assistant_hint() -> str:
    return 'Try "what\'s my balance?" or "coffee since Monday?". Empty line to quit.'


@eval_cli.command("nlu")
def eval_nlu(
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Cross-validated intent accuracy, out-of-scope recall and slot accuracy on the
    shipped datasets (takes a minute).

    Example: openteller eval nlu
    """
    from openteller.assistant.evaluation import evaluate

    report = evaluate(folds=folds)
    if as_json:
        print(json.dumps(report.as_json(), indent=2))
        return
    table = Table(title=f"Intent understanding, {folds}-fold cross-validation")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("examples", justify="right")
    for name, value, count in report.rows():
        table.add_row(name, f"{value:.1%}", str(count))
    console.print(table)


handoffs_cli = typer.Typer(
    help="Questions handed to a person at the bank.\n\nExample: openteller handoffs list",
    no_args_is_help=True,
)


@handoffs_cli.command("list")
def handoffs_list(
    every: Annotated[bool, typer.Option("--all", help="Closed ones too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List open handoffs (reading them is audited).

    Example: openteller handoffs list
    """
    app = App(load_settings())
    try:
        app.ready()
        items = app.handoffs.list(status=None if every else "open")
    finally:
        app.close()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": h.id,
                        "customer": h.customer,
                        "channel": h.channel,
                        "intent": h.intent,
                        "question": h.question,
                        "status": h.status,
                        "created_at": h.created_at.isoformat(),
                    }
                    for h in items
                ],
                indent=2,
            )
        )
        return
    if not items:
        console.print("No handoffs waiting.")
        return
    table = Table(title="Handoffs")
    for column in ("Id", "Customer", "Channel", "Intent", "Question", "Status"):
        table.add_column(column)
    for h in items:
        table.add_row(h.id, h.customer, h.channel, h.intent, h.question[:80], h.status)
    console.print(table)


@handoffs_cli.command("close")
def handoffs_close(
    handoff_id: Annotated[str, typer.Argument(help="The handoff's id.")],
) -> None:
    """Mark a handoff as dealt with.

    Example: openteller handoffs close 3f2a...
    """
    app = App(load_settings())
    try:
        app.ready()
        closed = app.handoffs.close(handoff_id)
    finally:
        app.close()
    if not closed:
        raise typer.BadParameter(f"no handoff {handoff_id!r} at this bank", param_hint="ID")
    console.print(f"Closed {handoff_id}.")


def register(cli: typer.Typer) -> None:
    cli.add_typer(handoffs_cli, name="handoffs")
    cli.command()(nlu)
    cli.command()(ask)
    cli.command()(chat)
    cli.add_typer(eval_cli, name="eval")
