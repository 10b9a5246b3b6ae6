"""Connecting to Ray: a private instance bound to loopback, or an existing cluster; and how
many trials of given resources fit on its nodes."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from hpsearch.errors import ConfigError, EngineStartError
from hpsearch.execution._ray_instance import owned_instance

__all__ = [
    "BUILTIN_RESOURCES",
    "actor_options",
    "connect_ray",
    "import_ray",
    "loopback_only",
    "parse_resources",
    "plan_slots",
    "ray_amount",
    "ray_resource_name",
    "start_local_ray",
]

_LOCAL_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
BUILTIN_RESOURCES = {"cpu": "CPU", "gpu": "GPU", "memory_gb": "memory"}
#: hpsearch's unit of each built-in resource in Ray's (Ray counts memory in bytes)
_RAY_UNITS = {"memory_gb": float(2**30)}


def import_ray() -> Any:
    """Import Ray, or explain how to install it."""
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - ray is installed in development
        raise ConfigError(
            "the ray executor needs Ray: pip install 'hpsearch[ray]'", path="executor"
        ) from exc
    return ray


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Make Ray processes started inside this block bind to 127.0.0.1 only.

    Ray (2.60) binds its gRPC servers to the node's address, which on Linux is the machine's
    network address; with this switch (Ray's own "no cluster" mode) the node address is the
    loopback one. Also used by tests to start a simulated multi-node cluster on loopback.
    """
    import_ray()
    from ray._private import ray_constants

    saved_flag = ray_constants.ENABLE_RAY_CLUSTER
    saved_env = os.environ.get(_LOCAL_ONLY_ENV)
    ray_constants.ENABLE_RAY_CLUSTER = False
    os.environ[_LOCAL_ONLY_ENV] = "0"
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved_flag
        if saved_env is None:
            os.environ.pop(_LOCAL_ONLY_ENV, None)
        else:
            os.environ[_LOCAL_ONLY_ENV] = saved_env


def start_local_ray(
    *,
    num_cpus: int | None = None,
    num_gpus: int | None = None,
    resources: Mapping[str, float] | None = None,
    **kwargs: Any,
) -> None:
    """Start a fresh Ray instance on this machine: loopback only, no dashboard.

    Nothing of the instance outlives this process, however it ends (see ``_ray_instance``).

    Example:
        >>> start_local_ray(num_cpus=2)  # doctest: +SKIP
    """
    ray = import_ray()
    options: dict[str, Any] = {
        "address": "local",
        "include_dashboard": False,
        "_node_ip_address": "127.0.0.1",
        "logging_level": "WARNING",
        "configure_logging": False,
    }
    if num_cpus is not None:
        options["num_cpus"] = num_cpus
    if num_gpus is not None:
        options["num_gpus"] = num_gpus
    if resources:
        options["resources"] = dict(resources)
    options.update(kwargs)
    with loopback_only(), owned_instance():
        try:
            ray.init(**options)
        except Exception as exc:  # Ray raises a bare Exception when its node times out
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise EngineStartError(
                f"could not start a local Ray instance ({type(exc).__name__}: {first_line}); "
                "nothing ran: retry when the machine is less loaded, or start Ray yourself "
                "(ray start --head) and pass --address"
            ) from exc


def connect_ray(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    runtime_env: Mapping[str, Any] | None = None,
) -> bool:
    """Make sure this process is connected to Ray; returns True when it started the instance.

    An existing connection is kept. Otherwise ``address`` (or ``RAY_ADDRESS``) is joined, and
    without either a local instance is started with :func:`start_local_ray`.

    Example:
        >>> owns = connect_ray()  # doctest: +SKIP
    """
    ray = import_ray()
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS")
    if address:
        options: dict[str, Any] = {"address": address, "logging_level": "WARNING"}
        if runtime_env:
            options["runtime_env"] = dict(runtime_env)
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError) as exc:
            raise ConfigError(
                f"cannot reach a Ray cluster at {address!r}: {exc}", path="address"
            ) from exc
        return True
    start_local_ray(num_cpus=num_cpus, runtime_env=dict(runtime_env) if runtime_env else None)
    return True


