"""The model that proposes new configurations from every rung's results.

One Tree-structured Parzen Estimator per rung (BOHB's idea: a density model per budget), but
instead of always using the highest budget with enough data, the rung that proposes is drawn
from weights (Hyper-Tune's idea: an ensemble over fidelities weighted by how reliable each is):

- a rung is *eligible* once it holds ``n_min`` results;
- ``r*`` is the highest eligible rung; a lower rung's reliability is the Kendall rank
  correlation between its values and ``r*``'s values on the configurations seen at both (how
  rarely learning curves cross between them), ``r*``'s own is 1;
- reliability is discounted by how little data the rung holds, ``n / (n + n_min)``: a rung
  with few results gives a poor density model however faithful it is;
- weights are those scores squared, normalized.

So low rungs, where results are cheap and plentiful, steer the search while they rank
configurations like the higher rungs do, and the search moves up the ladder when they don't.
Paused and stopped configurations are information: every rung a configuration reached holds
its value. Running configurations enter the chosen rung's TPE as running trials (constant
liar), so many asynchronous workers do not all propose the same point.

The TPE itself is Optuna's (multivariate, grouped for conditional spaces), fitted on a
throwaway in-memory study built from the rung's results; nothing here keeps state between
calls, so a rebuilt search proposes exactly what the original would have.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState, create_trial

from hpsearch.space import Space
from hpsearch.strategies._optuna_space import distributions, suggest

__all__ = ["RungTPE"]


class RungTPE:
    """Propose a configuration from rung results (``None`` while no rung is eligible).

    Args:
        space: The search space.
        n_min: Results a rung needs before it can propose (default ``max(6, d + 2)`` for ``d``
            searched dimensions).
        n_ei_candidates: Candidates TPE scores per proposal.
        sharpness: Exponent on the rung scores (higher: trust the best rung more).
        mode: ``rungs`` (a TPE per rung, the rung drawn by reliability) or ``ladder`` (one TPE
            over every configuration, ranked by the highest rung reached, then by its value
            there, the order Optuna's TPE gives pruned trials).
        max_trials: Most configurations one ladder TPE is fitted on (see ``_subsample``).

    Example:
        >>> from hpsearch.space import Float
        >>> space = Space((Float("x", 0.0, 1.0),))
        >>> model = RungTPE(space, n_min=3)
        >>> params = {i: {"x": i / 10} for i in range(6)}
        >>> rungs = [{i: (p["x"] - 0.3) ** 2 for i, p in params.items()}]
        >>> 0.0 <= model.propose(0, rungs, params)["x"] <= 1.0
        True
    """

    def __init__(
        self,
        space: Space,
        *,
        n_min: int | None = None,
        n_ei_candidates: int = 24,
        sharpness: float = 2.0,
        mode: str = "ladder",
        max_trials: int = 200,
    ) -> None:
        self.max_trials = int(max_trials)
        if mode not in ("rungs", "ladder"):
            raise ValueError(f"mode must be rungs or ladder, got {mode!r}")
        self.mode = mode
        self.space = space
        dims = len(space.searched)
        self.n_min = int(n_min) if n_min is not None else max(6, dims + 2)
        self.n_ei_candidates = int(n_ei_candidates)
        self.sharpness = float(sharpness)
        self._distributions = distributions(space)

    def rung_weights(self, rungs: Sequence[Mapping[int, float]]) -> np.ndarray:
        """Probability of each rung proposing (zeros when no rung is eligible).

        Example:
            >>> model = RungTPE(Space(()), n_min=2)
            >>> low = {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0}
            >>> model.rung_weights([low, {0: 1.0, 1: 2.0, 2: 3.0}]).round(2).tolist()
            [0.55, 0.45]
        """
        counts = np.array([len(r) for r in rungs], dtype=float)
        weights = np.zeros(len(rungs))
        eligible = np.flatnonzero(counts >= self.n_min)
        if eligible.size == 0:
            return weights
        best = int(eligible[-1])
        for rung in (int(r) for r in eligible):
            tau = 1.0 if rung == best else _rank_agreement(rungs[rung], rungs[best])
            quality = counts[rung] / (counts[rung] + self.n_min)
            weights[rung] = (max(tau, 0.0) * quality) ** self.sharpness
        if weights.sum() <= 0:
            weights[best] = 1.0
        out: np.ndarray = weights / weights.sum()
        return out

    def propose(
        self,
        seed: int,
        rungs: Sequence[Mapping[int, float]],
        params: Mapping[int, Mapping[str, Any]],
        pending: Sequence[tuple[int, Mapping[str, Any]]] = (),
    ) -> dict[str, Any] | None:
        """A configuration proposed by the TPE of a rung drawn from :meth:`rung_weights`.

        Args:
            seed: Seeds the rung draw and the TPE (same inputs and seed: same proposal).
            rungs: ``{config_id: value}`` per rung, values minimized.
            params: Each configuration's parameters.
            pending: ``(rung, params)`` of the jobs running now.
        """
        rng = np.random.default_rng(seed)
        if self.mode == "ladder":
            if len(rungs[0]) < self.n_min:
                return None
            study = self._ladder_study(int(rng.integers(2**31)), rungs, params, pending)
            return suggest(study.ask(), self.space)
        weights = self.rung_weights(rungs)
        if weights.sum() <= 0:
            return None
        rung = int(rng.choice(len(weights), p=weights))
        study = self._study(int(rng.integers(2**31)), rungs[rung], params, pending, rung)
        trial = study.ask()
        return suggest(trial, self.space)

    def _ladder_study(
        self,
        seed: int,
        rungs: Sequence[Mapping[int, float]],
        params: Mapping[int, Mapping[str, Any]],
        pending: Sequence[tuple[int, Mapping[str, Any]]],
    ) -> optuna.Study:
        study = self._empty_study(seed)
        top = len(rungs) - 1
        trials = []
        for config_id in self._subsample(seed, rungs):
            steps = {k: r[config_id] for k, r in enumerate(rungs) if config_id in r}
            last = max(steps)
            state = TrialState.COMPLETE if last == top else TrialState.PRUNED
            value = steps[last] if state == TrialState.COMPLETE else None
            trials.append(self._frozen(params[config_id], value, state, steps))
        trials += [self._frozen(p, None, TrialState.RUNNING) for r, p in pending if r == 0]
        study.add_trials(trials)
        return study

    def _subsample(self, seed: int, rungs: Sequence[Mapping[int, float]]) -> list[int]:
        """Configuration ids for the ladder TPE: all of them up to ``max_trials``; past that,
        the best ``max_trials // 4`` along the ladder plus a seeded uniform sample of the rest
        (TPE's good set comes from the former, its bad density stays unbiased)."""
        ids = sorted(rungs[0])
        if len(ids) <= self.max_trials:
            return ids
        reached = {i: max(k for k, r in enumerate(rungs) if i in r) for i in ids}
        ranked = sorted(ids, key=lambda i: (-reached[i], rungs[reached[i]][i], i))
        keep = ranked[: self.max_trials // 4]
        rest = np.array(ranked[len(keep) :])
        rng = np.random.default_rng(seed)
        keep += rng.choice(rest, self.max_trials - len(keep), replace=False).tolist()
        return sorted(int(i) for i in keep)

    def _study(
        self,
        seed: int,
        values: Mapping[int, float],
        params: Mapping[int, Mapping[str, Any]],
        pending: Sequence[tuple[int, Mapping[str, Any]]],
        rung: int,
    ) -> optuna.Study:
        study = self._empty_study(seed)
        trials = [
            self._frozen(params[config_id], value, TrialState.COMPLETE)
            for config_id, value in sorted(values.items())
        ]
        trials += [self._frozen(p, None, TrialState.RUNNING) for r, p in pending if r == rung]
        study.add_trials(trials)
        return study

    def _empty_study(self, seed: int) -> optuna.Study:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                n_startup_trials=0,
                n_ei_candidates=self.n_ei_candidates,
                multivariate=True,
                group=self.space.is_conditional,
                constant_liar=True,
                seed=seed,
            )
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per throwaway study
        try:
            study = optuna.create_study(direction="minimize", sampler=sampler)
        finally:
            optuna.logging.set_verbosity(verbosity)
        return study

    def _frozen(
        self,
        params: Mapping[str, Any],
        value: float | None,
        state: TrialState,
        steps: Mapping[int, float] | None = None,
    ) -> optuna.trial.FrozenTrial:
        stored = self.space.encode(params)
        distributions = {k: self._distributions[k] for k in stored}
        return create_trial(
            state=state,
            value=value,
            params=stored,
            distributions=distributions,
            intermediate_values=dict(steps) if steps else None,
        )


def _rank_agreement(low: Mapping[int, float], high: Mapping[int, float]) -> float:
    """Kendall's tau between two rungs on the configurations both hold (0 with fewer than 3)."""
    common = sorted(set(low) & set(high))
    if len(common) < 3:
        return 0.0
    from scipy.stats import kendalltau

    tau = kendalltau([low[i] for i in common], [high[i] for i in common]).statistic
    return 0.0 if tau is None or not math.isfinite(tau) else float(tau)
