"""Settings of the assistant server: loaded once (``load_settings``) and passed down.

Sources, strongest first: keyword overrides (the CLI's options), ``ASSISTANT_*`` environment
variables, an optional YAML file (``--config`` or ``ASSISTANT_CONFIG``), the defaults below.
Unknown keys in the YAML file are rejected, every problem listed at once (E700).

    ASSISTANT_PORT=9000 ASSISTANT_API_KEYS=sha256:<hex> assistant run --host 0.0.0.0
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from assistant.errors import AssistantError, Problem, ProblemsError

CONFIG_ENV = "ASSISTANT_CONFIG"
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


class SettingsError(ProblemsError):
    """The settings (YAML file, environment, options) have problems; all are listed."""

    code = "E700"
    status = 500
    subject = "the settings"
    consequence = "the server did not start"


class InsecureBindError(AssistantError):
    """Listening beyond localhost without API keys would let anyone on the network in."""

    code = "E701"
    status = 500


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", frozen=True,
                                      validate_default=True)

    # -- network --------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535, description="0 picks a free port")
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="accepted API keys (Authorization: Bearer KEY or X-API-Key) besides "
                    "those in keys_file: `sha256:<64 hex>` (the key's SHA-256, optionally "
                    "`/read+chat+control` for its scopes) or a plain key of at least 32 "
                    "characters (scopes read, chat, control); required when host is not a "
                    "loopback address. Env: comma-separated or a JSON list")
    keys_file: Path | None = Field(
        None, description="API keys made by `assistant keys create` (hashes only); default "
                          "{data_root}/api_keys.json; re-read when it changes")
    rate_limit_per_minute: int = Field(120, ge=0, description="per API key (or client address "
                                                              "without keys); 0 = unlimited")
    auth_failures_per_minute: int = Field(
        10, ge=1, description="wrong API keys from one client address in a minute before "
                              "its requests are answered 429 (E722), right keys too")
    max_body_bytes: int = Field(64 * 1024, ge=256)
    max_text_chars: int = Field(1000, ge=1)
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host header names accepted besides loopback names and addresses, the "
                    "bound host and (bound to 0.0.0.0 or ::) any IP address; '*' accepts "
                    "any (turns off the DNS-rebinding check). Env: comma-separated")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins (scheme://host[:port]) allowed to call the API besides "
                    "loopback ones and the bound host; a request with another Origin is "
                    "refused (E714). Env: comma-separated")
    body_timeout_s: float = Field(10.0, gt=0, le=300,
                                  description="a request body not received in full by then "
                                              "is answered 408 (E715)")
    idle_timeout_s: float = Field(15.0, gt=0, le=3600,
                                  description="a connection idle this long, or whose request "
                                              "headers are not complete by then, is closed")

    # -- files and storage ----------------------------------------------------------------
    data_root: Path = Field(Path("data"), description="folder for the default SQLite file")
    database_url: str | None = Field(None,
                                     description="default: sqlite:///{data_root}/assistant.db")
    database_schema: str | None = Field(None, description="PostgreSQL schema (search_path)")
    database_timeout_s: float = Field(
        5.0, gt=0, le=300, description="longest wait for the database (connect, pool, each "
                                       "statement, each storage call); then a coded 503")
    conversation_cache: int = Field(
        10_000, ge=0, le=1_000_000,
        description="conversations kept in memory so a message needs no read first; set 0 "
                    "when several server processes share one database")
    model_dir: Path = Path("models/nlu")
    data_dir: Path = Field(Path("nlu_data"), description="NLU training data (for `run`)")
    flows_dir: Path = Path("flows")
    devices_file: Path = Path("devices.yaml")
    scenes_file: Path = Field(Path("scenes.yaml"), description="scenes (name -> device "
                                                               "actions), checked at start")

    # -- devices --------------------------------------------------------------------------
    simulate: bool = Field(True, description="run the device simulator in-process and point "
                                             "the registry at it")
    simulator_base_port: int = Field(0, ge=0, le=65535, description="0 = ephemeral ports")
    device_timeout_s: float = Field(2.0, gt=0, le=60, description="per HTTP attempt")
    device_attempts: int = Field(3, ge=1, le=10)
    device_deadline_s: float = Field(3.0, gt=0, le=120, description="per device call: every "
                                     "attempt, backoff and wait for a turn together")
    device_concurrency: int = Field(2, ge=1, le=64, description="requests in flight to one "
                                                                "device")

    # -- work -----------------------------------------------------------------------------
    worker_threads: int = Field(2, ge=1, le=32, description="thread pool for ONNX inference")
    nlu_threads: int = Field(1, ge=0, le=32, description="ONNX intra-op threads; 0 = auto")
    timer_poll_s: float = Field(0.5, gt=0, le=60)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return yaml.safe_load(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_strong(cls, value: list[SecretStr]) -> list[SecretStr]:
        for key in value:
            parse_key_entry(key.get_secret_value())  # ValueError says what is wrong
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings

    # -- derived --------------------------------------------------------------------------
    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_root / 'assistant.db'}"

    @property
    def resolved_keys_file(self) -> Path:
        return self.keys_file or self.data_root / "api_keys.json"

    @property
    def loopback_only(self) -> bool:
        return is_loopback(self.host)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def check_bind(self, *, stored_keys: bool = False) -> None:
        """Raise InsecureBindError when listening beyond localhost without API keys (in the
        settings, or ``stored_keys`` in the keys file)."""
        if not self.loopback_only and not self.api_keys and not stored_keys:
            raise InsecureBindError(
                f"refusing to listen on {self.host} without API keys: anyone on the network "
                "could control the devices",
                hint="create one with `assistant keys create --name NAME` (or set "
                     "ASSISTANT_API_KEYS=sha256:<hash>), or bind to 127.0.0.1",
            )


SCOPES = ("read", "chat", "control", "control:unconfirmed", "admin")
DEFAULT_SCOPES = ("read", "chat", "control")
MIN_KEY_CHARS = 32
_HASHED = re.compile(r"^sha256:([0-9a-f]{64})(?:/([a-z:+]+))?$")


def parse_key_entry(entry: str) -> tuple[str, tuple[str, ...]]:
    """``(sha256 hex digest, scopes)`` of an ``api_keys`` entry: ``sha256:<hex>[/a+b]`` or a
    plain key (at least 32 characters, the default scopes). ValueError says what is wrong."""
    text = entry.strip()
    if text.lower().startswith("sha256:"):
        found = _HASHED.match(text.lower())
        if found is None:
            raise ValueError("a hashed API key is `sha256:` and 64 hex digits, optionally "
                             "`/scope+scope`")
        scopes = tuple(found.group(2).split("+")) if found.group(2) else DEFAULT_SCOPES
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
        return found.group(1), scopes
    if len(text) < MIN_KEY_CHARS:
        raise ValueError(f"an API key needs at least {MIN_KEY_CHARS} characters: make a strong "
                         "one with `assistant keys create --name NAME`, or give its hash as "
                         "sha256:<hex>")
    return hashlib.sha256(text.encode()).hexdigest(), DEFAULT_SCOPES


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from overrides > ``ASSISTANT_*`` environment > YAML file > defaults.

    ``config_file`` defaults to ``$ASSISTANT_CONFIG``; overrides that are None are ignored.
    Raises SettingsError (E700) listing every problem.
    """
    path = config_file or os.environ.get(CONFIG_ENV)
    from_file: dict[str, Any] = {}
    where = "<settings>"
    if path:
        where = str(path)
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise SettingsError([Problem(f"{path}:1", "the config file does not exist",
                                         f"create it or unset {CONFIG_ENV}")]) from None
        except yaml.YAMLError as exc:
            raise SettingsError([Problem(f"{path}:1", f"not valid YAML: {exc}", "")]) from None
        if not isinstance(loaded, dict):
            raise SettingsError([Problem(f"{path}:1", "expected a mapping of settings", "")])
        from_file = loaded
    given = {k: v for k, v in overrides.items() if v is not None}
    env_keys = _env_keys()
    # the file is weaker than the environment: drop its keys that the environment sets
    init = {k: v for k, v in from_file.items() if k not in env_keys} | given
    try:
        return Settings(**init)
    except ValidationError as exc:
        known = ", ".join(Settings.model_fields)
        raise SettingsError([
            Problem(where, f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}",
                    f"known settings: {known}" if e["type"] == "extra_forbidden" else "")
            for e in exc.errors()
        ]) from None


def _env_keys() -> set[str]:
    prefix = "ASSISTANT_"
    return {name[len(prefix):].lower() for name in os.environ
            if name.upper().startswith(prefix)} & set(Settings.model_fields)
