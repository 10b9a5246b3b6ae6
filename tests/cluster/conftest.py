"""A real Ray cluster on loopback: a head and worker nodes as separate ``ray start`` processes.

Each node gets free ports, its own temp directory and its own ``--resources``; the head runs the
dashboard and job server on 127.0.0.1. Nodes are started through
``python -m hpsearch.cluster.loopback start`` (Ray's own CLI with node addresses kept on
127.0.0.1) and killed with SIGKILL, the way a machine dies. Each node's processes are found by
its temp directory (in their command lines) and their parent links.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hpsearch import cli

collect_ignore = ["project", "torch_project"]  # the shipped sweep project, not tests

#: Faster node-death detection than Ray's defaults (a dead node is noticed in ~3 s, not ~30 s).
HEAD_ENV = {
    "RAY_health_check_initial_delay_ms": "1000",
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
    "HPSEARCH_STATUS_INTERVAL": "1",
    "RAY_JOB_STOP_WAIT_TIME_S": "10",
}


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Node:
    name: str
    temp_dir: Path
    index: int
    args: list[str] = field(default_factory=list)


def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) for every process we can read."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            raw = (stat.parent / "cmdline").read_bytes()
            cmd = raw.replace(b"\0", b" ").decode(errors="ignore")
        except (OSError, IndexError, ValueError):
            continue
        table[int(stat.parent.name)] = (ppid, cmd)
    return table


def processes_of(marker: str) -> set[int]:
    """Processes whose command line holds ``marker``, and all their descendants."""
    table = _proc_table()
    found = {pid for pid, (_, cmd) in table.items() if marker in cmd}
    frontier = list(found)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    found.discard(os.getpid())
    return found


def _socket_inodes(pids: set[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    return inodes


def _decode(hex_address: str) -> str:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        return f"{socket.inet_ntop(socket.AF_INET, raw[::-1])}:{int(port, 16)}"
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return f"[{socket.inet_ntop(socket.AF_INET6, words)}]:{int(port, 16)}"


def listening_addresses(pids: set[int]) -> list[str]:
    """The TCP addresses ``pids`` listen on, read from /proc/net/tcp and tcp6."""
    inodes = _socket_inodes(pids)
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    found.append(_decode(fields[1]))
    return found


def is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    return host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1")


class LoopbackCluster:
    """Starts a head and worker nodes with ``ray start`` on 127.0.0.1; kills them by SIGKILL."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.nodes: list[Node] = []
        self.killed: list[Node] = []
        self.gcs_port = 0
        self.dashboard_port = 0

    @property
    def dashboard(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    def _node_args(
        self, temp_dir: Path, num_cpus: int, resources: Mapping[str, float]
    ) -> list[str]:
        manager, objects, agent, agent_grpc, env_agent, metrics = free_ports(6)
        return [
            f"--temp-dir={temp_dir}",
            f"--node-manager-port={manager}",
            f"--object-manager-port={objects}",
            f"--dashboard-agent-listen-port={agent}",
            f"--dashboard-agent-grpc-port={agent_grpc}",
            f"--runtime-env-agent-port={env_agent}",
            f"--metrics-export-port={metrics}",
            f"--num-cpus={num_cpus}",
            f"--resources={json.dumps(dict(resources))}",
            "--object-store-memory=80000000",
            "--disable-usage-stats",
        ]

    def _start(self, node: Node, extra_env: Mapping[str, str]) -> subprocess.Popen[str]:
        node.temp_dir.mkdir(parents=True)
        env = {**os.environ, **extra_env, "HPSEARCH_TEST_NODE": str(node.index)}
        env.pop("RAY_ADDRESS", None)
        cmd = [sys.executable, "-m", "hpsearch.cluster.loopback", "start", *node.args]
        return subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    @staticmethod
    def _wait(proc: subprocess.Popen[str], what: str, timeout: float = 300) -> None:
        out, _ = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{what} did not start (exit {proc.returncode}):\n{out[-3000:]}")

    def _bring_up(self, node: Node, extra_env: Mapping[str, str], attempts: int = 3) -> None:
        """Start ``node``; on a loaded machine Ray's fixed 30 s start-up wait can run out, so
        a node that did not come up is killed, cleaned away and started again."""
        for attempt in range(attempts):
            try:
                self._wait(self._start(node, extra_env), f"node {node.name}")
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                for pid in processes_of(str(node.temp_dir)):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                shutil.rmtree(node.temp_dir, ignore_errors=True)
                if attempt == attempts - 1:
                    raise

    def start(
        self,
        *,
        head_cpus: int,
        workers: Mapping[str, int],
        extra: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        """The head (resource ``head``), then the workers (resource = their name, plus
        ``extra[name]``), one after the other."""
        self.gcs_port, self.dashboard_port, client = free_ports(3)
        head = Node("head", self.root / "head", 0)
        head.args = [
            "--head",
            f"--port={self.gcs_port}",
            "--dashboard-host=127.0.0.1",
            f"--dashboard-port={self.dashboard_port}",
            f"--ray-client-server-port={client}",
            *self._node_args(head.temp_dir, head_cpus, {"head": 1}),
        ]
        self.nodes.append(head)
        self._bring_up(head, HEAD_ENV)
        for i, (name, cpus) in enumerate(workers.items(), start=1):
            node = Node(name, self.root / name, i)
            node.args = [
                f"--address=127.0.0.1:{self.gcs_port}",
                *self._node_args(node.temp_dir, cpus, {name: 1, **(extra or {}).get(name, {})}),
            ]
            self.nodes.append(node)
            self._bring_up(node, {})

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def processes(self, node: Node | None = None) -> set[int]:
        return processes_of(str(node.temp_dir) if node else str(self.root))

    def kill(self, node: Node) -> None:
        """SIGKILL every process of ``node``: the machine is gone."""
        for pid in self.processes(node):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.killed.append(node)

    @property
    def alive(self) -> list[Node]:
        return [n for n in self.nodes if n not in self.killed]

    def everything(self) -> set[int]:
        """Every process of the cluster, the head's Ray client proxy included (its command
        line names the head's address, not a node's folder)."""
        return self.processes() | processes_of(f"--address=127.0.0.1:{self.gcs_port}")

    def stop(self) -> None:
        for node in reversed(self.nodes):
            self.kill(node)
        end = time.monotonic() + 10
        while (left := self.everything()) and time.monotonic() < end:
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)


@pytest.fixture(scope="session")
def loopback_cluster() -> Iterator[LoopbackCluster]:
    """Head (1 CPU) and worker nodes ``node_a``, ``node_b`` (1 CPU and one ``trainer``
    resource each), all on 127.0.0.1."""
    pytest.importorskip("ray")
    pytest.importorskip("ray.dashboard")
    root = Path(tempfile.mkdtemp(prefix="hps-", dir="/tmp"))
    cluster = LoopbackCluster(root)
    try:
        trainer = {"trainer": 1.0}
        cluster.start(
            head_cpus=1,
            workers={"node_a": 1, "node_b": 1},
            extra={"node_a": trainer, "node_b": trainer},
        )
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(autouse=True)
def _token_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    """``RAY_AUTH_MODE=token``, as a user exports it (the token is in ~/.ray/auth_token).

    Ray caches the mode when it first reads its config; a CLI process reads the variable at
    start, this test process has long started, so Ray's config is refreshed too.
    """
    from ray._private.authentication import authentication_token_setup

    monkeypatch.delenv("RAY_API_SERVER_ADDRESS", raising=False)
    authentication_token_setup._enable_token_auth()


def hp(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``hpsearch ARGS`` in-process; return its stdout (exit code must be 0)."""
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, f"hpsearch {' '.join(args)} exited {code}: {err.strip()}"
    return out


def wait_for(capsys, cluster: LoopbackCluster, job: str, done, limit: float = 180.0) -> str:
    """Poll ``hpsearch status JOB`` until ``done(line)``; returns that line."""
    end = time.monotonic() + limit
    while True:
        line = hp(capsys, "status", job, "--address", cluster.dashboard).splitlines()[0]
        if done(line):
            return line
        assert time.monotonic() < end, f"gave up waiting; last status: {line}"
        time.sleep(0.5)
