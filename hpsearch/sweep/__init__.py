"""Running sweeps: config resolution, the driver loop, progress, summary and retraining.

:func:`resolve_config` checks a config against the extensions it names; :func:`run_sweep`
runs (or continues) a sweep into its directory; :func:`retrain` trains a torch sweep's best
config on all its data. The public entry points are in :mod:`hpsearch.api`.
"""

from hpsearch.sweep._describe import describe_config
from hpsearch.sweep._driver import SweepDriver
from hpsearch.sweep._resolve import resolve_config
from hpsearch.sweep._retrain import retrain
from hpsearch.sweep._run import make_settings, run_sweep, safe_name
from hpsearch.sweep._settings import DEFAULT_TRIALS, SweepSettings
from hpsearch.sweep._summary import print_summary

__all__ = [
    "DEFAULT_TRIALS",
    "SweepDriver",
    "SweepSettings",
    "describe_config",
    "make_settings",
    "print_summary",
    "resolve_config",
    "retrain",
    "run_sweep",
    "safe_name",
]
