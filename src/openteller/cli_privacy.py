"""Privacy commands: consents, discreet mode, export, erasure, the audit log, key rotation.

Registered on the main ``openteller`` command by :func:`register`; errors are rendered by
``openteller.cli.main`` like every other command's.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from openteller.bootstrap import App, load_master_key
from openteller.domain.consent import ConsentStatus, Purpose
from openteller.privacy.access import Requester
from openteller.settings import load_settings

console = Console()

#: Reads from the bank's own terminal, on the customer's request (first-party, audited).
OPERATOR = Requester("terminal", Purpose.CUSTOMER_QUESTIONS, "terminal:operator")

consent_cli = typer.Typer(
    help="A customer's consents: which channel may read what, for which purpose, until when.\n\n"
    "Example: openteller consent grant --customer alice --channel messenger "
    "--purpose customer_questions --scope balances --scope transactions",
    no_args_is_help=True,
)
audit_cli = typer.Typer(
    help="The tamper-evident audit log.\n\nExample: openteller audit verify",
    no_args_is_help=True,
)
keys_cli = typer.Typer(
    help="Master key management.\n\nExample: openteller keys rotate --new-key-file new.key",
    no_args_is_help=True,
)

CustomerOption = Annotated[str, typer.Option(help="The bank's id of the customer.")]


def _app() -> App:
    app = App(load_settings())
    app.ready()
    return app


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date in YYYY-MM-DD form", param_hint=option
        ) from exc


# -- consents ------------------------------------------------------------------------------
@consent_cli.command("grant")
def consent_grant(
    customer: CustomerOption,
    channel: Annotated[str, typer.Option(help="Who receives the data, e.g. messenger.")],
    purpose: Annotated[
        list[str],
        typer.Option(help="customer_questions, fraud_alerts, proactive_insights or export."),
    ],
    scope: Annotated[
        list[str],
        typer.Option(help="accounts, balances, transactions, fraud_alerts or atm_location."),
    ],
    days: Annotated[int, typer.Option(help="How long it lasts (1-365 days).")] = 90,
    transactions_from: Annotated[
        str | None, typer.Option("--from", help="Only transactions from this date.")
    ] = None,
    transactions_until: Annotated[
        str | None, typer.Option("--until", help="Only transactions up to this date.")
    ] = None,
    pending: Annotated[
        bool, typer.Option(help="Record it as awaiting the customer's authorisation.")
    ] = False,
) -> None:
    """Record a consent the customer gave, and print its receipt.

    Example: openteller consent grant --customer alice --channel messenger
    --purpose customer_questions --scope balances --scope transactions --days 180
    """
    app = _app()
    try:
        view = app.consents.grant(
            customer,
            channel=channel,
            purposes=purpose,
            scopes=scope,
            days=days,
            transactions_from=_date(transactions_from, "--from"),
            transactions_until=_date(transactions_until, "--until"),
            authorise=not pending,
            actor="terminal:operator",
        )
    finally:
        app.close()
    console.print(view.receipt, highlight=False)


@consent_cli.command("list")
def consent_list(
    customer: CustomerOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a customer's consents with their current status.

    Example: openteller consent list --customer alice
    """
    app = _app()
    try:
        views = app.consents.list(customer)
    finally:
        app.close()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": v.consent.id,
                        "channel": v.consent.channel,
                        "status": v.status.value,
                        "purposes": sorted(p.value for p in v.consent.purposes),
                        "scopes": sorted(s.value for s in v.consent.scopes),
                        "created_at": v.consent.created_at.isoformat(),
                        "expires_at": v.consent.expires_at.isoformat(),
                    }
                    for v in views
                ],
                indent=2,
            )
        )
        return
    if not views:
        console.print(f"{customer} has no consents.")
        return
    table = Table(title=f"Consents of {customer}")
    for column in ("Id", "Channel", "Status", "Purposes", "Scopes", "Expires"):
        table.add_column(column)
    for v in views:
        table.add_row(
            v.consent.id,
            v.consent.channel,
            v.status.value,
            ", ".join(sorted(p.value for p in v.consent.purposes)),
            ", ".join(sorted(s.value for s in v.consent.scopes)),
            f"{v.consent.expires_at:%Y-%m-%d}",
        )
    console.print(table)


