"""API keys, their scopes and the principal of a request.

Keys are never stored in plain text: the settings' ``api_keys`` give a key's SHA-256 (or a
plain key, hashed on load) and the keys file (``keys_file``, written by ``assistant keys
create``) holds ``{id, name, sha256, scopes, created_at, revoked_at}`` per key, mode 0600.
A key's id is the first 12 hex digits of its hash, so an id names the key without giving it
away. The server re-reads the file when it changes, so create and revoke need no restart.

Scopes: ``read`` (GET devices, conversations of its own), ``chat`` (messages, parse, Rasa),
``control`` (POST /api/v1/commands), ``admin`` (all of those); ``control:unconfirmed`` alone
lets a key run a risky command without a confirmation token. A loopback instance without any
keys serves everyone as the ``local`` principal (read, chat, control).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.config import DEFAULT_SCOPES, SCOPES, Settings, parse_key_entry
from assistant.server.errors import (
    AdminInputError,
    KeysFileError,
    TooManyKeyFailuresError,
    UnauthorizedError,
    UnknownKeyError,
)
from assistant.server.ratelimit import FailureLimiter, retry_after_header
from assistant.storage.errors import ConversationNotFoundError

logger = logging.getLogger(__name__)
KEY_PREFIX = "ha_"
ID_CHARS = 12
IMPLIED_BY_ADMIN = frozenset({"read", "chat", "control"})


@dataclass(frozen=True)
class Principal:
    """Who sends a request: a key (``key:<id>``) or, without keys, ``local``."""

    id: str
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        """``admin`` implies read, chat and control, never ``control:unconfirmed``."""
        return scope in self.scopes or (scope in IMPLIED_BY_ADMIN and "admin" in self.scopes)


LOCAL = Principal("local", "local", frozenset(DEFAULT_SCOPES))


def may_continue(principal_id: str, owner: str | None) -> bool:
    """Whether the principal may post into a conversation of ``owner`` (None: one from
    before owners were stored, which is the local principal's)."""
    return secrets.compare_digest(principal_id, owner or LOCAL.id)


def may_read(principal: Principal, owner: str | None) -> bool:
    """Its owner may read a conversation, and an admin key."""
    return may_continue(principal.id, owner) or principal.allows("admin")


def hidden(conversation_id: str) -> ConversationNotFoundError:
    """What someone else's conversation looks like: the same E404 as a missing one."""
    return ConversationNotFoundError(
        f"no conversation {conversation_id!r}",
        hint="start a new conversation (omit the id) or check the id the client sent")


@dataclass(frozen=True)
class ApiKey:
    """One accepted key, by its hash; ``source`` is "settings" or "file"."""

    id: str
    name: str
    digest: str  # sha256 hex of the key
    scopes: frozenset[str]
    source: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def principal(self) -> Principal:
        return Principal(f"key:{self.id}", self.name, self.scopes)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A new random key: ``ha_`` and 32 random bytes, URL-safe base64 (43 characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def settings_keys(settings: Settings) -> list[ApiKey]:
    out = []
    for i, entry in enumerate(settings.api_keys):
        hexed, scopes = parse_key_entry(entry.get_secret_value())
        out.append(ApiKey(hexed[:ID_CHARS], f"settings[{i}]", hexed, frozenset(scopes),
                          "settings"))
    return out


# -- the keys file ------------------------------------------------------------------------


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[0-9a-f]{12}$")
    name: str = Field(min_length=1, max_length=64)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: list[Literal["read", "chat", "control", "control:unconfirmed", "admin"]]
    created_at: datetime
    revoked_at: datetime | None = None


class _KeysFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    keys: list[_Entry] = []


def read_keys_file(path: Path) -> list[ApiKey]:
    """Every key in the file, revoked ones included; [] when there is no file. E720."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise KeysFileError(f"cannot read the keys file {path}: {exc.strerror}",
                            hint="check the file's owner and mode (0600)") from None
    try:
        parsed = _KeysFile.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "<file>"
        raise KeysFileError(f"{path}:1: not a keys file ({where}: {first['msg']})",
                            hint="restore it, or move it away and create keys again with "
                                 "`assistant keys create`") from None
    return [ApiKey(e.id, e.name, e.sha256, frozenset(e.scopes), "file", e.created_at,
                   e.revoked_at) for e in parsed.keys]


def create_key(path: Path, name: str, scopes: Sequence[str]) -> tuple[str, ApiKey]:
    """A new key stored (as its hash) in ``path``; returns the key, shown only this once."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AdminInputError("a key name has 1-64 characters", hint="e.g. --name kitchen-tablet")
    chosen = tuple(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise AdminInputError(f"unknown or no scopes: {', '.join(unknown) or '(none)'}",
                           hint=f"choose from {', '.join(SCOPES)}, e.g. --scopes chat,control")
    key = new_key()
    hexed = digest(key)
    with _locked(path):
        keys = read_keys_file(path)
        if any(k.name == name and k.revoked_at is None for k in keys):
            raise AdminInputError(f"a key named {name!r} exists",
                               hint="choose another name, or revoke that key first")
        made = ApiKey(hexed[:ID_CHARS], name, hexed, frozenset(chosen), "file",
                      datetime.now(UTC))
        _write(path, [*keys, made])
    return key, made


def revoke_key(path: Path, key_id: str) -> ApiKey:
    """Mark the key revoked (kept in the file, so ``keys list`` shows it). E721."""
    with _locked(path):
        keys = read_keys_file(path)
        found = next((k for k in keys if k.id == key_id.strip().lower()), None)
        if found is None:
            raise UnknownKeyError(f"no key with id {key_id!r} in {path}",
                                  hint="`assistant keys list` shows the ids")
        if found.revoked_at is not None:
            return found
        revoked = ApiKey(found.id, found.name, found.digest, found.scopes, "file",
                         found.created_at, datetime.now(UTC))
        _write(path, [revoked if k.id == found.id else k for k in keys])
    return revoked


def _write(path: Path, keys: list[ApiKey]) -> None:
    """Atomically (a temporary file renamed over it), mode 0600."""
    data = _KeysFile(keys=[_Entry(id=k.id, name=k.name, sha256=k.digest,
                                  scopes=sorted(k.scopes),  # type: ignore[arg-type]
                                  created_at=k.created_at or datetime.now(UTC),
                                  revoked_at=k.revoked_at) for k in keys])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".api_keys.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(data.model_dump(mode="json"), indent=2) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer of the keys file at a time (two `keys create` at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# -- the server's view --------------------------------------------------------------------


class Keyring:
    """The settings' keys plus the keys file's, re-read when the file changes."""

    def __init__(self, settings: Settings) -> None:
        self._fixed = settings_keys(settings)
        self.path = settings.resolved_keys_file
        self._stamp: tuple[int, int, int] | None = None
        self._stored: list[ApiKey] = []
        self.refresh()

    def refresh(self) -> None:
        """Re-read the file if its mtime, size or inode changed; E720 while it is broken."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._stored = None, []
            return
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp != self._stamp:
            self._stored = read_keys_file(self.path)  # raises: fail closed, retried next time
            self._stamp = stamp
            logger.info("keys file %s: %d key(s)", self.path, len(self._stored))

    @property
    def configured(self) -> bool:
        """Any key in the settings or the file, revoked ones included: once keys were made,
        revoking the last one does not open the instance again."""
        return bool(self._fixed or self._stored)

    def match(self, given: str) -> ApiKey | None:
        """The active key whose hash equals the given key's; every hash is compared."""
        wanted = digest(given).encode()
        found = None
        for key in (*self._fixed, *self._stored):
            if hmac.compare_digest(wanted, key.digest.encode()) and key.revoked_at is None:
                found = key
        return found


class Access:
    """Authentication for ``guard``: the keyring and the failed-attempt limit per address."""

    def __init__(self, settings: Settings) -> None:
        self.keyring = Keyring(settings)
        self.loopback_only = settings.loopback_only
        self.failures = FailureLimiter(settings.auth_failures_per_minute)

    def principal(self, address: str, given: str) -> Principal:
        """The principal of a request from ``address`` with key ``given`` ("" when none):
        E722 (429) while the address is blocked, E704 (401) without a valid key."""
        wait = self.failures.blocked(address)
        if wait > 0:
            raise TooManyKeyFailuresError(
                f"too many wrong API keys from {address}",
                hint=f"retry after {retry_after_header(wait)} s with a valid key",
                headers={"Retry-After": retry_after_header(wait)})
        self.keyring.refresh()
        if not self.keyring.configured and self.loopback_only:
            return LOCAL
        if not given:
            raise UnauthorizedError("an API key is required",
                                    hint="send the header `Authorization: Bearer <key>` "
                                         "(or `X-API-Key: <key>`)")
        key = self.keyring.match(given)
        if key is None:
            self.failures.record(address)
            raise UnauthorizedError("the API key is not valid",
                                    hint="use a key from `assistant keys create` (revoked keys "
                                         "are refused)")
        return key.principal
