"""Population-based training (``pruner: {type: pbt}``): Ray Tune's PopulationBasedTraining.

Not a pruner in Optuna's sense: every ``perturbation_interval`` steps a trial in the bottom
``quantile_fraction`` copies the checkpoint of one in the top fraction and continues with
mutated params (each unconditional float, int and categorical parameter of the space is
mutated within its bounds). It needs ``--executor tune`` and an objective that saves its state
in ``trial.checkpoint_dir`` as it reports and resumes from ``trial.resume_from``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import optuna

from hpsearch.config import Option, Schema
from hpsearch.errors import ConfigError
from hpsearch.pruners._base import Pruner
from hpsearch.space import Categorical, Float, Int

if TYPE_CHECKING:
    from hpsearch.config import SweepConfig

__all__ = ["PbtPruner", "mutable_parameters"]

#: objective types that can save and resume their state (PBT restarts trials from checkpoints)
CHECKPOINTING_OBJECTIVES = ("python", "torch")


def mutable_parameters(config: SweepConfig) -> list[str]:
    """Names of the parameters PBT mutates: unconditional, numeric or categorical, varying.

    Example:
        >>> from hpsearch.config import read_config
        >>> mutable_parameters(read_config({"parameters": {
        ...     "lr": {"type": "float", "low": 0.01, "high": 1},
        ...     "k": {"type": "constant", "value": 3}}}))
        ['lr']
    """
    names = []
    for dim in config.space.parameters:
        numeric = isinstance(dim, (Float, Int)) and dim.low < dim.high
        choice = isinstance(dim, Categorical) and len(dim.choices) > 1
        if (numeric or choice) and not dim.when:
            names.append(dim.name)
    return names


class PbtPruner(Pruner):
    """Population-based training through Ray Tune (``--executor tune`` only)."""

    name = "pbt"
    schema = Schema(
        {
            "perturbation_interval": Option.integer(
                4, low=1, help="steps between two exploit/explore decisions of a trial"
            ),
            "burn_in_period": Option.integer(0, low=0, help="steps before the first one"),
            "quantile_fraction": Option.number(
                0.25, low=0, high=0.5, help="bottom fraction that copies the top fraction"
            ),
            "resample_probability": Option.number(
                0.25, low=0, high=1, help="chance a mutated value is drawn anew"
            ),
            "synch": Option.flag(False, help="wait for the whole population at each interval"),
        }
    )

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        super().check(config)
        if config.is_multi_objective:
            raise ConfigError(
                "pbt ranks trials by one metric; with several metrics use another pruner",
                path="pruner.type",
            )
        if config.objective is not None and config.objective.type not in CHECKPOINTING_OBJECTIVES:
            raise ConfigError(
                f"pbt restarts trials from checkpoints, which a {config.objective.type} "
                "objective cannot resume from; use a python or torch objective",
                path="pruner.type",
            )
        if not mutable_parameters(config):
            raise ConfigError(
                "pbt needs a float, int or categorical parameter without 'when' to mutate",
                path="parameters",
            )

    def build(self) -> optuna.pruners.BasePruner:
        """Never prunes through Optuna: Ray Tune's PBT scheduler decides."""
        return optuna.pruners.NopPruner()
