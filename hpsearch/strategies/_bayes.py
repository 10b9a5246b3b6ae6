"""The ``bayes`` strategy: picks grid, gp, tpe or nsga2 from the space's shape and the budget.

The rule (:func:`choose_bayes`), first match wins:

1. The space is finite and its grid has at most ``budget`` points -> ``grid`` (every point is
   tried once; nothing a model could do is cheaper).
2. Several metrics -> ``tpe`` when the budget is at most 200 trials, else ``nsga2`` (also
   when there is no trial budget): NSGA-II needs many generations to pay off.
3. No conditions, 1 to 20 searched parameters of which at least one is a float (the rest
   floats, ints or categoricals) and a budget of at most 200 trials -> ``gp``: Gaussian
   processes are the most sample-efficient on small problems, and their cost per trial
   (~0.1-0.2 s on 2 cores) grows with the trial count.
4. Otherwise (conditional spaces, only ints and categoricals, more parameters, a large or no
   budget) -> multivariate ``tpe`` (grouped by condition, constant liar with several workers).

Measured with 30 trials, 3 seeds, mean best value (lower is better): 2-D quadratic random 1.20,
tpe 0.17, gp 0.0001; Branin random 0.37, tpe 0.44, gp 0.013; 2 floats + int + 3-way
categorical random 2.67, tpe 0.65, gp 0.056; an SVM-like conditional space random 0.69,
tpe 0.25, gp 0.70 (GP draws conditional parameters at random). Two metrics, 40 trials,
hypervolume (higher is better): random 375, nsga2 376, tpe 390, gp 395 at ~0.45 s per trial.
On k-NN tuning (ints and categoricals only; ``python -m benchmarks --tier quick``, 5 seeds,
normalized score, higher is better) tpe scored 1 and 67 at 20 and 50 trials, gp -46 and -155.

``n_startup_trials`` is passed on to tpe and gp.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from optuna.samplers import BaseSampler

from hpsearch.config import Option, Schema, SweepConfig
from hpsearch.space import Float, Space
from hpsearch.strategies._base import Strategy
from hpsearch.strategies._gp import GPStrategy
from hpsearch.strategies._grid import GridStrategy
from hpsearch.strategies._nsga2 import NSGA2Strategy
from hpsearch.strategies._tpe import TPEStrategy

if TYPE_CHECKING:
    from optuna.study import Study

__all__ = ["BayesStrategy", "choose_bayes"]

MODEL_BUDGET = 200
GP_MAX_DIMS = 20
_CHOICES: dict[str, type[Strategy]] = {
    "grid": GridStrategy,
    "gp": GPStrategy,
    "tpe": TPEStrategy,
    "nsga2": NSGA2Strategy,
}


def choose_bayes(
    space: Space | SweepConfig,
    budget: int | None,
    *,
    n_objectives: int | None = None,
    workers: int = 1,
) -> str:
    """The strategy ``bayes`` runs for this space and trial budget (see the module docstring).

    ``space`` may be a whole config: its space and number of metrics are used.

    ``workers`` does not change the choice today: tpe (constant liar) and gp both account for
    running trials.

    Example:
        >>> from hpsearch.space import Categorical, Float, Space
        >>> choose_bayes(Space((Float("x", 0, 1),)), 50)
        'gp'
        >>> choose_bayes(Space((Float("x", 0, 1),)), 500)
        'tpe'
        >>> choose_bayes(Space((Categorical("k", ("a", "b")),)), 50)
        'grid'
    """
    if isinstance(space, SweepConfig):
        n_objectives = len(space.metrics) if n_objectives is None else n_objectives
        space = space.space
    n_objectives = 1 if n_objectives is None else n_objectives
    if budget is not None and space.is_finite():
        size = space.grid_size()
        if size is not None and size <= budget:
            return "grid"
    small = budget is not None and budget <= MODEL_BUDGET
    if n_objectives > 1:
        return "tpe" if small else "nsga2"
    if (
        small
        and not space.is_conditional
        and 0 < len(space.searched) <= GP_MAX_DIMS
        and any(isinstance(d, Float) for d in space.searched)
    ):
        return "gp"
    return "tpe"


class BayesStrategy(Strategy):
    """Runs the strategy :func:`choose_bayes` picks; ``name`` says which, e.g. ``bayes(gp)``.

    Example:
        >>> from hpsearch.space import Float, Space
        >>> s = BayesStrategy(Space((Float("x", 0, 1),)), seed=0, budget=30)
        >>> s.name, s.chosen
        ('bayes(gp)', 'gp')
    """

    name = "bayes"
    schema = Schema(
        {"n_startup_trials": Option.integer(low=0, help="random trials before tpe or gp model")}
    )

    def __init__(
        self,
        space: Space | SweepConfig,
        *,
        directions: Sequence[str] | None = None,
        seed: int | None = None,
        budget: int | None = None,
        workers: int = 1,
        **options: Any,
    ) -> None:
        super().__init__(
            space, directions=directions, seed=seed, budget=budget, workers=workers, **options
        )
        self.chosen = choose_bayes(
            self.space, budget, n_objectives=len(self.directions), workers=workers
        )
        inner = dict(self.options) if self.chosen in ("tpe", "gp") else {}
        self.inner: Strategy = _CHOICES[self.chosen](
            self.space,
            directions=self.directions,
            seed=self._seed,
            budget=budget,
            workers=workers,
            **inner,
        )
        self.name = f"bayes({self.chosen})"  # type: ignore[misc]
        self.reseed_on_resume = self.inner.reseed_on_resume  # type: ignore[misc]
        self._sampler = self.inner.sampler

    def _build_sampler(self, seed: int) -> BaseSampler:
        if not hasattr(self, "inner"):  # during Strategy.__init__: the inner one builds it
            return None  # type: ignore[return-value]
        return self.inner._build_sampler(seed)

    def attach(self, study: Study) -> Strategy:
        super().attach(study)
        self.inner.study = study
        self.inner._sampler = self._sampler
        return self

    def exhausted(self) -> bool:
        return self.inner.exhausted()

    def ask(self) -> Any:
        if self.chosen == "grid":
            self._study()
            return self.inner.ask()
        return super().ask()
