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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError, did_you_mean

__all__ = ["RULES", "FoldRace", "RacingRule"]

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
        best = self._best
        diffs = own - best[:k]
        if self.rule.rule == "median":
            return bool(diffs.mean() < -2.0 * float(best.std()))
        if not np.all(diffs < 0):
            return False
        from scipy.stats import wilcoxon

        p_value = float(wilcoxon(diffs, alternative="less").pvalue)
        return p_value < self.rule.p_value
