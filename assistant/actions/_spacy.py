"""spaCy for the resolver, imported without PyTorch.

spaCy's thinc imports torch whenever it is installed (the ``train`` extra installs it), which
costs the server about 250 MB and a second at start-up for nothing: a blank English pipeline
with matchers never touches it. While spaCy loads, torch is marked missing; afterwards the
mark is removed, so training in the same process still imports torch normally.
"""

from __future__ import annotations

import sys

_MARKED = "torch" not in sys.modules
if _MARKED:
    sys.modules["torch"] = None  # type: ignore[assignment]  # "import torch" -> ImportError
try:
    import spacy
    from spacy.language import Language
    from spacy.matcher import Matcher, PhraseMatcher
    from spacy.matcher.levenshtein import levenshtein
    from spacy.tokens import Doc
finally:
    if _MARKED and sys.modules.get("torch", False) is None:
        del sys.modules["torch"]

__all__ = ["Doc", "Language", "Matcher", "PhraseMatcher", "levenshtein", "spacy"]
