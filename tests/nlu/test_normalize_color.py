"""normalize_value for "color" spans."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.nlu.normalize import normalize_value

# The 148 CSS named colours, as CSS spells them (run together).
CSS_NAMES = [
    "aliceblue",
    "antiquewhite",
    "aqua",
    "aquamarine",
    "azure",
    "beige",
    "bisque",
    "black",
    "blanchedalmond",
    "blue",
    "blueviolet",
    "brown",
    "burlywood",
    "cadetblue",
    "chartreuse",
    "chocolate",
    "coral",
    "cornflowerblue",
    "cornsilk",
    "crimson",
    "cyan",
    "darkblue",
    "darkcyan",
    "darkgoldenrod",
    "darkgray",
    "darkgreen",
    "darkgrey",
    "darkkhaki",
    "darkmagenta",
    "darkolivegreen",
    "darkorange",
    "darkorchid",
    "darkred",
    "darksalmon",
    "darkseagreen",
    "darkslateblue",
    "darkslategray",
    "darkslategrey",
    "darkturquoise",
    "darkviolet",
    "deeppink",
    "deepskyblue",
    "dimgray",
    "dimgrey",
    "dodgerblue",
    "firebrick",
    "floralwhite",
    "forestgreen",
    "fuchsia",
    "gainsboro",
    "ghostwhite",
    "gold",
    "goldenrod",
    "gray",
    "green",
    "greenyellow",
    "grey",
    "honeydew",
    "hotpink",
    "indianred",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lavenderblush",
    "lawngreen",
    "lemonchiffon",
    "lightblue",
    "lightcoral",
    "lightcyan",
    "lightgoldenrodyellow",
    "lightgray",
    "lightgreen",
    "lightgrey",
    "lightpink",
    "lightsalmon",
    "lightseagreen",
    "lightskyblue",
    "lightslategray",
    "lightslategrey",
    "lightsteelblue",
    "lightyellow",
    "lime",
    "limegreen",
    "linen",
    "magenta",
    "maroon",
    "mediumaquamarine",
    "mediumblue",
    "mediumorchid",
    "mediumpurple",
    "mediumseagreen",
    "mediumslateblue",
    "mediumspringgreen",
    "mediumturquoise",
    "mediumvioletred",
    "midnightblue",
    "mintcream",
    "mistyrose",
    "moccasin",
    "navajowhite",
    "navy",
    "oldlace",
    "olive",
    "olivedrab",
    "orange",
    "orangered",
    "orchid",
    "palegoldenrod",
    "palegreen",
    "paleturquoise",
    "palevioletred",
    "papayawhip",
    "peachpuff",
    "peru",
    "pink",
    "plum",
    "powderblue",
    "purple",
    "rebeccapurple",
    "red",
    "rosybrown",
    "royalblue",
    "saddlebrown",
    "salmon",
    "sandybrown",
    "seagreen",
    "seashell",
    "sienna",
    "silver",
    "skyblue",
    "slateblue",
    "slategray",
    "slategrey",
    "snow",
    "springgreen",
    "steelblue",
    "tan",
    "teal",
    "thistle",
    "tomato",
    "turquoise",
    "violet",
    "wheat",
    "white",
    "whitesmoke",
    "yellow",
    "yellowgreen",
]


def _check(text: str, expected: dict[str, Any]) -> None:
    got = normalize_value("color", text)
    assert got == expected, (
        f"normalize_value('color', {text!r}): expected {expected!r}, got {got!r}"
    )


def _c(name: str, r: int, g: int, b: int) -> dict[str, Any]:
    return {"name": name, "rgb": [r, g, b]}


COLORS: list[tuple[str, dict[str, Any]]] = [
    ("red", _c("red", 255, 0, 0)),
    ("Red", _c("red", 255, 0, 0)),
    ("RED!", _c("red", 255, 0, 0)),
    ("light blue", _c("light blue", 173, 216, 230)),
    ("lightblue", _c("light blue", 173, 216, 230)),
    ("light-blue", _c("light blue", 173, 216, 230)),
    ("dark green", _c("dark green", 0, 100, 0)),
    ("sky blue", _c("sky blue", 135, 206, 235)),
    ("hot pink", _c("hot pink", 255, 105, 180)),
    ("navy blue", _c("navy", 0, 0, 128)),
    ("navy", _c("navy", 0, 0, 128)),
    ("light goldenrod yellow", _c("light goldenrod yellow", 250, 250, 210)),
    ("rebecca purple", _c("rebecca purple", 102, 51, 153)),
    ("rebeccapurple", _c("rebecca purple", 102, 51, 153)),
    ("aqua", _c("aqua", 0, 255, 255)),
    ("cyan", _c("cyan", 0, 255, 255)),
    ("fuchsia", _c("fuchsia", 255, 0, 255)),
    ("magenta", _c("magenta", 255, 0, 255)),
    # grey and gray are one colour; the canonical spelling is CSS's "gray"
    ("grey", _c("gray", 128, 128, 128)),
    ("gray", _c("gray", 128, 128, 128)),
    ("light grey", _c("light gray", 211, 211, 211)),
    ("dark slate grey", _c("dark slate gray", 47, 79, 79)),
    # fillers
    ("the colour red", _c("red", 255, 0, 0)),
    ("the color blue", _c("blue", 0, 0, 255)),
    ("red colour", _c("red", 255, 0, 0)),
    ("a light blue", _c("light blue", 173, 216, 230)),
    # lighting whites
    ("warm white", _c("warm white", 255, 180, 107)),
    ("cool white", _c("cool white", 201, 226, 255)),
    ("cold white", _c("cool white", 201, 226, 255)),
    ("daylight", _c("daylight", 255, 249, 253)),
    ("soft white", _c("soft white", 255, 214, 170)),
    ("candlelight", _c("candlelight", 255, 147, 41)),
    ("white", _c("white", 255, 255, 255)),
    # hex
    ("#ff8800", _c("#ff8800", 255, 136, 0)),
    ("ff8800", _c("#ff8800", 255, 136, 0)),
    ("#FF8800", _c("#ff8800", 255, 136, 0)),
    ("0xff8800", _c("#ff8800", 255, 136, 0)),
    ("#f80", _c("#ff8800", 255, 136, 0)),
    ("# ff8800", _c("#ff8800", 255, 136, 0)),
]

UNKNOWN: list[tuple[str, dict[str, Any]]] = [
    ("mauve", {"name": "mauve", "rgb": None}),
    ("  Sunset Orange ", {"name": "sunset orange", "rgb": None}),
    ("light red", {"name": "light red", "rgb": None}),
    ("f80", {"name": "f80", "rgb": None}),  # 3 hex digits need the "#"
    ("#ff880", {"name": "#ff880", "rgb": None}),
    ("", {"name": "", "rgb": None}),
]


@pytest.mark.parametrize(("text", "expected"), COLORS)
def test_color(text: str, expected: dict[str, Any]) -> None:
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), UNKNOWN)
def test_color_unknown_has_no_rgb(text: str, expected: dict[str, Any]) -> None:
    _check(text, expected)


def test_css_list_has_148_names() -> None:
    assert len(CSS_NAMES) == 148 and len(set(CSS_NAMES)) == 148, len(CSS_NAMES)


@pytest.mark.parametrize("css_name", CSS_NAMES)
def test_every_css_named_color_resolves(css_name: str) -> None:
    got = normalize_value("color", css_name)
    ok = (
        isinstance(got, dict)
        and isinstance(got.get("rgb"), list)
        and len(got["rgb"]) == 3
        and all(isinstance(v, int) and 0 <= v <= 255 for v in got["rgb"])
        and got["name"].replace(" ", "") == css_name.replace("grey", "gray")
    )
    assert ok, f"normalize_value('color', {css_name!r}): expected a CSS colour, got {got!r}"


def test_rgb_list_is_fresh_each_call() -> None:
    first = normalize_value("color", "red")
    first["rgb"][0] = 0
    again = normalize_value("color", "red")
    assert again["rgb"] == [255, 0, 0], f"mutating one result changed the next: {again!r}"