def parse_resources(resources: Mapping[str, float] | None) -> dict[str, float]:
    """Validate ``{cpu, gpu, <custom>}`` per trial; ``cpu`` defaults to 1."""
    out: dict[str, float] = {"cpu": 1.0}
    for key, raw in (resources or {}).items():
        name = str(key)
        if name.lower() in BUILTIN_RESOURCES:
            name = name.lower()
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise ConfigError(f"must be a number, got {raw!r}", path=f"resources.{name}")
        if raw < 0:
            raise ConfigError(f"must be >= 0, got {raw!r}", path=f"resources.{name}")
        out[name] = float(raw)
    gpu = out.get("gpu", 0.0)
    if gpu > 1 and not gpu.is_integer():
        raise ConfigError(
            f"a trial takes a fraction of one GPU or whole GPUs, got {gpu:g}",
            path="resources.gpu",
        )
    if not any(v > 0 for v in out.values()):
        raise ConfigError("a trial must ask for some CPU or GPU, got none", path="resources")
    return out


def ray_resource_name(key: str) -> str:
    return BUILTIN_RESOURCES.get(key, key)


def ray_amount(key: str, value: float) -> float:
    """``value`` of hpsearch resource ``key`` in Ray's unit (``memory_gb: 2`` is 2 GiB)."""
    return value * _RAY_UNITS.get(key, 1.0)


def actor_options(resources: Mapping[str, float]) -> dict[str, Any]:
    """Ray actor options reserving ``resources`` (as :func:`parse_resources` returns them).

    Example:
        >>> actor_options({"cpu": 1.0, "gpu": 0.25, "memory_gb": 2.0, "trainer": 1.0})
        {'num_cpus': 1.0, 'num_gpus': 0.25, 'memory': 2147483648, 'resources': {'trainer': 1.0}}
    """
    options: dict[str, Any] = {
        "num_cpus": resources.get("cpu", 0.0),
        "num_gpus": resources.get("gpu", 0.0),
    }
    if resources.get("memory_gb", 0.0) > 0:
        options["memory"] = int(ray_amount("memory_gb", resources["memory_gb"]))
    custom = {k: v for k, v in resources.items() if k not in BUILTIN_RESOURCES and v > 0}
    if custom:
        options["resources"] = custom
    return options


def plan_slots(nodes: Sequence[Mapping[str, float]], resources: Mapping[str, float]) -> int:
    """How many trials asking ``resources`` fit on ``nodes`` (each a Ray resource dict).

    Raises:
        ConfigError: when no node can hold even one trial.

    Example:
        >>> plan_slots([{"CPU": 4.0, "GPU": 1.0}], {"cpu": 1, "gpu": 0.25})
        4
    """
    total = 0
    for node in nodes:
        fits = [
            math.floor(node.get(ray_resource_name(k), 0.0) / ray_amount(k, v) + 1e-9)
            for k, v in resources.items()
            if v > 0
        ]
        total += min(fits) if fits else 0
    if total > 0:
        return total
    for key, want in resources.items():
        if want <= 0:
            continue
        largest = max((node.get(ray_resource_name(key), 0.0) for node in nodes), default=0.0)
        largest /= ray_amount(key, 1.0)
        if largest < want:
            unit = {"cpu": "CPUs", "gpu": "GPUs", "memory_gb": "GiB of memory"}.get(
                key, f"of resource {key!r}"
            )
            raise ConfigError(
                f"a trial asks for {want:g} {unit} but no Ray node has that many "
                f"(largest: {largest:g}, {len(nodes)} node(s)); lower it or add a bigger node",
                path=f"resources.{key}",
            )
    raise ConfigError(
        f"no Ray node has all of {dict(resources)} at once", path="resources"
    )  # pragma: no cover - some single key always fails first
