"""Half-open integer intervals ``[start, end)`` as ``(n, 2)`` int64 arrays.

An interval set is sorted and non-overlapping (a "timeline" in pyannote.core's
terms). Every function here takes and returns such sets; no floats involved.
"""
from __future__ import annotations

import numpy as np

EMPTY = np.zeros((0, 2), dtype=np.int64)


def as_intervals(pairs) -> np.ndarray:
    """Build an interval set from ``(start, end)`` pairs (sorted, merged, empty ones dropped)."""
    arr = np.asarray(list(pairs) if not isinstance(pairs, np.ndarray) else pairs, dtype=np.int64).reshape(-1, 2)
    arr = arr[arr[:, 1] > arr[:, 0]]
    return bridge(arr[np.argsort(arr[:, 0], kind="stable")], 0)


def runs(mask: np.ndarray, offset: int = 0) -> np.ndarray:
    """Intervals where the boolean ``mask`` is true, shifted by ``offset``."""
    m = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(m[1:] != m[:-1])
    return (edges.reshape(-1, 2) + offset).astype(np.int64)


def bridge(iv: np.ndarray, max_gap: int) -> np.ndarray:
    """Merge start-sorted intervals whose gap is shorter than ``max_gap``.

    Touching or overlapping intervals always merge.
    """
    if len(iv) < 2:
        return iv.copy()
    reach = np.maximum.accumulate(iv[:, 1])
    new_group = iv[1:, 0] - reach[:-1] >= max(max_gap, 1)
    first = np.concatenate(([0], np.flatnonzero(new_group) + 1))
    last = np.concatenate((first[1:] - 1, [len(iv) - 1]))
    return np.stack([iv[first, 0], reach[last]], axis=1)


def drop_short(iv: np.ndarray, min_length: int) -> np.ndarray:
    """Keep intervals at least ``min_length`` long."""
    return iv[(iv[:, 1] - iv[:, 0]) >= min_length]


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Frames covered by ``a`` or ``b``."""
    both = np.concatenate((a, b))
    return bridge(both[np.argsort(both[:, 0], kind="stable")], 0)


def intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Frames covered by both ``a`` and ``b``."""
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i, 0], b[j, 0]), min(a[i, 1], b[j, 1])
        if lo < hi:
            out.append((lo, hi))
        if a[i, 1] < b[j, 1]:
            i += 1
        else:
            j += 1
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def complement(iv: np.ndarray, start: int, end: int) -> np.ndarray:
    """Frames of ``[start, end)`` not covered by ``iv``."""
    clipped = iv[(iv[:, 1] > start) & (iv[:, 0] < end)]
    bounds = np.concatenate(([start], np.clip(clipped.ravel(), start, end), [end]))
    gaps = bounds.reshape(-1, 2)
    return gaps[gaps[:, 1] > gaps[:, 0]]


def total(iv: np.ndarray) -> int:
    """Total length of the intervals."""
    return int((iv[:, 1] - iv[:, 0]).sum())
