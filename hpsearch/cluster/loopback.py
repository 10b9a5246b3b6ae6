"""``python -m hpsearch.cluster.loopback start ...``: ``ray start`` with every address on 127.0.0.1.

For trying a multi-node cluster on one machine (and for hpsearch's own tests). Ray 2.60's
``ray start`` rewrites ``127.0.0.1`` to the machine's network address: a head then binds its
servers to every interface, and a worker node started with ``--address=127.0.0.1:PORT`` looks
for the head on the network address. This wrapper keeps Ray's own node-address lookup on the
loopback address (what Ray does itself on macOS and Windows) and otherwise runs Ray's CLI
unchanged, with the same arguments. Token authentication stays on (``RAY_AUTH_MODE=token``
unless set); a head started without a token in ``~/.ray/auth_token`` makes one there, as
``ray get-auth-token --generate`` does. On a real cluster use ``ray start`` itself.

Example:
    python -m hpsearch.cluster.loopback start --head --port=6380 --dashboard-host=127.0.0.1
    python -m hpsearch.cluster.loopback start --address=127.0.0.1:6380 --num-cpus=2
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["LOOPBACK", "main"]

LOOPBACK = "127.0.0.1"


def _keep_on_loopback() -> None:
    """Point Ray's node-address lookup at 127.0.0.1 in this process and the ones it starts."""
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # children: loopback node address
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    from ray._common.network_utils import is_localhost
    from ray._private import ray_constants, services

    ray_constants.ENABLE_RAY_CLUSTER = True  # still allow `ray start --address` (a worker node)

    def node_ip_address(address: str | None = None) -> str:
        return LOOPBACK

    def resolve_ip_for_localhost(host: str) -> str:
        return LOOPBACK if is_localhost(host) else host

    services.get_node_ip_address = node_ip_address
    services.resolve_ip_for_localhost = resolve_ip_for_localhost


def _ensure_token() -> None:
    """In token mode, make the token a head hands its nodes where there is none yet (Ray's
    ``ray start --head`` refuses to start without one; only ``ray.init()`` makes it)."""
    from ray._private.authentication import authentication_token_setup

    authentication_token_setup.ensure_token_if_auth_enabled(None, create_token_if_missing=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run Ray's CLI (``ray ARGS...``) with node addresses kept on the loopback interface."""
    args = list(sys.argv[1:] if argv is None else argv)
    _keep_on_loopback()
    if args[:1] == ["start"] and "--head" in args:
        _ensure_token()
    from ray.scripts.scripts import main as ray_main

    sys.argv = ["ray", *args]
    try:
        ray_main()
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
