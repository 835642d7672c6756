"""Did-you-mean suggestions for misspelt names (case-insensitive)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    by_lower = {c.lower(): c for c in candidates}
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    match = closest(word, candidates)
    return f"did you mean `{match}`?" if match else ""


class NameIndex:
    """Did-you-mean over many names at a cost that does not grow with their number.

    Every name is filed under itself and each one-character deletion of it (SymSpell); a query's own
    deletions then meet every name within two edits, and only those few are ranked (as `closest`).
    A spec with 10,000 misspelt references asks 10,000 times: a scan of every name each time was
    quadratic.
    """

    PER_KEY = 8  # names kept per key: enough to rank, bounded however alike the names are

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._by_key: dict[str, list[tuple[str, str]]] = {}  # key → (lower-case name, name)
        self._pending: list[str] = list(names)  # filed at the first question: most specs never ask one

    def add(self, name: str) -> None:
        self._pending.append(name)

    def _file_pending(self) -> None:
        by_key, limit = self._by_key, self.PER_KEY
        for name in self._pending:
            entry = (name.lower(), name)
            for key in _deletions(entry[0]):
                bucket = by_key.get(key)
                if bucket is None:
                    by_key[key] = [entry]
                elif len(bucket) < limit:
                    bucket.append(entry)
        self._pending.clear()

    def closest(self, word: str) -> str | None:
        """The nearest indexed name within two edits (one edit preferred, then the nearer length)."""
        if self._pending:
            self._file_pending()
        low = word.lower()
        best: tuple[int, int, str] | None = None
        for key in _deletions(low):
            for name_low, name in self._by_key.get(key, ()):
                # key == word: the name has one letter more; key == name: one letter less; else one
                # letter differs (same length, one position) or two edits.
                edits = 1 if key in (low, name_low) or _one_apart(name_low, low) else 2
                candidate = (edits, abs(len(name_low) - len(low)), name)
                if best is None or candidate < best:
                    best = candidate
        return None if best is None or (best[2].lower() == low and best[2] == word) else best[2]

    def did_you_mean(self, word: str) -> str:
        match = self.closest(word)
        return f"did you mean `{match}`?" if match else ""


def _one_apart(a: str, b: str) -> bool:
    """Same length, one position differs."""
    if len(a) != len(b):
        return False
    differ = 0
    for x, y in zip(a, b, strict=True):
        if x != y:
            differ += 1
            if differ > 1:
                return False
    return differ == 1


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}
