"""Persistent sqlite cache of model replies keyed on (model, messages, generation parameters).

Reruns are free and interrupted runs resume. Keys and rows hold the model's public spec,
never an API key.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .base import ChatResult, GenParams


def cache_key(model: str, messages: list[dict[str, str]], params: GenParams) -> str:
    blob = json.dumps({"model": model, "messages": messages, "params": params.model_dump(mode="json")},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ReplyCache:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, model TEXT, request TEXT, text TEXT,"
            " prompt_tokens INTEGER, completion_tokens INTEGER, created REAL)")
        self._db.commit()

    def get(self, model: str, messages: list[dict[str, str]], params: GenParams) -> dict[str, Any] | None:
        k = cache_key(model, messages, params)
        with self._lock:
            row = self._db.execute("SELECT text, prompt_tokens, completion_tokens FROM replies WHERE key=?", (k,)).fetchone()
        if row is None:
            return None
        return {"text": row[0], "prompt_tokens": row[1], "completion_tokens": row[2]}

    def put(self, model: str, messages: list[dict[str, str]], params: GenParams, res: ChatResult) -> None:
        k = cache_key(model, messages, params)
        req = json.dumps({"messages": messages, "params": params.model_dump(mode="json")}, ensure_ascii=False)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies VALUES (?,?,?,?,?,?,?)",
                             (k, model, req, res.text, res.prompt_tokens, res.completion_tokens, time.time()))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
