"""The ``hpsearch`` command line: thin; each command maps to one public Python function.

Exit codes: 0 success, 1 when every trial failed, 2 for bad input (one line, no traceback),
130 when interrupted (the sweep stays resumable).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hpsearch.errors import ConfigError, ObjectiveError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from hpsearch._version import __version__

    parser = argparse.ArgumentParser(
        prog="hpsearch", description="Hyperparameter search from one space file."
    )
    parser.add_argument("--version", action="version", version=f"hpsearch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a space file and summarize it")
    p.add_argument("file")

    p = sub.add_parser("convert", help="print the native equivalent of a (W&B) space file")
    p.add_argument("file")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")

    for name, help_text, target in (
        ("run", "run a sweep (continues it when its directory already holds one)", "file"),
        ("resume", "continue the sweep stored in a directory", "dir"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument(target)
        p.add_argument("--trials", type=int, help="trial budget (overrides the file)")
        p.add_argument("--timeout", help="time budget, e.g. 90, 30m, 2h")
        p.add_argument("--strategy", help="grid, random, sobol, tpe, gp, skopt, nsga2 or bayes")
        p.add_argument("--seed", type=int)
        p.add_argument("--workers", type=int, help="trials at once (processes or Ray actors)")
        if name == "run":
            p.add_argument("--out", help="sweep directory (default runs/<name>)")
        p.add_argument("--executor", choices=("local", "ray", "tune"))
        p.add_argument(
            "--address", help="Ray cluster address (default: RAY_ADDRESS or a local Ray instance)"
        )
        p.add_argument("--storage", help="Optuna storage URL instead of the journal file")
        p.add_argument("--quiet", action="store_true", help="no progress output")
        p.add_argument("--no-report", action="store_true", help="skip report.html")

    p = sub.add_parser("best", help="print the best config of a sweep")
    p.add_argument("dir")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")

    p = sub.add_parser("trials", help="print a sweep's trial table")
    p.add_argument("dir")
    p.add_argument("--top", type=int, help="only the K best complete trials")

    p = sub.add_parser("report", help="write an HTML report of one or several sweeps")
    p.add_argument("dirs", nargs="+")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="output file (default: DIR/report.html for one sweep, report.html for several)",
    )
    p.add_argument("--images", action="store_true", help="also write static images (kaleido)")

    p = sub.add_parser(
        "retrain", help="train the final model of a torch sweep with its best config"
    )
    p.add_argument("dir")
    p.add_argument("--out", help="where to save the model (default DIR/final)")
    p.add_argument(
        "--ensemble",
        action="store_true",
        help="train the members of DIR/ensemble.yaml instead (default --out DIR/final_ensemble)",
    )

    p = sub.add_parser(
        "ensemble", help="build an ensemble from a sweep's stored out-of-fold predictions"
    )
    p.add_argument("dir")
    p.add_argument(
        "--size",
        type=int,
        help="greedy rounds (default 25), or how many best trials average (5) or stack (10) use",
    )
    p.add_argument("--method", choices=("greedy", "average", "stack"), default="greedy")
    p.add_argument("--seed", type=int, default=0, help="seed of the nested estimate's splits")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hpsearch`` console script."""
    args = _parser().parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args) or 0)
    except (ConfigError, ObjectiveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: the sweep is saved; continue it with `hpsearch resume DIR`",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        return 0


def _validate(args: argparse.Namespace) -> int:
    from hpsearch.space import load_space
    from hpsearch.space._describe import describe_space

    space = load_space(args.file)
    print(describe_space(space))
    return 0


def _convert(args: argparse.Namespace) -> int:
    import json

    import yaml

    from hpsearch.space import load_space

    space = load_space(args.file)
    if args.format == "json":
        print(json.dumps(space.to_dict(), indent=2))
    else:
        print(yaml.safe_dump(space.to_dict(), sort_keys=False, allow_unicode=True), end="")
    return 0


def _sweep_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "trials": args.trials,
        "timeout": args.timeout,
        "strategy": args.strategy,
        "seed": args.seed,
        "workers": args.workers,
        "executor": args.executor,
        "address": args.address,
        "storage": args.storage,
        "progress": "quiet" if args.quiet else None,
        "report": not args.no_report,
    }


def _run(args: argparse.Namespace) -> int:
    from hpsearch.sweep import run

    if args.trials is not None and args.trials < 1:
        raise ConfigError(f"--trials must be >= 1, got {args.trials}")
    result = run(args.file, out=args.out, **_sweep_kwargs(args))
    return _finish(result, quiet=args.quiet)


def _resume(args: argparse.Namespace) -> int:
    from hpsearch.sweep import resume

    result = resume(args.dir, **_sweep_kwargs(args))
    return _finish(result, quiet=args.quiet)


def _finish(result: Any, *, quiet: bool) -> int:
    from hpsearch.sweep._summary import print_summary

    if not quiet:
        print_summary(result)
    if (
        len(result.trials)
        and result.n_complete == 0
        and not (result.trials["state"] == "PRUNED").any()
    ):
        print(
            f"error: every trial failed; see {result.directory / 'trials.csv'} and "
            f"{result.directory / 'logs'}",
            file=sys.stderr,
        )
        return 1
    return 0


def _best(args: argparse.Namespace) -> int:
    from hpsearch.sweep._outputs import best_as

    print(best_as(args.dir, args.format), end="")
    return 0


def _trials(args: argparse.Namespace) -> int:
    import pandas as pd

    path = Path(args.dir) / "trials.csv"
    if not path.exists():
        raise ConfigError(f"no trials.csv in {args.dir}", file=str(path))
    table = pd.read_csv(path)
    if args.top:
        from hpsearch.space import load_space
        from hpsearch.sweep._outputs import summary_frame

        space = load_space(Path(args.dir) / "space.yaml")
        table = summary_frame(table, list(space.metrics), top=args.top)
    with pd.option_context(
        "display.max_rows", None, "display.max_columns", None, "display.width", 200
    ):
        print(table.to_string(index=False))
    return 0


def _report(args: argparse.Namespace) -> int:
    from hpsearch.report import write_report
    from hpsearch.storage._load import load_record

    records = [load_record(d) for d in args.dirs]
    if args.output:
        output = Path(args.output)
    elif len(args.dirs) == 1:
        output = Path(args.dirs[0]) / "report.html"
    else:
        output = Path("report.html")
    path = write_report(records, output, images=args.images)
    print(f"wrote {path}")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    if args.ensemble:
        from hpsearch.ensemble import retrain_ensemble

        print(f"saved {retrain_ensemble(args.dir, out=args.out)}")
        return 0
    from hpsearch.training import retrain

    path = retrain(args.dir, out=args.out)
    print(f"saved {path}")
    return 0


def _ensemble(args: argparse.Namespace) -> int:
    from hpsearch.ensemble import build_ensemble

    result = build_ensemble(args.dir, size=args.size, method=args.method, seed=args.seed)
    print(result.summary())
    print(f"wrote {result.directory / 'ensemble.yaml'}")
    return 0


_COMMANDS = {
    "validate": _validate,
    "convert": _convert,
    "run": _run,
    "resume": _resume,
    "best": _best,
    "trials": _trials,
    "report": _report,
    "retrain": _retrain,
    "ensemble": _ensemble,
}

if __name__ == "__main__":
    sys.exit(main())
