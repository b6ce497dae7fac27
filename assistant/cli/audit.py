"""`assistant audit`: the device calls the assistant made (and, with --admin, admin actions)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from assistant.cli._printer import console


def audit_cmd(
    device: str | None = typer.Option(None, "--device", help="only this device id"),
    since: str | None = typer.Option(None, "--since", help="30m, 12h, 7d or an ISO time"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="newest N rows"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
    admin: bool = typer.Option(False, "--admin",
                               help="admin actions (keys created, revoked) instead"),
    config: Path | None = typer.Option(None, "--config", help="settings YAML file"),
) -> None:
    """Newest first: when, who asked, device, action, params, outcome, attempts."""
    from assistant.config import load_settings
    from assistant.server.audit_log import admin_actions, device_calls, parse_since

    settings = load_settings(config)
    after = parse_since(since) if since else None
    if admin:
        for entry in admin_actions(settings, since=after, limit=limit):
            row = {"at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action,
                   "target": entry.target, "details": entry.details}
            _show(row, as_json, f"{row['at'][:19]}  {entry.actor:<16} {entry.action:<12} "
                                f"{entry.target}  {json.dumps(entry.details)}")
        return
    calls = asyncio.run(device_calls(settings, device_id=device, since=after, limit=limit))
    for c in calls:
        outcome = "ok" if c.success else (c.error_code or c.status)
        row = {"id": c.id, "at": c.started_at.isoformat(), "requested_by": c.requested_by,
               "device": c.device_id, "action": c.action, "params": c.params,
               "status": c.status, "outcome": outcome, "attempts": c.attempts,
               "status_code": c.status_code, "latency_ms": c.latency_ms,
               "conversation_id": c.conversation_id}
        _show(row, as_json, f"{row['at'][:19]}  {c.requested_by:<22} {c.device_id:<20} "
                            f"{c.action:<15} {json.dumps(c.params):<18} {outcome:<9} "
                            f"x{c.attempts}")


def _show(row: dict[str, object], as_json: bool, line: str) -> None:
    console.print(json.dumps(row, default=str) if as_json else line, markup=False,
                  soft_wrap=True)