def _change(customer: str, consent_id: str, to: ConsentStatus) -> None:
    app = _app()
    try:
        view = app.consents.change(customer, consent_id, to, actor="terminal:operator")
    finally:
        app.close()
    console.print(view.receipt, highlight=False)


@consent_cli.command("revoke")
def consent_revoke(
    consent_id: Annotated[str, typer.Argument(help="The consent's id (see consent list).")],
    customer: CustomerOption,
) -> None:
    """Revoke a consent: the very next read through it is refused, in every process.

    Example: openteller consent revoke 3f2a... --customer alice
    """
    _change(customer, consent_id, ConsentStatus.REVOKED)


@consent_cli.command("authorise")
def consent_authorise(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.")],
    customer: CustomerOption,
) -> None:
    """Mark a consent awaiting authorisation as authorised by the customer."""
    _change(customer, consent_id, ConsentStatus.AUTHORISED)


@consent_cli.command("reject")
def consent_reject(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.")],
    customer: CustomerOption,
) -> None:
    """Mark a consent awaiting authorisation as rejected by the customer."""
    _change(customer, consent_id, ConsentStatus.REJECTED)


@consent_cli.command("show")
def consent_show(
    consent_id: Annotated[str, typer.Argument(help="The consent's id.")],
    customer: CustomerOption,
) -> None:
    """Print a consent's receipt."""
    app = _app()
    try:
        views = [v for v in app.consents.list(customer) if v.consent.id == consent_id]
    finally:
        app.close()
    if not views:
        raise typer.BadParameter(
            f"{customer} has no consent {consent_id!r}", param_hint="CONSENT_ID"
        )
    console.print(views[0].receipt, highlight=False)


# -- customer-level commands ---------------------------------------------------------------
def discreet(
    customer: CustomerOption,
    mode: Annotated[str, typer.Argument(help="on or off")],
) -> None:
    """Discreet mode: replies through a messaging platform carry no amounts, only a
    short-lived link to the answer on the bank's side.

    Example: openteller discreet on --customer alice
    """
    if mode not in ("on", "off"):
        raise typer.BadParameter(f"{mode!r}: say on or off", param_hint="MODE")
    app = _app()
    try:
        app.consents.set_discreet(customer, mode == "on", actor="terminal:operator")
    finally:
        app.close()
    console.print(f"Discreet mode is {mode} for {customer}.")


def export(
    customer: CustomerOption,
    output: Annotated[
        Path | None, typer.Option(help="Write the JSON here instead of standard output.")
    ] = None,
) -> None:
    """Export everything held about a customer (accounts, balances, transactions,
    consents, audit trail) as JSON.

    Example: openteller export --customer alice --output alice.json
    """
    app = _app()
    try:
        document = app.export.export(customer, actor="terminal:operator")
    finally:
        app.close()
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output is None:
        print(text)
        return
    partial = output.with_name(output.name + ".partial")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(output)
    console.print(
        f"Exported {len(document['transactions'])} transactions of {customer} to {output}."
    )


