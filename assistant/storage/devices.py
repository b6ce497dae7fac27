"""The device registry as stored: dict-like records loaded from devices.yaml by the caller."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select

from assistant.storage._base import StoreBase, insert_for
from assistant.storage.errors import InvalidRecordError
from assistant.storage.models import Device
from assistant.storage.records import DeviceRecord

_REQUIRED = {"id": 128, "name": 256, "type": 64}
_OPTIONAL_TEXT = {"room": 128, "endpoint": 512, "token_env": 128}
_KNOWN = set(_REQUIRED) | set(_OPTIONAL_TEXT) | {"aliases", "capabilities"}


class DeviceStore(StoreBase):
    async def upsert_devices(
        self, devices: Iterable[Mapping[str, Any]], *, prune: bool = False
    ) -> list[DeviceRecord]:
        """Insert or update devices by ``id``, all in one transaction.

        Keys: id, name, type (required); room, aliases (list of str), capabilities (dict),
        endpoint, token_env (the NAME of the variable holding the token, never the token).
        Every problem in the input is reported at once (E407) and nothing is written.
        ``prune=True`` also deletes the stored devices that are not in ``devices``, so the
        table mirrors the file. Returns the given devices as stored, sorted by id.
        """
        now = self._now()
        values = _validate(list(devices))
        for item in values:
            item["updated_at"] = now
        async with self._transaction(write=True) as session:
            if values:
                insert = insert_for(self.dialect)(Device).values(values)
                updated = {key: insert.excluded[key] for key in values[0] if key != "id"}
                await session.execute(
                    insert.on_conflict_do_update(index_elements=["id"], set_=updated)
                )
            ids = [item["id"] for item in values]
            if prune:
                await session.execute(delete(Device).where(Device.id.not_in(ids)))
            rows = await session.scalars(
                select(Device).where(Device.id.in_(ids)).order_by(Device.id)
            )
            return [_device(row) for row in rows]

    async def list_devices(self, *, room: str | None = None) -> list[DeviceRecord]:
        query = select(Device).order_by(Device.id)
        if room is not None:
            query = query.where(Device.room == room)
        async with self._transaction() as session:
            return [_device(row) for row in await session.scalars(query)]

    async def get_device(self, device_id: str) -> DeviceRecord | None:
        async with self._transaction() as session:
            row = await session.get(Device, device_id)
            return None if row is None else _device(row)

    async def delete_device(self, device_id: str) -> bool:
        async with self._transaction(write=True) as session:
            result = await session.execute(delete(Device).where(Device.id == device_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]


def _validate(devices: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    problems: list[str] = []
    values: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, raw in enumerate(devices):
        where = f"devices[{n}]" + (f" ({raw.get('id')!r})" if isinstance(raw, Mapping) else "")
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a mapping, got {type(raw).__name__}")
            continue
        for key in sorted(set(raw) - _KNOWN):
            problems.append(f"{where}: unknown key {key!r} (known: {', '.join(sorted(_KNOWN))})")
        for key, limit in _REQUIRED.items():
            value = raw.get(key)
            if not isinstance(value, str) or not value:
                problems.append(f"{where}: {key} must be a non-empty string, got {value!r}")
            elif len(value) > limit:
                problems.append(f"{where}: {key} is longer than {limit} characters")
        for key, limit in _OPTIONAL_TEXT.items():
            value = raw.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                problems.append(f"{where}: {key} must be a string of at most {limit} characters")
        aliases = raw.get("aliases") or []
        if not isinstance(aliases, (list, tuple)) or not all(isinstance(a, str) for a in aliases):
            problems.append(f"{where}: aliases must be a list of strings, got {aliases!r}")
        if not isinstance(raw.get("capabilities") or {}, Mapping):
            problems.append(f"{where}: capabilities must be a mapping")
        if isinstance(raw.get("id"), str):
            if raw["id"] in seen:
                problems.append(f"{where}: duplicate id {raw['id']!r}")
            seen.add(raw["id"])
        values.append(
            {
                "id": raw.get("id"),
                "name": raw.get("name"),
                "room": raw.get("room"),
                "type": raw.get("type"),
                "aliases": list(aliases) if isinstance(aliases, (list, tuple)) else [],
                "capabilities": dict(raw.get("capabilities") or {}),
                "endpoint": raw.get("endpoint"),
                "token_env": raw.get("token_env"),
            }
        )
    if problems:
        raise InvalidRecordError(
            f"{len(problems)} problem(s) in the device records:\n"
            + "\n".join(f"  {p}" for p in problems),
            hint="correct each listed device; nothing was stored",
        )
    return values


def _device(row: Device) -> DeviceRecord:
    return DeviceRecord(
        id=row.id,
        name=row.name,
        room=row.room,
        type=row.type,
        aliases=tuple(row.aliases),
        capabilities=copy.deepcopy(row.capabilities),
        endpoint=row.endpoint,
        token_env=row.token_env,
        updated_at=row.updated_at,
    )
