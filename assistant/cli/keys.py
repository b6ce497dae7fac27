"""`assistant keys create|list|revoke`: API keys in the keys file (hashes only)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from assistant.cli._printer import console

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.",
                       no_args_is_help=True)
_CONFIG = typer.Option(None, "--config", help="settings YAML file (for keys_file)")


@keys_app.command("create")
def create_cmd(
    name: str = typer.Option(..., "--name", help="what the key is for, e.g. kitchen-tablet"),
    scopes: str = typer.Option("chat,read", "--scopes",
                               help="comma-separated: read, chat, control, admin, "
                                    "control:unconfirmed (skips the confirmation of risky "
                                    "commands)"),
    config: Path | None = _CONFIG,
) -> None:
    """Make a new random key and store its hash; the key is printed once, here."""
    from assistant.config import load_settings
    from assistant.server.audit_log import record_admin_action
    from assistant.server.auth import create_key

    settings = load_settings(config)
    key, made = create_key(settings.resolved_keys_file, name, scopes.split(","))
    record_admin_action(settings, "keys.create", made.id, name=made.name,
                        scopes=sorted(made.scopes))
    console.print(f"created key {made.id} ({made.name}; scopes {', '.join(sorted(made.scopes))})"
                  f" in {settings.resolved_keys_file}", markup=False, soft_wrap=True)
    console.print("the key (shown only now; send it as `Authorization: Bearer <key>`):",
                  markup=False)
    console.print(key, markup=False, soft_wrap=True)


@keys_app.command("list")
def list_cmd(config: Path | None = _CONFIG,
             as_json: bool = typer.Option(False, "--json", help="one JSON object a line")
             ) -> None:
    """Every key of the keys file and the settings: id, name, scopes, created, revoked."""
    from assistant.config import load_settings
    from assistant.server.auth import read_keys_file, settings_keys

    settings = load_settings(config)
    for key in [*settings_keys(settings), *read_keys_file(settings.resolved_keys_file)]:
        row = {"id": key.id, "name": key.name, "scopes": sorted(key.scopes),
               "source": key.source,
               "created_at": key.created_at.isoformat() if key.created_at else None,
               "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None}
        if as_json:
            console.print(json.dumps(row), markup=False, soft_wrap=True)
            continue
        state = f"revoked {row['revoked_at'][:19]}" if row["revoked_at"] else "active"
        created = (row["created_at"] or "-")[:19]
        console.print(f"{key.id}  {key.name:<20} {','.join(row['scopes']):<28} "
                      f"{key.source:<8} created {created}  {state}", markup=False,
                      soft_wrap=True)


@keys_app.command("revoke")
def revoke_cmd(key_id: str = typer.Argument(..., help="the id `assistant keys list` shows"),
               config: Path | None = _CONFIG) -> None:
    """Refuse the key from now on (a running server notices within a request)."""
    from assistant.config import load_settings
    from assistant.server.audit_log import record_admin_action
    from assistant.server.auth import revoke_key

    settings = load_settings(config)
    revoked = revoke_key(settings.resolved_keys_file, key_id)
    record_admin_action(settings, "keys.revoke", revoked.id, name=revoked.name)
    console.print(f"revoked key {revoked.id} ({revoked.name})", markup=False)