def erase(
    customer: CustomerOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a customer: shred their data key (every copy of their data, backups
    included, becomes unreadable) and delete their rows. Cannot be undone.

    Example: openteller erase --customer alice
    """
    app = _app()
    try:
        finished = app.erasure.resume()
        if finished:
            console.print(f"Finished {len(finished)} erasure(s) an earlier run left half-way.")
        if not yes:
            if not sys.stdin.isatty():
                raise typer.BadParameter(
                    "erasure cannot be undone; confirm with --yes when not at a terminal",
                    param_hint="--yes",
                )
            typer.confirm(
                f"Erase every piece of data about {customer}? This cannot be undone",
                abort=True,
            )
        report = app.erasure.erase(customer, actor="terminal:operator")
    finally:
        app.close()
    console.print(
        f"Erased {customer}: data key shredded, {report.blocks_deleted} ledger block(s) deleted. "
        "The audit log keeps a record of the erasure, with no personal data."
    )


# -- audit ---------------------------------------------------------------------------------
@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the whole audit log: every entry's hash and link, the head, and the signed
    checkpoints. Exit status 1 if anything was changed, removed, inserted or reordered.

    Example: openteller audit verify
    """
    app = _app()
    try:
        result = app.audit.verify()
        public = app.keystore.audit_public_key(app.settings.bank_id)
    finally:
        app.close()
    fingerprint = public.hex()[:16] if public else "none"
    if result.ok:
        console.print(
            f"Audit log OK: {result.entries} entries, {result.checkpoints} signed checkpoint(s) "
            f"(last at entry {result.last_signed_seq}); signing key {fingerprint}."
        )
        return
    for problem in result.problems:
        console.print(f"[red]TAMPERED:[/] {problem}", highlight=False)
    console.print(f"{len(result.problems)} problem(s) in {result.entries} entries.")
    raise typer.Exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the audit log as it stands now (also done every N entries)."""
    app = _app()
    try:
        seq = app.audit.checkpoint()
    finally:
        app.close()
    console.print(f"Signed the audit log up to entry {seq}." if seq else "The audit log is empty.")


@audit_cli.command("trail")
def audit_trail(
    customer: CustomerOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A customer's own trail: who read what, when, for which purpose.

    Example: openteller audit trail --customer alice
    """
    app = _app()
    try:
        entries = app.access.trail(customer, OPERATOR)
    finally:
        app.close()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "seq": e.seq,
                        "at": e.at,
                        "who": e.actor,
                        "action": e.action,
                        "purpose": e.purpose,
                        "scope": e.scope,
                        "outcome": e.outcome,
                        "detail": e.details(),
                    }
                    for e in entries
                ],
                indent=2,
            )
        )
        return
    table = Table(title=f"Who read {customer}'s data")
    for column in ("When (UTC)", "Who", "What", "Purpose", "Outcome"):
        table.add_column(column)
    for e in entries:
        what = f"{e.action} {e.scope}".strip()
        table.add_row(e.at[:19].replace("T", " "), e.actor, what, e.purpose, e.outcome)
    console.print(table)


# -- keys ----------------------------------------------------------------------------------
@keys_cli.command("rotate")
def keys_rotate(
    new_key_file: Annotated[Path, typer.Option(help="File holding the new master key.")],
) -> None:
    """Re-wrap every customer key of the bank under a new master key (data is not
    re-encrypted). Then point OPENTELLER_MASTER_KEY(_FILE) at the new key.

    Example: openteller keys rotate --new-key-file new.key
    """
    settings = load_settings()
    app = App(settings)
    try:
        app.ready()
        new = load_master_key(
            settings.model_copy(update={"master_key": None, "master_key_file": new_key_file})
        )
        moved = app.keystore.rotate(settings.bank_id, app.keys, new)
        app.audit.record(
            actor="terminal:operator",
            action="master_key_rotated",
            customer_ref="",
            detail={"customer_keys": moved, "new_key_id": new.key_id},
        )
    finally:
        app.close()
    console.print(
        f"Re-wrapped {moved} customer key(s) under the new master key {new.key_id}. "
        f"Now set OPENTELLER_MASTER_KEY_FILE={new_key_file} (or OPENTELLER_MASTER_KEY)."
    )


def register(cli: typer.Typer) -> None:
    cli.add_typer(consent_cli, name="consent")
    cli.add_typer(audit_cli, name="audit")
    cli.add_typer(keys_cli, name="keys")
    cli.command()(discreet)
    cli.command()(export)
    cli.command()(erase)
