"""ATM commands: load the bank's ATM locations, find the nearest ones.

Registered on the main ``openteller`` command by :func:`register`; errors are rendered by
``openteller.cli.main`` like every other command's.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from openteller.atm.geo import AtmFilters, Nearby, format_distance, is_open
from openteller.atm.loaders import FORMATS
from openteller.atm.places import Place, place_from_coordinates
from openteller.bootstrap import App
from openteller.services.atms import Search
from openteller.settings import load_settings

atm_cli = typer.Typer(
    help="The bank's ATM locations: load them from a file, find the nearest ones.\n\n"
    "Example: openteller atm near --place Manchester --k 3",
    no_args_is_help=True,
)


def _app() -> App:
    app = App(load_settings())
    app.ready()
    return app


@atm_cli.command("load")
def atm_load(
    file: Annotated[Path, typer.Argument(help="Open Banking ATM JSON or CSV file.")],
    format: Annotated[
        str | None,
        typer.Option(help="obie or csv (default: detected from the file's content)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Replace the bank's ATMs with those in a UK Open Banking ATM JSON file (v2.x) or a
    CSV file (header: see docs/atm.md). The whole file is checked first and loaded in one
    transaction: a file with any bad entry loads nothing.

    Example: openteller atm load hsbc-atms.json
    """
    if format is not None and format not in FORMATS:
        raise typer.BadParameter(
            f"{format!r}: use one of {', '.join(FORMATS)}", param_hint="--format"
        )
    app = _app()
    try:
        report = app.atms.load_file(file, format)
    finally:
        app.close()
    if as_json:
        print(
            json.dumps(
                {
                    "path": report.source,
                    "format": report.format,
                    "loaded": report.loaded,
                    "replaced": report.replaced,
                    "brands": list(report.brands),
                },
                indent=2,
            )
        )
        return
    brands = f" ({', '.join(report.brands)})" if report.brands else ""
    typer.echo(
        f"Loaded {report.loaded} ATMs{brands} from {file} ({report.format}); "
        f"they replace the {report.replaced} loaded before."
    )


@atm_cli.command("near")
def atm_near(
    lat: Annotated[float | None, typer.Option(help="Latitude in decimal degrees.")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude in decimal degrees.")] = None,
    place: Annotated[
        str | None,
        typer.Option(help="A city (Manchester; London, UK), a US ZIP code, or 'lat, lon'."),
    ] = None,
    k: Annotated[int, typer.Option(help="How many ATMs to show (1-50).")] = 3,
    open_now: Annotated[
        bool, typer.Option("--open-now", help="Only ATMs known to be open now (or --at).")
    ] = False,
    open_24h: Annotated[bool, typer.Option("--24h", help="Only 24-hour ATMs.")] = False,
    deposits: Annotated[
        bool, typer.Option("--deposits", help="Only ATMs that take deposits.")
    ] = False,
    accessible: Annotated[
        bool, typer.Option("--accessible", help="Only ATMs with accessibility features.")
    ] = False,
    fee_free: Annotated[
        bool, typer.Option("--fee-free", help="Only ATMs free for this bank's customers.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(help="The time for --open-now, ISO 8601 (default: now, this zone)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The nearest ATMs to a point or a place, by great-circle distance, after filters;
    each with its distance, address, opening hours and a map link.

    Example: openteller atm near --place "London, UK" --k 3 --deposits
    """
    when = _when(at)
    filters = AtmFilters(open_now, open_24h, deposits, accessible, fee_free)
    app = _app()
    try:
        start = _place(app, lat, lon, place)
        search = app.atms.near(start, k, filters, when)
    finally:
        app.close()
    if search.atms_loaded == 0:
        typer.echo(
            "No ATMs are loaded for this bank: run `openteller atm load FILE` first.", err=True
        )
        raise typer.Exit(1)
    if as_json:
        print(json.dumps(_search_json(search, when), indent=2, ensure_ascii=False))
        return
    _print_search(search, when)


def _when(text: str | None) -> datetime:
    if text is None:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not an ISO 8601 date-time like 2024-10-21T09:30", param_hint="--at"
        ) from exc
    return moment if moment.tzinfo else moment.astimezone()


def _place(app: App, lat: float | None, lon: float | None, text: str | None) -> Place:
    if text is not None:
        if lat is not None or lon is not None:
            raise typer.BadParameter("give --place or --lat/--lon, not both", param_hint="--place")
        return app.atms.place(text)
    if lat is None or lon is None:
        raise typer.BadParameter("give --lat and --lon together, or --place", param_hint="--lat")
    start = place_from_coordinates(lat, lon)
    if start is None:
        raise typer.BadParameter(
            f"{lat}, {lon} is not a point: latitude -90..90, longitude -180..180",
            param_hint="--lat/--lon",
        )
    return start


def _nearby_json(found: Nearby, when: datetime) -> dict[str, Any]:
    atm = found.atm
    return {
        "id": atm.id,
        "name": atm.name,
        "brand": atm.brand,
        "address": atm.full_address,
        "distance_km": round(found.distance_km, 3),
        "latitude": atm.latitude,
        "longitude": atm.longitude,
        "open_24h": atm.open_24h,
        "opening_hours": atm.opening_hours.text() if atm.opening_hours else None,
        "hours": atm.hours_text,
        "open_now": is_open(atm, when),
        "deposits": atm.deposits,
        "accessible": atm.accessible,
        "fee_free": atm.fee_free,
        "services": list(atm.services),
        "accessibility": list(atm.accessibility),
        "map_link": found.map_link,
    }


def _search_json(search: Search, when: datetime) -> dict[str, Any]:
    return {
        "place": {
            "name": search.place.name,
            "latitude": search.place.latitude,
            "longitude": search.place.longitude,
        },
        "filters": search.filters.names(),
        "at": when.isoformat(),
        "atms_loaded": search.atms_loaded,
        "atms": [_nearby_json(found, when) for found in search.results],
    }


def _print_search(search: Search, when: datetime) -> None:
    point = f"{search.place.latitude:.5f}, {search.place.longitude:.5f}"
    where = point if search.place.name == point else f"{search.place.name} ({point})"
    asked = f" ({', '.join(search.filters.names())})" if search.filters.names() else ""
    if not search.results:
        typer.echo(f"No ATM{asked} among the {search.atms_loaded} loaded, near {where}.")
        return
    typer.echo(f"Nearest ATMs{asked} to {where}:")
    for number, found in enumerate(search.results, start=1):
        atm = found.atm
        brand = f" ({atm.brand})" if atm.brand else ""
        state = {True: "open now", False: "closed now", None: ""}[is_open(atm, when)]
        typer.echo(f"{number}. {atm.name}{brand}: {format_distance(found.distance_km)}")
        typer.echo(f"   {atm.full_address}")
        typer.echo(f"   Hours: {atm.hours_text}" + (f" ({state})" if state else ""))
        typer.echo(f"   Map: {found.map_link}")


def register(cli: typer.Typer) -> None:
    cli.add_typer(atm_cli, name="atm")
