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
        self._by_key: dict[str, list[str]] = {}
        self._pending: list[str] = list(names)  # filed at the first question: most specs never ask one

    def add(self, name: str) -> None:
        self._pending.append(name)

    def _file(self, name: str) -> None:
        for key in _deletions(name.lower()):
            bucket = self._by_key.setdefault(key, [])
            if len(bucket) < self.PER_KEY:
                bucket.append(name)

    def closest(self, word: str) -> str | None:
        """The nearest indexed name within two edits (one edit preferred, then the nearer length)."""
        for name in self._pending:
            self._file(name)
        self._pending.clear()
        low = word.lower()
        best: tuple[int, int, str] | None = None
        for key in _deletions(low):
            for name in self._by_key.get(key, ()):
                name_low = name.lower()
                # key == word: the name has one letter more; key == name: one letter less; else one
                # letter differs (same length, one position) or two edits.
                one_apart = len(name_low) == len(low) and sum(a != b for a, b in zip(name_low, low, strict=True)) == 1
                edits = 1 if key in (low, name_low) or one_apart else 2
                candidate = (edits, abs(len(name_low) - len(low)), name)
                if best is None or candidate < best:
                    best = candidate
        return None if best is None or (best[2].lower() == low and best[2] == word) else best[2]

    def did_you_mean(self, word: str) -> str:
        match = self.closest(word)
        return f"did you mean `{match}`?" if match else ""


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}
