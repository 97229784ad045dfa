"""ATM use cases: load a bank's ATM file, find the nearest ATMs to a point or a place.

A load reads and checks the whole file first (``atm.loaders``), then replaces the bank's
set in one database transaction: a bad file, or a failure half-way, leaves the previous
set exactly as it was.

Nearest search prefilters in the database by a latitude/longitude box around the point
(25 km, widened fourfold until ``k`` ATMs that pass the filters lie within the circle
the box holds), then ranks by great-circle distance in Python. A circle that reaches a
pole or the 180th meridian, or no answer within 6,400 km, reads all the bank's ATMs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from openteller.atm.geo import DEFAULT_K, AtmFilters, Nearby, bounding_box, nearest
from openteller.atm.loaders import MAX_BYTES, read_atms
from openteller.atm.model import AtmDataError, AtmProblem, AtmSearchError, check_coordinates
from openteller.atm.places import Place, resolve_place
from openteller.store.atms import AtmStore

FIRST_RADIUS_KM = 25.0
LAST_RADIUS_KM = 6_400.0
MAX_K = 50


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load did: ``loaded`` ATMs now stand, ``replaced`` were there before."""

    source: str
    format: str
    loaded: int
    replaced: int
    brands: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Search:
    """A search's answer: where it started, what it asked for, what it found."""

    place: Place
    filters: AtmFilters
    results: list[Nearby]
    atms_loaded: int


class AtmService:
    """Load and search one bank's ATMs.

    ``clock`` gives "now" for the open-now filter: an aware time, read in each ATM's own
    zone when known, else at its wall-clock time (the default: this machine's zone).
    """

    def __init__(
        self,
        engine: Engine,
        bank_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC).astimezone(),
    ) -> None:
        self.engine = engine
        self.store = AtmStore(bank_id)
        self.clock = clock

    # -- loading ---------------------------------------------------------------------------
    def load_file(self, path: Path, format_name: str | None = None) -> LoadReport:
        """Replace the bank's ATMs with those in the file at ``path``."""
        source = str(path)
        try:
            with path.open("rb") as stream:
                data = stream.read(MAX_BYTES + 1)
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise AtmDataError(source, [AtmProblem("file", "path", reason)]) from exc
        return self.load_bytes(data, source, format_name)

    def load_bytes(self, data: bytes, source: str, format_name: str | None = None) -> LoadReport:
        """Replace the bank's ATMs with those in ``data`` (named ``source`` in errors)."""
        chosen, atms = read_atms(data, source, format_name)
        with self.engine.begin() as conn:
            replaced = self.store.replace(conn, atms, self.clock())
        brands = tuple(dict.fromkeys(a.brand for a in atms if a.brand))
        return LoadReport(source, chosen, len(atms), replaced, brands)

    def count(self) -> int:
        """How many ATMs the bank has loaded."""
        with self.engine.connect() as conn:
            return self.store.count(conn)

    # -- searching -------------------------------------------------------------------------
    def nearest(
        self,
        latitude: float,
        longitude: float,
        k: int = DEFAULT_K,
        filters: AtmFilters | None = None,
        when: datetime | None = None,
    ) -> list[Nearby]:
        """The ``k`` nearest ATMs that pass ``filters`` (``when``: default now)."""
        _check_search(latitude, longitude, k)
        chosen = filters or AtmFilters()
        moment = when or self.clock()
        with self.engine.connect() as conn:
            return self._nearest(conn, latitude, longitude, k, chosen, moment)

    def _nearest(
        self,
        conn: Connection,
        latitude: float,
        longitude: float,
        k: int,
        filters: AtmFilters,
        when: datetime,
    ) -> list[Nearby]:
        radius = FIRST_RADIUS_KM
        while radius <= LAST_RADIUS_KM:
            box = bounding_box(latitude, longitude, radius)
            if box is None:
                break
            found = nearest(self.store.in_box(conn, box), latitude, longitude, k, filters, when)
            if len(found) == k and found[-1].distance_km <= radius:
                return found
            radius *= 4
        return nearest(self.store.all(conn), latitude, longitude, k, filters, when)

    def near(
        self,
        place: Place,
        k: int = DEFAULT_K,
        filters: AtmFilters | None = None,
        when: datetime | None = None,
    ) -> Search:
        """The nearest ATMs to ``place`` (from a shared location or :meth:`place`)."""
        chosen = filters or AtmFilters()
        _check_search(place.latitude, place.longitude, k)
        moment = when or self.clock()
        with self.engine.connect() as conn:
            results = self._nearest(conn, place.latitude, place.longitude, k, chosen, moment)
            loaded = self.store.count(conn)
        return Search(place, chosen, results, loaded)

    @staticmethod
    def place(text: str) -> Place:
        """The place typed text names (coordinates, US ZIP code or city name)."""
        found = resolve_place(text)
        if found is None:
            raise AtmSearchError(
                f"cannot find a place called {text.strip()!r}: give a city name "
                "(e.g. Manchester or London, UK), a US ZIP code or coordinates"
            )
        return found


def _check_search(latitude: float, longitude: float, k: int) -> None:
    try:
        check_coordinates(latitude, longitude)
    except ValueError as exc:
        raise AtmSearchError(str(exc)) from exc
    if not 1 <= k <= MAX_K:
        raise AtmSearchError(f"ask for between 1 and {MAX_K} ATMs, not {k}")
