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


def cache_key(model: str, messages: list[dict[str, Any]], params: GenParams, tools: list[dict] | None = None) -> str:
    """Tools (native format) are part of the key; paper-format keys are as they always were."""
    req: dict[str, Any] = {"model": model, "messages": messages, "params": params.model_dump(mode="json")}
    if tools is not None:
        req["tools"] = tools
    blob = json.dumps(req, sort_keys=True, ensure_ascii=False)
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
        cols = {r[1] for r in self._db.execute("PRAGMA table_info(replies)")}
        if "tool_calls" not in cols:  # caches written before the native format
            self._db.execute("ALTER TABLE replies ADD COLUMN tool_calls TEXT")
        self._db.commit()

    def get(self, model: str, messages: list[dict[str, Any]], params: GenParams,
            tools: list[dict] | None = None) -> dict[str, Any] | None:
        k = cache_key(model, messages, params, tools)
        with self._lock:
            row = self._db.execute("SELECT text, prompt_tokens, completion_tokens, tool_calls FROM replies WHERE key=?",
                                   (k,)).fetchone()
        if row is None:
            return None
        calls = None
        if row[3]:
            from ..schema import ToolCall

            calls = [ToolCall.model_validate(c) for c in json.loads(row[3])]
        return {"text": row[0], "prompt_tokens": row[1], "completion_tokens": row[2], "tool_calls": calls}

    def put(self, model: str, messages: list[dict[str, Any]], params: GenParams, res: ChatResult,
            tools: list[dict] | None = None) -> None:
        k = cache_key(model, messages, params, tools)
        req = json.dumps({"messages": messages, "params": params.model_dump(mode="json"),
                          **({"tools": tools} if tools is not None else {})}, ensure_ascii=False)
        calls = json.dumps([c.model_dump(mode="json") for c in res.tool_calls]) if res.tool_calls else None
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies (key, model, request, text, prompt_tokens, completion_tokens,"
                             " created, tool_calls) VALUES (?,?,?,?,?,?,?,?)",
                             (k, model, req, res.text, res.prompt_tokens, res.completion_tokens, time.time(), calls))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
