"""Secrets the run has read, and the one function that keeps them out of text we write or print.

Whatever reads a secret (an endpoint's API key, whatever variable ``?key_env=`` names)
registers it; error messages, transcripts and ``error:`` lines go through ``redact``, so
a server that echoes the key back in an error cannot put it in a file or on the screen.
"""

from __future__ import annotations

import os
import threading

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_SUFFIXES = ("_KEY", "_TOKEN", "_SECRET", "_PASSWORD")


def register_secret(value: str | None) -> None:
    """Remember a secret this process has read (short values are not secrets worth a blind replace)."""
    if value and len(value) >= 6 and value != "EMPTY":
        with _LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret, and every ``*_KEY``/``*_TOKEN`` variable's value, as ``***``."""
    if not text:
        return text
    env = {v for k, v in os.environ.items() if k.upper().endswith(_SUFFIXES) and v and len(v) >= 6}
    with _LOCK:
        secrets = _SECRETS | env
    for s in sorted(secrets, key=len, reverse=True):  # longest first: a key containing another
        if s in text:
            text = text.replace(s, "***")
    return text
