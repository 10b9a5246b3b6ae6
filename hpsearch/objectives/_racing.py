"""Fold racing: stop a cross-validation trial once its folds are clearly worse than the best
configuration's same folds.

Every trial of a sweep is scored on the same folds (the splits are computed once per objective), so
fold ``i`` of one configuration can be paired with fold ``i`` of another. A :class:`FoldRace`
keeps the per-fold scores of every configuration that ran all its folds in this objective instance
(one worker; workers do not share them) and, after each fold of a new trial, compares the folds run
so far with the same folds of the best completed configuration (best mean, in the direction of the
sweep's metric goal). With scores oriented so that larger is better:

- ``median`` (default): stop when the trial's running mean is below the best configuration's mean
  over the same folds by more than twice the best configuration's CV standard deviation (over all
  its folds), so near-best configurations (within the CV noise) still run every fold.
- ``wilcoxon``: stop when every paired difference is worse and a one-sided Wilcoxon signed-rank test
  gives ``p < p_value`` (default 0.1). The exact test needs at least 4 folds to reach ``p < 0.1``.
- ``none``: never stop (the driver's pruner may still stop the trial on the running means).

No decision is taken before ``min_folds`` folds (default 2), nor after the last fold (the result is
complete by then), nor before a configuration has completed.

With several metrics (a multi-objective sweep) a :class:`ParetoRace` stops a trial only when one
completed configuration is clearly better on *every* metric by the same rule, so a trial that trades
one metric for another (fast but less accurate: a Pareto candidate) always runs all its folds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError, did_you_mean

__all__ = ["RULES", "FoldRace", "ParetoRace", "RacingRule", "clearly_worse"]

RULES = ("median", "wilcoxon", "none")
_KEYS = ("rule", "min_folds", "p_value")


@dataclass(frozen=True)
class RacingRule:
    """How fold racing decides: ``rule`` (median, wilcoxon, none), ``min_folds``, ``p_value``.

    Example:
        >>> RacingRule.from_spec({"rule": "wilcoxon"}, n_folds=5)
        RacingRule(rule='wilcoxon', min_folds=2, p_value=0.1)
        >>> RacingRule.from_spec(None, n_folds=2).rule
        'none'
    """

    rule: str = "median"
    min_folds: int = 2
    p_value: float = 0.1

    @classmethod
    def from_spec(cls, spec: Any, *, n_folds: int, path: str = "objective.racing") -> RacingRule:
        """Read a ``racing:`` value: absent (on when ``n_folds >= 3``), a bool, a rule name or a
        mapping ``{rule, min_folds, p_value}``."""
        if spec is None or spec is True:
            return cls() if n_folds >= 3 else cls(rule="none")
        if spec is False:
            return cls(rule="none")
        if isinstance(spec, str):
            spec = {"rule": spec}
        if not isinstance(spec, Mapping):
            raise ConfigError(
                f"must be a rule name ({', '.join(RULES)}), a boolean or a mapping "
                f"with {', '.join(_KEYS)}; got {type(spec).__name__}",
                path=path,
            )
        for key in spec:
            if key not in _KEYS:
                raise ConfigError(
                    f"unknown key {key!r}{did_you_mean(key, _KEYS)}; allowed: {', '.join(_KEYS)}",
                    path=f"{path}.{key}",
                )
        rule = spec.get("rule", "median")
        if rule not in RULES:
            raise ConfigError(
                f"unknown racing rule {rule!r}{did_you_mean(str(rule), RULES)}; "
                f"allowed: {', '.join(RULES)}",
                path=f"{path}.rule",
            )
        min_folds = spec.get("min_folds", 2)
        if isinstance(min_folds, bool) or not isinstance(min_folds, int) or min_folds < 1:
            raise ConfigError(
                f"must be an integer >= 1, got {min_folds!r}", path=f"{path}.min_folds"
            )
        p_value = spec.get("p_value", 0.1)
        if (
            isinstance(p_value, bool)
            or not isinstance(p_value, (int, float))
            or not (0 < p_value < 1)
        ):
            raise ConfigError(
                f"must be a number between 0 and 1, got {p_value!r}", path=f"{path}.p_value"
            )
        return cls(rule=rule, min_folds=min_folds, p_value=float(p_value))


class FoldRace:
    """The per-worker memory of completed configurations' fold scores, and the stop decision.

    Example:
        >>> race = FoldRace(RacingRule(), goal="maximize", n_folds=5)
        >>> race.record([0.95, 0.97, 0.96, 0.98, 0.97])
        >>> race.should_stop([0.10, 0.11])
        True
        >>> race.should_stop([0.95, 0.96])
        False
    """

    def __init__(self, rule: RacingRule, *, goal: str, n_folds: int) -> None:
        self.rule = rule
        self.n_folds = n_folds
        self._sign = 1.0 if goal == "maximize" else -1.0
        self._best: np.ndarray | None = None  # oriented: larger is better

    @property
    def best(self) -> np.ndarray | None:
        """Fold scores (as recorded) of the best completed configuration so far."""
        return None if self._best is None else self._best * self._sign

    def record(self, scores: Sequence[float]) -> None:
        """Remember a configuration that ran all its folds."""
        oriented = np.asarray(scores, dtype=float) * self._sign
        if len(oriented) != self.n_folds or not np.all(np.isfinite(oriented)):
            return
        if self._best is None or oriented.mean() > self._best.mean():
            self._best = oriented

    def should_stop(self, scores: Sequence[float]) -> bool:
        """Whether a trial whose first folds scored ``scores`` is clearly worse than the best."""
        k = len(scores)
        if (
            self.rule.rule == "none"
            or self._best is None
            or k < self.rule.min_folds
            or k >= self.n_folds
        ):
            return False
        own = np.asarray(scores, dtype=float) * self._sign
        if not np.all(np.isfinite(own)):
            return False  # let the trial finish and fail on its non-finite score
        return clearly_worse(own, self._best, self.rule)


def clearly_worse(own: np.ndarray, ref: np.ndarray, rule: RacingRule) -> bool:
    """Whether the first folds ``own`` are clearly worse than the same folds of ``ref``.

    Both are oriented so that larger is better.

    Example:
        >>> clearly_worse(np.array([0.1, 0.2]), np.array([0.9, 0.9, 0.9]), RacingRule())
        True
    """
    diffs = own - ref[: len(own)]
    if rule.rule == "median":
        return bool(diffs.mean() < -2.0 * float(ref.std()))
    if rule.rule == "none" or not np.all(diffs < 0):
        return False
    from scipy.stats import wilcoxon

    return float(wilcoxon(diffs, alternative="less").pvalue) < rule.p_value


class ParetoRace:
    """Fold racing with several metrics: stop a trial only when dominated on every metric.

    A completed configuration dominates a running trial when, on each metric, the trial's folds so
    far are :func:`clearly_worse` than that configuration's same folds.

    Example:
        >>> goals = {"acc": "maximize", "time": "minimize"}
        >>> race = ParetoRace(RacingRule(), goals=goals, n_folds=4)
        >>> race.record({"acc": [0.9, 0.92, 0.91, 0.9], "time": [1.0, 1.1, 1.0, 1.05]})
        >>> race.should_stop({"acc": [0.5, 0.52], "time": [3.0, 3.1]})  # worse on both
        True
        >>> race.should_stop({"acc": [0.5, 0.52], "time": [0.1, 0.1]})  # faster: a candidate
        False
    """

    def __init__(self, rule: RacingRule, *, goals: Mapping[str, str], n_folds: int) -> None:
        self.rule = rule
        self.n_folds = n_folds
        self._signs = {m: 1.0 if goal == "maximize" else -1.0 for m, goal in goals.items()}
        self._done: list[dict[str, np.ndarray]] = []

    def _oriented(self, scores: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
        return {m: np.asarray(scores[m], dtype=float) * s for m, s in self._signs.items()}

    def record(self, scores: Mapping[str, Sequence[float]]) -> None:
        """Remember a configuration that ran all its folds (per-metric fold scores)."""
        oriented = self._oriented(scores)
        if all(len(v) == self.n_folds and np.all(np.isfinite(v)) for v in oriented.values()):
            self._done.append(oriented)

    def should_stop(self, scores: Mapping[str, Sequence[float]]) -> bool:
        """Whether some completed configuration is clearly better on every metric."""
        own = self._oriented(scores)
        k = min(len(v) for v in own.values())
        if self.rule.rule == "none" or k < self.rule.min_folds or k >= self.n_folds:
            return False
        if not all(np.all(np.isfinite(v)) for v in own.values()):
            return False
        return any(
            all(clearly_worse(own[m], done[m], self.rule) for m in own) for done in self._done
        )
