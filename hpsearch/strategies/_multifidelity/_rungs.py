"""Rungs of asynchronous successive halving, promotion type (pause and resume).

A configuration enters at the lowest rung (``min_resource``), is paused there with its value,
and is promoted to the next rung as soon as it ranks among the top ``1/eta`` of the values
recorded at its rung so far. Nothing waits for a rung to fill: a free worker takes the best
promotion available (highest rung first) or, when there is none, starts a new configuration.

Example:
    >>> levels = rung_levels(1, 27, eta=3)
    >>> levels
    (1, 3, 9, 27)
    >>> ladder = PromotionLadder(levels, eta=3)
    >>> for config_id, value in enumerate([0.5, 0.2, 0.9]):
    ...     ladder.add(config_id, 0, value)
    >>> ladder.next_promotion()
    (1, 0)
"""

from __future__ import annotations

import math
from collections.abc import Iterator

__all__ = ["PromotionLadder", "rung_levels"]


def rung_levels(
    min_resource: float, max_resource: float, *, eta: float = 3, integer: bool = True
) -> tuple[float, ...]:
    """The resources at which results are compared: ``min * eta**k``, then ``max``.

    Geometric levels closer to ``max_resource`` than a factor ``sqrt(eta)`` are left out, so
    the last promotion is never a tiny step (1, 3, 9, 27, 100 for ``min=1, max=100``).

    Raises:
        ValueError: ``min_resource`` is not positive, ``max_resource < min_resource`` or
            ``eta <= 1``.

    Example:
        >>> rung_levels(1, 100, eta=3)
        (1, 3, 9, 27, 100)
        >>> rung_levels(0.1, 1.0, eta=2, integer=False)
        (0.1, 0.2, 0.4, 1.0)
    """
    if not min_resource > 0:
        raise ValueError(f"min_resource must be positive, got {min_resource!r}")
    if not max_resource >= min_resource:
        raise ValueError(f"max_resource ({max_resource}) must be >= min_resource ({min_resource})")
    if not eta > 1:
        raise ValueError(f"eta must be > 1, got {eta!r}")
    levels: list[float] = []
    k = 0
    limit = max_resource / math.sqrt(eta) * (1 + 1e-9)
    while True:
        level = min_resource * eta**k
        if level > limit:
            break
        value = round(level) if integer else round(level, 12)
        if not levels or value > levels[-1]:
            levels.append(value)
        k += 1
    top = round(max_resource) if integer else max_resource
    if not levels or top > levels[-1]:
        levels.append(top)
    return tuple(levels)


class PromotionLadder:
    """Which configuration sits at which rung, with what value, and who was promoted.

    Values are minimized. A configuration may be recorded at a rung once; ties are broken by
    the configuration id, so the ladder's decisions depend only on the recorded values.

    Args:
        levels: The rung resources, increasing (see :func:`rung_levels`).
        eta: Promote the top ``1/eta`` of each rung.
    """

    def __init__(self, levels: tuple[float, ...], *, eta: float = 3) -> None:
        self.levels = tuple(levels)
        self.eta = float(eta)
        self._values: list[dict[int, float]] = [{} for _ in self.levels]
        self._promoted: list[set[int]] = [set() for _ in self.levels]
        self._stopped: set[int] = set()

    @property
    def top(self) -> int:
        """Index of the last rung (the full resource)."""
        return len(self.levels) - 1

    def add(self, config_id: int, rung: int, value: float) -> None:
        """Record ``config_id``'s value at ``rung`` (it is now paused there)."""
        self._values[rung][config_id] = float(value)

    def stop(self, config_id: int) -> None:
        """Never promote ``config_id`` again (it failed, or ended before its target)."""
        self._stopped.add(config_id)

    def resume(self, config_id: int) -> None:
        """Allow promotions of ``config_id`` again (its failed job is retried)."""
        self._stopped.discard(config_id)

    def mark_promoted(self, config_id: int, rung: int) -> None:
        """``config_id`` leaves ``rung`` for the next one (called when its job is handed out)."""
        self._promoted[rung].add(config_id)

    def values(self, rung: int) -> dict[int, float]:
        """``{config_id: value}`` recorded at ``rung``."""
        return dict(self._values[rung])

    def promoted(self, rung: int) -> set[int]:
        return set(self._promoted[rung])

    def candidates(self, rung: int) -> Iterator[int]:
        """Configurations of ``rung`` that may be promoted now, best first.

        Those are the not yet promoted (nor stopped) members of the rung's top
        ``floor(n / eta)``, where ``n`` counts every value recorded there so far.
        """
        if rung >= self.top:
            return
        recorded = self._values[rung]
        quota = int(len(recorded) / self.eta + 1e-9)
        ranked = sorted(recorded.items(), key=lambda item: (item[1], item[0]))[:quota]
        for config_id, _ in ranked:
            if config_id not in self._promoted[rung] and config_id not in self._stopped:
                yield config_id

    def next_promotion(self) -> tuple[int, int] | None:
        """``(config_id, rung)`` of the best promotion from the highest rung that has one."""
        for rung in range(self.top - 1, -1, -1):
            for config_id in self.candidates(rung):
                return config_id, rung
        return None

    def rung_of(self, resource: float) -> int | None:
        """Index of the rung at exactly ``resource``, or ``None``."""
        for i, level in enumerate(self.levels):
            if math.isclose(level, resource, rel_tol=1e-9, abs_tol=1e-12):
                return i
        return None

    def counts(self) -> list[int]:
        """How many configurations were recorded at each rung."""
        return [len(v) for v in self._values]
