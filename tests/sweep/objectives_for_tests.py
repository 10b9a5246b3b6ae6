"""Objectives imported by name (``module:function``) from sweep tests."""

from __future__ import annotations

import math
import os
import signal
import time


def quadratic(params):
    return (params["x"] - 0.3) ** 2


def slow_quadratic(params):
    time.sleep(0.3)
    return (params["x"] - 0.3) ** 2


def troublesome(params):
    """Raises, returns NaN or None, hangs, or works, depending on ``mode``."""
    mode = params["mode"]
    if mode == "raise":
        raise ValueError(f"cannot handle x={params['x']:.3f}")
    if mode == "nan":
        return math.nan
    if mode == "none":
        return None
    if mode == "text":
        return "not a number"
    if mode == "hang":
        time.sleep(600)
    return params["x"]


def sleepy_quadratic(params):
    """A trial that lasts a second: long enough to be killed in the middle of."""
    time.sleep(1.0)
    return (params["x"] - 0.3) ** 2


DOOMED = (1, 4)  # values of x whose first attempt loses its worker


def dies_on_first_attempt(params, trial):
    """The worker running x=1 or x=4 is SIGKILLed mid-trial (as the OOM killer does) the first
    time; the retry, with the same params, completes."""
    time.sleep(0.2)
    if params["x"] in DOOMED and trial.attempt == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return (params["x"] - 0.3) ** 2
