"""Confirmation tokens for risky commands (unlock, open the garage door) on the commands API.

A first ``POST /api/v1/commands`` answers 409 with a token; the same command sent again with
``"confirm": "<token>"`` runs. A token is random, used at most once (presenting it spends it,
whatever the outcome), bound to the principal, the device, the action and the params, and
expires after ``ttl_s``. In memory, per process.

Which commands are risky is the flows' word: a flow whose action it is and that has a
``confirm:`` block (``only_if_name_has`` narrows it to devices with those words in a name),
the same rule the dialogue applies before it acts.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant.actions.device import Device


@dataclass(frozen=True)
class _Issued:
    principal: str
    command: str  # device, action and params, canonical JSON
    expires: float


class ConfirmationTokens:
    def __init__(self, ttl_s: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 max_pending: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._max_pending = max_pending
        self._issued: OrderedDict[str, _Issued] = OrderedDict()

    def issue(self, principal: str, device: str, action: str,
              params: Mapping[str, Any]) -> str:
        now = self._clock()
        while self._issued and (len(self._issued) >= self._max_pending
                                or next(iter(self._issued.values())).expires <= now):
            self._issued.popitem(last=False)  # oldest first: expired, or over the bound
        token = secrets.token_urlsafe(24)
        self._issued[token] = _Issued(principal, _command(device, action, params),
                                      now + self.ttl_s)
        return token

    def redeem(self, token: str, principal: str, device: str, action: str,
               params: Mapping[str, Any]) -> bool:
        """True if ``token`` was issued to this principal for this command and is still
        valid; the token is spent either way."""
        issued = self._issued.pop(token, None)
        if issued is None or issued.expires <= self._clock():
            return False
        return secrets.compare_digest(issued.principal, principal) and \
            issued.command == _command(device, action, params)


def _command(device: str, action: str, params: Mapping[str, Any]) -> str:
    return json.dumps([device, action, params], sort_keys=True, separators=(",", ":"))


def needs_confirmation(flows: Iterable[Any], device: Device, action: str) -> bool:
    """Whether a flow that runs ``action`` asks before acting on ``device`` (``flows``: the
    dialogue engine's ``Flow`` objects)."""
    names = " ".join((device.id.replace("_", " "), device.name, *device.aliases)).lower()
    for flow in flows:
        confirm = flow.spec.confirm
        if flow.spec.action != action or confirm is None:
            continue
        if not confirm.only_if_name_has or any(
                word.lower() in names for word in confirm.only_if_name_has):
            return True
    return False
