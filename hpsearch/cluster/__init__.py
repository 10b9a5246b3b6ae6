"""Sweeps on a Ray cluster, driven from anywhere: submit, status, logs, stop, fetch.

``hpsearch submit`` starts the sweep's driver on the cluster as a Ray job (the job API at the
dashboard's HTTP address), so the sweep goes on when the submitting machine goes away; the
other commands follow, stop and copy back a submitted sweep through the same API.
"""

from hpsearch.cluster._client import SweepStatus, fetch, logs, status, stop, submit
from hpsearch.cluster._protocol import sweep_location

__all__ = ["SweepStatus", "fetch", "logs", "status", "stop", "submit", "sweep_location"]
