"""Surface-text cleaning shared by the value parsers.

Everything here is linear in the input length: ``str`` methods and one precompiled
regex, so a 10,000-character span costs microseconds, never a backtracking blow-up.
"""

from __future__ import annotations

import re

# A value span longer than this is not a value: parsers give up and the caller falls back.
MAX_PARSE_CHARS = 200

# C0/C1 control characters: read as spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# Zero-width space, direction marks, word joiner, BOM: dropped. The zero-width (non-)joiners
# U+200C/U+200D stay: they shape emoji sequences and some scripts.
_INVISIBLE = re.compile(r"[\u200b\u200e\u200f\u2060\ufeff]+")

# Non-ASCII punctuation, escaped to keep look-alike characters out of the source: curly
# double and single quotes, guillemets, inverted question/exclamation marks, the ellipsis,
# and the CJK full stop, ideographic comma and full-width , ! ? : ; marks.
_QUOTES = "\u201c\u201d\u201e\u00ab\u00bb"
_SINGLE_QUOTES = "\u2018\u2019"
_SENTENCE = "\u00bf\u00a1\u2026\u3002\uff0c\uff01\uff1f\uff1a\uff1b\u3001"

# Stray punctuation trimmed from both ends before parsing a value ("21 degrees." "50%?").
# Keeps what carries meaning: "-" "+" (sign), "#" (hex), "%" and "°" (units), "/" ("a/c").
_PARSE_TRIM = " \"'`()[]{}<>.,!?;:*_~" + _QUOTES + _SINGLE_QUOTES + _SENTENCE

# Milder trim for free-text values (device, room, ...): sentence punctuation and quotes.
_PLAIN_TRIM = ' ".,!?;:' + _QUOTES + _SENTENCE

_ARTICLES = frozenset({"the", "my", "a", "an"})


def squash(text: str) -> str:
    """Control characters to spaces, invisibles dropped, whitespace collapsed, lower-cased."""
    return " ".join(_CONTROL.sub(" ", _INVISIBLE.sub("", text)).split()).lower()


def clean_for_parse(text: str) -> str | None:
    """The span reduced to what a value parser reads, or None when too long to be a value."""
    if len(text) > 8 * MAX_PARSE_CHARS:
        return None
    squashed = squash(text).rstrip(_PARSE_TRIM)
    cleaned = squashed.lstrip(_PARSE_TRIM)
    # Keep a "." that starts a decimal (".5").
    cut = len(squashed) - len(cleaned)
    if cut and squashed[cut - 1] == "." and cleaned[:1].isdigit():
        cleaned = "." + cleaned
    if len(cleaned) > MAX_PARSE_CHARS:
        return None
    return cleaned


def plain(text: str) -> str:
    """Free text as a value: collapsed, lower-cased, sentence punctuation trimmed."""
    return squash(text).strip(_PLAIN_TRIM)


def drop_article(text: str) -> str:
    """Remove one leading article ("the", "my", "a", "an") when a word follows it."""
    head, sep, rest = text.partition(" ")
    if sep and rest and head in _ARTICLES:
        return rest
    return text
