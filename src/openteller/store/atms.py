"""The ``atms`` table: one bank's ATM locations (bank data, stored as plaintext).

Every method takes an open ``Connection``: the caller decides the unit of work (a load
replaces the whole set in one transaction, see ``services.atms``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select

from openteller.atm.geo import Box
from openteller.atm.model import Atm
from openteller.atm.opening import parse_opening_hours
from openteller.store import schema

_T = schema.atms
#: Coordinates are stored as integer degrees x 10^7.
SCALE = 10_000_000


def to_e7(degrees: float) -> int:
    return round(degrees * SCALE)


class AtmStore:
    """A bank's ATMs: replace the whole set, read it all, or read a bounding box."""

    def __init__(self, bank_id: str) -> None:
        self.bank_id = bank_id

    def replace(self, conn: Connection, atms: Sequence[Atm], loaded_at: datetime) -> int:
        """Delete the bank's ATMs and insert ``atms``; returns how many were deleted."""
        deleted = conn.execute(delete(_T).where(_T.c.bank_id == self.bank_id)).rowcount
        if atms:
            conn.execute(insert(_T), [self._row(atm, loaded_at) for atm in atms])
        return int(deleted or 0)

    def all(self, conn: Connection) -> list[Atm]:
        """Every ATM of the bank, by id."""
        query = select(_T).where(_T.c.bank_id == self.bank_id).order_by(_T.c.atm_id)
        return [_atm(row) for row in conn.execute(query)]

    def in_box(self, conn: Connection, box: Box) -> list[Atm]:
        """The bank's ATMs inside ``box`` (edges included), by id."""
        query = (
            select(_T)
            .where(
                and_(
                    _T.c.bank_id == self.bank_id,
                    _T.c.latitude_e7.between(to_e7(box.min_lat), to_e7(box.max_lat)),
                    _T.c.longitude_e7.between(to_e7(box.min_lon), to_e7(box.max_lon)),
                )
            )
            .order_by(_T.c.atm_id)
        )
        return [_atm(row) for row in conn.execute(query)]

    def count(self, conn: Connection) -> int:
        query = select(func.count()).select_from(_T).where(_T.c.bank_id == self.bank_id)
        return int(conn.execute(query).scalar_one())

    def loaded_at(self, conn: Connection) -> datetime | None:
        """When the current set was loaded (None: no ATMs)."""
        query = select(func.max(_T.c.loaded_at)).where(_T.c.bank_id == self.bank_id)
        value: datetime | None = conn.execute(query).scalar_one()
        return value

    def _row(self, atm: Atm, loaded_at: datetime) -> dict[str, Any]:
        return {
            "bank_id": self.bank_id,
            "atm_id": atm.id,
            "name": atm.name,
            "brand": atm.brand,
            "address": atm.address,
            "town": atm.town,
            "region": atm.region,
            "postcode": atm.postcode,
            "country": atm.country,
            "latitude_e7": to_e7(atm.latitude),
            "longitude_e7": to_e7(atm.longitude),
            "timezone": atm.timezone,
            "open_24h": atm.open_24h,
            "opening_hours": atm.opening_hours.text() if atm.opening_hours else None,
            "deposits": atm.deposits,
            "accessible": atm.accessible,
            "fee_free": atm.fee_free,
            "services": json.dumps(list(atm.services)),
            "accessibility": json.dumps(list(atm.accessibility)),
            "note": atm.note,
            "loaded_at": loaded_at,
        }


def _atm(row: Any) -> Atm:
    return Atm(
        id=row.atm_id,
        name=row.name,
        latitude=row.latitude_e7 / SCALE,
        longitude=row.longitude_e7 / SCALE,
        brand=row.brand,
        address=row.address,
        town=row.town,
        region=row.region,
        postcode=row.postcode,
        country=row.country,
        timezone=row.timezone,
        open_24h=row.open_24h,
        opening_hours=parse_opening_hours(row.opening_hours) if row.opening_hours else None,
        deposits=row.deposits,
        accessible=row.accessible,
        fee_free=row.fee_free,
        services=tuple(json.loads(row.services)),
        accessibility=tuple(json.loads(row.accessibility)),
        note=row.note,
    )
