"""Submit a sweep to a Ray cluster and follow it from any machine: the client side.

Every function talks to the cluster only through Ray's job submission API, at the dashboard's
HTTP address (``http://HEAD:8265``; not the GCS port 6379 that ``hpsearch run --address``
takes). The sweep's driver runs on the cluster as a Ray job (:mod:`hpsearch.cluster._job`), so
it goes on when the submitting machine goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shlex
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from hpsearch.api import load_space
from hpsearch.cluster._protocol import (
    META_NAME,
    META_ROLE,
    META_STORAGE,
    parse_status_lines,
    submitted_executor,
    unpack_archive,
)
from hpsearch.errors import ConfigError
from hpsearch.report import write_report
from hpsearch.storage import SweepDirectory, open_sweep
from hpsearch.sweep import safe_name

__all__ = ["SweepStatus", "fetch", "logs", "status", "stop", "submit"]

ADDRESS_ENV = "RAY_API_SERVER_ADDRESS"
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")
#: Never shipped with the working directory: sweep outputs, version control, byte code.
EXCLUDES = ["runs/", ".git/", "__pycache__/", "*.pyc", ".venv/", "venv/"]


@dataclass(frozen=True)
class SweepStatus:
    """A submitted sweep as the cluster reports it: the Ray job's state and the sweep's progress.

    ``progress`` is the last status line the driver printed (empty before it started):
    ``complete``, ``pruned``, ``failed``, ``running``, ``retrying``, ``best``, ``budget``...
    """

    job_id: str
    sweep: str
    state: str
    progress: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def done(self) -> int:
        return int(sum(self.progress.get(k, 0) for k in ("complete", "pruned", "failed")))

    def describe(self) -> str:
        """One line: job, sweep, state, trials done/running/failed and the best value."""
        p = self.progress
        budget = p.get("budget")
        done = f"{self.done}/{budget}" if budget else str(self.done)
        best = p.get("best")
        best_text = f"{p.get('metric', 'value')}={best:.6g}" if best is not None else "-"
        if "pareto" in p:
            best_text = f"{p['pareto']} on the Pareto front"
        return (
            f"{self.job_id}  {self.sweep}  {self.state}  done {done}  "
            f"running {p.get('running', 0)}  failed {p.get('failed', 0)}  "
            f"pruned {p.get('pruned', 0)}  best {best_text}"
        )


def _normalize_address(address: str | None) -> str:
    address = address or os.environ.get(ADDRESS_ENV)
    if not address:
        raise ConfigError(
            f"no cluster address: pass --address http://HEAD:8265 (the Ray dashboard's HTTP "
            f"address) or set {ADDRESS_ENV}",
            path="address",
        )
    if "://" not in address:
        address = f"http://{address}"
    if not address.startswith(("http://", "https://")):
        raise ConfigError(
            f"must be the Ray dashboard's HTTP address (http://HEAD:8265), got {address!r}",
            path="address",
        )
    return address.rstrip("/")


def _client(address: str | None) -> Any:
    address = _normalize_address(address)
    try:
        from ray.job_submission import JobSubmissionClient
    except ImportError as exc:  # pragma: no cover - ray is installed in development
        raise ConfigError(
            "submitting to a cluster needs Ray's job API: pip install 'hpsearch[ray]'",
            path="address",
        ) from exc
    try:
        return JobSubmissionClient(address)
    except Exception as exc:  # ConnectionError, requests errors, version mismatch
        first = str(exc).strip().splitlines()
        if "authentication token" in str(exc).lower():
            raise ConfigError(
                f"the cluster at {address} wants its token: set RAY_AUTH_MODE=token and put the "
                "head node's ~/.ray/auth_token on this machine (or set RAY_AUTH_TOKEN)",
                path="address",
            ) from None
        raise ConfigError(
            f"cannot reach the Ray job API at {address} ({first[0] if first else exc}); it is "
            "the dashboard's HTTP address, port 8265 by default",
            path="address",
        ) from None


def _state(value: Any) -> str:
    return str(getattr(value, "value", value))


def _info(client: Any, job_id: str) -> Any:
    try:
        return client.get_job_info(job_id)
    except RuntimeError as exc:
        if "404" in str(exc) or "does not exist" in str(exc):
            raise ConfigError(f"no job {job_id!r} on this cluster", path="job") from None
        raise


def _check_storage(storage: str | None) -> None:
    if not storage or "://" in storage or storage.startswith(("/", "~")):
        return
    raise ConfigError(
        f"must be an absolute directory on the head node, file:///DIR or a database URL, "
        f"got {storage!r} (a relative path would land in the job's temporary working directory)",
        path="storage",
    )


def _running_twin(client: Any, sweep: str, storage: str | None) -> str | None:
    for job in client.list_jobs():
        meta = job.metadata or {}
        if (
            meta.get(META_ROLE) == "sweep"
            and meta.get(META_NAME) == sweep
            and (meta.get(META_STORAGE) or None) == (storage or None)
            and _state(job.status) not in TERMINAL
        ):
            return job.submission_id
    return None


def submit(
    space_file: str | os.PathLike[str],
    *,
    address: str | None = None,
    storage: str | None = None,
    name: str | None = None,
    working_dir: str | os.PathLike[str] | None = None,
    trials: int | None = None,
    timeout: str | None = None,
    strategy: str | None = None,
    seed: int | None = None,
    workers: int | None = None,
) -> str:
    """Start a sweep's driver on a Ray cluster as a job; returns the job id at once.

    The space file's directory (or ``working_dir``, which must contain the file) is shipped as
    the job's working directory, with the objective's code. The sweep is kept on the cluster in
    ``storage`` under its name; submitting the same sweep again continues it.

    Example:
        >>> job = submit("space.yaml", address="http://127.0.0.1:8265")  # doctest: +SKIP
    """
    path = Path(space_file).resolve()
    space = load_space(path)  # a broken file fails here, before anything is sent
    submitted_executor(space)
    if name is not None and not name.strip():
        raise ConfigError("must not be empty", path="name")
    sweep = name or space.name
    root = Path(working_dir).resolve() if working_dir is not None else path.parent
    if not root.is_dir():
        raise ConfigError(f"not a directory: {root}", path="working_dir")
    try:
        relative = path.relative_to(root)
    except ValueError:
        raise ConfigError(
            f"the space file {path} is not inside the working directory {root}",
            path="working_dir",
        ) from None
    _check_storage(storage)
    client = _client(address)
    twin = _running_twin(client, sweep, storage)
    if twin:
        raise ConfigError(
            f"sweep {sweep!r} is already running as job {twin}; stop it first "
            f"(hpsearch stop {twin})",
            path="name",
        )
    args = ["python", "-m", "hpsearch.cluster._job", "run", "--space", relative.as_posix()]
    args += ["--name", sweep]
    options = {
        "--storage": storage,
        "--trials": trials,
        "--timeout": timeout,
        "--strategy": strategy,
        "--seed": seed,
        "--workers": workers,
    }
    for flag, value in options.items():
        if value is not None:
            args += [flag, str(value)]
    job_id = f"hpsearch-{safe_name(sweep)}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    client.submit_job(
        entrypoint=shlex.join(args),
        submission_id=job_id,
        runtime_env={"working_dir": str(root), "excludes": list(EXCLUDES)},
        metadata={META_ROLE: "sweep", META_NAME: sweep, META_STORAGE: storage or ""},
    )
    return job_id


def _status_of(client: Any, info: Any) -> SweepStatus:
    job_id = info.submission_id
    meta = info.metadata or {}
    try:
        text = client.get_job_logs(job_id)
    except RuntimeError:
        text = ""
    progress = parse_status_lines(text) or {}
    state = _state(info.status)
    message = str(progress.get("message") or "")
    if state == "FAILED" and not message:
        message = _last_error(info.message)
    return SweepStatus(job_id, str(meta.get(META_NAME, "?")), state, progress, message)


def _last_error(text: str | None) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:") or "Error" in ln]
    return (errors or lines or [""])[-1][:300]


def status(job_id: str | None = None, *, address: str | None = None) -> list[SweepStatus]:
    """The submitted sweeps on the cluster (oldest first), or only ``job_id``.

    Example:
        >>> for s in status(address="http://127.0.0.1:8265"):  # doctest: +SKIP
        ...     print(s.describe())
    """
    client = _client(address)
    if job_id is not None:
        return [_status_of(client, _info(client, job_id))]
    jobs = [j for j in client.list_jobs() if (j.metadata or {}).get(META_ROLE) == "sweep"]
    jobs.sort(key=lambda j: j.start_time or 0)
    return [_status_of(client, j) for j in jobs]


def logs(
    job_id: str, *, address: str | None = None, follow: bool = False, out: IO[str] | None = None
) -> None:
    """Write a job's log to ``out`` (stdout); with ``follow``, keep writing until it ends.

    Example:
        >>> logs("hpsearch-svm-digits-...", address="http://127.0.0.1:8265")  # doctest: +SKIP
    """
    out = out or sys.stdout
    client = _client(address)
    _info(client, job_id)
    if not follow:
        out.write(client.get_job_logs(job_id))
        out.flush()
        return

    async def tail() -> None:
        async for chunk in client.tail_job_logs(job_id):
            out.write(chunk)
            out.flush()

    asyncio.run(tail())


def _wait(client: Any, job_id: str, timeout: float) -> str:
    end = time.monotonic() + timeout
    while True:
        state = _state(client.get_job_status(job_id))
        if state in TERMINAL or time.monotonic() >= end:
            return state
        time.sleep(0.5)


def stop(job_id: str, *, address: str | None = None, wait: float = 60.0) -> SweepStatus:
    """Stop a submitted sweep gracefully and wait (up to ``wait`` s) until it has stopped.

    Ray sends the driver SIGTERM; the driver interrupts the running trials (they are retried
    with the same params when the sweep is submitted again), writes its outputs and exits.
    Ray kills it after ``RAY_JOB_STOP_WAIT_TIME_S`` (3 s by default, set on the head node)
    even if it has not finished; no completed trial is lost either way.

    Example:
        >>> stop("hpsearch-svm-digits-...", address="http://127.0.0.1:8265")  # doctest: +SKIP
    """
    client = _client(address)
    _info(client, job_id)
    client.stop_job(job_id)
    _wait(client, job_id, wait)
    return _status_of(client, _info(client, job_id))


def fetch(
    job_id: str,
    destination: str | os.PathLike[str],
    *,
    address: str | None = None,
    report: bool = True,
    timeout: float = 300.0,
) -> list[Path]:
    """Copy a submitted sweep's files (study, trials.csv, best.yaml, logs) into ``destination``.

    A short export job on the head node packs the sweep directory and prints it into its log,
    which comes back through the job API: no shared filesystem is needed. Works while the sweep
    runs (a snapshot) and after. ``destination`` is then a sweep directory like any other:
    ``hpsearch trials``, ``best`` and ``report`` read it; with ``report``, ``report.html`` is
    written from the fetched study. Trial checkpoints (``trials/``) stay on the cluster.

    Example:
        >>> fetch(job, "results/", address="http://127.0.0.1:8265")  # doctest: +SKIP
    """
    client = _client(address)
    meta = _info(client, job_id).metadata or {}
    if meta.get(META_ROLE) != "sweep":
        raise ConfigError(f"job {job_id!r} is not a sweep submitted by hpsearch", path="job")
    args = ["python", "-m", "hpsearch.cluster._job", "export", "--name", meta[META_NAME]]
    if meta.get(META_STORAGE):
        args += ["--storage", meta[META_STORAGE]]
    export_id = f"{job_id}-fetch-{secrets.token_hex(3)}"
    client.submit_job(
        entrypoint=shlex.join(args), submission_id=export_id, metadata={META_ROLE: "fetch"}
    )
    state = _wait(client, export_id, timeout)
    text = client.get_job_logs(export_id)
    with contextlib.suppress(Exception):
        if state in TERMINAL:
            client.delete_job(export_id)
    if state != "SUCCEEDED":
        raise ConfigError(f"fetching {job_id} failed ({state}): {_last_error(text)}", path="job")
    destination = Path(destination)
    files = unpack_archive(text, destination)
    if report and (destination / "study.journal").exists():
        files.append(_write_report(destination))
    return files


def _write_report(directory: Path) -> Path:
    """report.html for a fetched sweep directory (the one adapter onto the report package)."""
    return Path(write_report([open_sweep(directory)], SweepDirectory(directory).report_file))
