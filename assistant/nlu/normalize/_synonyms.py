"""Synonym lookup: the training data's ``synonym:`` items, keyed by lower-cased surface."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.nlu.normalize._text import drop_article, plain


def lookup_synonym(text: str, synonyms: Mapping[str, str] | None) -> str | None:
    """The canonical value for ``text``, or None.

    Tried in order, each only when it differs from the one before: stripped and
    lower-cased; with whitespace collapsed; with stray punctuation trimmed; without
    a leading article.
    """
    if not synonyms:
        return None
    key = text.strip().lower()
    found = synonyms.get(key)
    if found is not None:
        return found
    for candidate in _more_keys(text, key):
        found = synonyms.get(candidate)
        if found is not None:
            return found
    return None


def _more_keys(text: str, first: str) -> list[str]:
    keys: list[str] = []
    collapsed = " ".join(first.split())
    if collapsed != first:
        keys.append(collapsed)
    trimmed = plain(text)
    if trimmed != collapsed:
        keys.append(trimmed)
    bare = drop_article(trimmed)
    if bare != trimmed:
        keys.append(bare)
    return keys
