"""One simulated device: its state, and the actions and parameters it accepts.

Parameters (besides "action"), all checked; anything else is refused with 422:
  set_brightness {brightness: 0-100}   brightness_up/down {step: 1-100, default 10}
  set_color {rgb: [r, g, b]} or {color: "red"}    set_temperature {temperature: 5-35}
  set_hvac_mode {hvac_mode: heat|cool|heat_cool|auto|off|dry|fan_only|eco}
  set_fan_speed {fan_speed: low|medium|high or 0-100}   set_position {position: 0-100}
  set_volume {volume: 0-100}   volume_up/down {step: 1-100, default 10}
"""

from __future__ import annotations

import copy
from typing import Any

from assistant.actions.catalogue import ACTIONS, FAN_SPEEDS, HVAC_MODES
from assistant.actions.device import Device

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "white": (255, 255, 255),
    "warm white": (255, 214, 170), "cool white": (212, 235, 255), "yellow": (255, 255, 0),
    "orange": (255, 165, 0), "purple": (128, 0, 128), "pink": (255, 192, 203),
    "cyan": (0, 255, 255), "magenta": (255, 0, 255),
}


class Rejection(Exception):
    """A 4xx answer: ``{"error": {"code": code, "message": message}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def initial_state(device: Device) -> dict[str, Any]:
    caps = set(device.capabilities)
    if device.type == "sensor":
        readings = {"temperature": 18.5, "humidity": 55, "motion": False, "contact": "closed"}
        return {k: v for k, v in readings.items() if k in caps}
    state: dict[str, Any] = {}
    if "on_off" in caps:
        state["on"] = False
    if "brightness" in caps:
        state["brightness"] = 100
    if "color" in caps:
        state["color"] = {"name": "warm white", "rgb": list(COLORS["warm white"])}
    if "temperature" in caps:
        state.update(target_temperature=21.0, current_temperature=20.5)
    if "hvac_mode" in caps:
        state["hvac_mode"] = "heat"
    if "fan_speed" in caps:
        state["fan_speed"] = "low"
    if caps & {"open_close", "position"}:
        state["position"] = 0
    if "lock" in caps:
        state["locked"] = True
    if "volume" in caps:
        state["volume"] = 30
    if "playback" in caps:
        state.update(playback="paused", track=1)
    return state


class VirtualDevice:
    def __init__(self, device: Device) -> None:
        self.device = device
        self.state = initial_state(device)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.state)

    def apply(self, action: Any, params: dict[str, Any]) -> dict[str, Any]:
        """Change the state, or raise ``Rejection``; returns the new state."""
        accepted = self.device.actions
        if not isinstance(action, str) or action not in ACTIONS:
            raise Rejection(400, "unknown_action",
                            f"{action!r} is not an action; this {self.device.type} accepts: "
                            f"{', '.join(accepted) or 'none (read its state)'}")
        if action not in accepted:
            raise Rejection(400, "unsupported_action",
                            f"this {self.device.type} cannot {action}; it accepts: "
                            f"{', '.join(accepted) or 'none (read its state)'}")
        getattr(self, f"_do_{action}")(params)
        return self.snapshot()

    # -- on/off ---------------------------------------------------------------------------

    def _do_turn_on(self, p: dict[str, Any]) -> None:
        _only(p, "turn_on")
        self.state["on"] = True

    def _do_turn_off(self, p: dict[str, Any]) -> None:
        _only(p, "turn_off")
        self.state["on"] = False

    def _do_toggle(self, p: dict[str, Any]) -> None:
        _only(p, "toggle")
        self.state["on"] = not self.state["on"]

    def _power(self, on: bool) -> None:
        if "on" in self.state:
            self.state["on"] = on

    # -- light ----------------------------------------------------------------------------

    def _do_set_brightness(self, p: dict[str, Any]) -> None:
        _only(p, "set_brightness", "brightness")
        self.state["brightness"] = int(_number(p, "brightness", 0, 100, integer=True))
        self._power(self.state["brightness"] > 0)

    def _step(self, p: dict[str, Any], action: str, key: str, sign: int) -> None:
        _only(p, action, "step")
        step = int(_number(p, "step", 1, 100, integer=True, default=10))
        self.state[key] = max(0, min(100, self.state[key] + sign * step))

    def _do_brightness_up(self, p: dict[str, Any]) -> None:
        self._step(p, "brightness_up", "brightness", +1)
        self._power(True)

    def _do_brightness_down(self, p: dict[str, Any]) -> None:
        self._step(p, "brightness_down", "brightness", -1)

    def _do_set_color(self, p: dict[str, Any]) -> None:
        _only(p, "set_color", "rgb", "color")
        if ("rgb" in p) == ("color" in p):
            raise _invalid("set_color takes exactly one of rgb: [r, g, b] or color: <name>")
        if "rgb" in p:
            rgb = p["rgb"]
            if (not isinstance(rgb, list) or len(rgb) != 3
                    or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255
                               for v in rgb)):
                raise _invalid(f"rgb must be three integers 0-255, got {rgb!r}")
            self.state["color"] = {"name": None, "rgb": rgb}
        else:
            name = p["color"]
            key = name.strip().lower() if isinstance(name, str) else None
            if key not in COLORS:
                raise _invalid(f"unknown color {name!r}; known: {', '.join(COLORS)}")
            self.state["color"] = {"name": key, "rgb": list(COLORS[key])}
        self._power(True)

    # -- climate and fans -----------------------------------------------------------------

    def _do_set_temperature(self, p: dict[str, Any]) -> None:
        _only(p, "set_temperature", "temperature")
        self.state["target_temperature"] = float(_number(p, "temperature", 5, 35))

    def _do_set_hvac_mode(self, p: dict[str, Any]) -> None:
        _only(p, "set_hvac_mode", "hvac_mode")
        mode = p.get("hvac_mode")
        if mode not in HVAC_MODES:
            raise _invalid(f"hvac_mode must be one of {', '.join(HVAC_MODES)}, got {mode!r}")
        self.state["hvac_mode"] = mode

    def _do_set_fan_speed(self, p: dict[str, Any]) -> None:
        _only(p, "set_fan_speed", "fan_speed")
        speed = p.get("fan_speed")
        if isinstance(speed, str) and speed in FAN_SPEEDS:
            self.state["fan_speed"] = speed
        else:
            if isinstance(speed, str) or speed is None:
                raise _invalid(f"fan_speed must be {', '.join(FAN_SPEEDS)} or 0-100, got {speed!r}")
            self.state["fan_speed"] = int(_number(p, "fan_speed", 0, 100, integer=True))
        if self.device.type == "fan":
            self._power(self.state["fan_speed"] != 0)

    # -- covers and locks -----------------------------------------------------------------

    def _do_open(self, p: dict[str, Any]) -> None:
        _only(p, "open")
        self.state["position"] = 100

    def _do_close(self, p: dict[str, Any]) -> None:
        _only(p, "close")
        self.state["position"] = 0

    def _do_stop(self, p: dict[str, Any]) -> None:
        _only(p, "stop")  # the simulator moves instantly: nothing to stop

    def _do_set_position(self, p: dict[str, Any]) -> None:
        _only(p, "set_position", "position")
        self.state["position"] = int(_number(p, "position", 0, 100, integer=True))

    def _do_lock(self, p: dict[str, Any]) -> None:
        _only(p, "lock")
        self.state["locked"] = True

    def _do_unlock(self, p: dict[str, Any]) -> None:
        _only(p, "unlock")
        self.state["locked"] = False

    # -- media ----------------------------------------------------------------------------

    def _do_set_volume(self, p: dict[str, Any]) -> None:
        _only(p, "set_volume", "volume")
        self.state["volume"] = int(_number(p, "volume", 0, 100, integer=True))

    def _do_volume_up(self, p: dict[str, Any]) -> None:
        self._step(p, "volume_up", "volume", +1)

    def _do_volume_down(self, p: dict[str, Any]) -> None:
        self._step(p, "volume_down", "volume", -1)

    def _do_play(self, p: dict[str, Any]) -> None:
        _only(p, "play")
        self.state["playback"] = "playing"
        self._power(True)

    def _do_pause(self, p: dict[str, Any]) -> None:
        _only(p, "pause")
        self.state["playback"] = "paused"

    def _do_next_track(self, p: dict[str, Any]) -> None:
        _only(p, "next_track")
        self.state["track"] += 1

    def _do_previous_track(self, p: dict[str, Any]) -> None:
        _only(p, "previous_track")
        self.state["track"] = max(1, self.state["track"] - 1)


def _invalid(message: str) -> Rejection:
    return Rejection(422, "invalid_params", message)


def _only(params: dict[str, Any], action: str, *allowed: str) -> None:
    extra = sorted(set(params) - set(allowed))
    if extra:
        takes = f"takes {', '.join(allowed)}" if allowed else "takes no parameters"
        raise _invalid(f"unexpected parameter(s) {', '.join(extra)}: {action} {takes}")


def _number(params: dict[str, Any], key: str, low: float, high: float, *, integer: bool = False,
            default: float | None = None) -> float:
    if key not in params:
        if default is not None:
            return default
        raise _invalid(f"missing parameter {key!r} ({low:g}-{high:g})")
    value = params[key]
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if integer else "a number"
        raise _invalid(f"{key} must be {kind} {low:g}-{high:g}, got {value!r}")
    if not low <= value <= high:
        raise _invalid(f"{key} must be between {low:g} and {high:g}, got {value!r}")
    return value
