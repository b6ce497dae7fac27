"""The shape of ``devices.yaml`` (pydantic, unknown keys rejected). Meaning is checked in
``registry.py``: known type, known capability, capability valid for the type, unique ids,
known adapter. A device's keys beyond ``DeviceSpec``'s are its adapter's (``RestSpec`` for
``adapter: rest``, the default), checked against that adapter kind's model."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator


class DeviceSpec(BaseModel):
    """The keys every device has; the rest (``model_extra``) belong to its adapter."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    room: str = Field(min_length=1)
    type: str
    capabilities: list[str] = Field(min_length=1)
    adapter: str = "rest"


class RestSpec(BaseModel):
    """``adapter: rest``: POST {endpoint}/api/v1/command with the Bearer token in $token_env."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str
    token_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @field_validator("endpoint")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) base URL")
        if parts.query or parts.fragment or parts.path not in ("", "/"):
            raise ValueError(f"{value!r} has a path or query; give only scheme, host and port")
        return value.rstrip("/")


class RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    devices: list[DeviceSpec]


FIELD_HINTS: dict[str, str] = {
    "id": "a unique slug of lowercase letters, digits, '_' and '-', e.g. kitchen_light",
    "name": "the name people say, e.g. kitchen light",
    "aliases": "a list of other names, e.g. [ceiling light, main light]",
    "room": "the room the device is in, e.g. kitchen",
    "type": "one of the device types, e.g. light",
    "capabilities": "a list such as [on_off, brightness]",
    "adapter": "how the device is reached, e.g. rest (the default)",
    "version": "write `version: 1` at the top of the file",
    "devices": "a list of devices under `devices:`",
}

REST_HINTS: dict[str, str] = {
    "endpoint": "the device's base URL, e.g. http://kitchen-light:5000",
    "token_env": "the name of the environment variable that holds the device's Bearer token, "
    "e.g. KITCHEN_LIGHT_TOKEN",
}
