"""GPU packing: one trial per GPU against 4 and 8 trials sharing it, for small torch models.

Each setting runs the same sweep (built-in torch trainer, bf16 autocast, a 40,000 x 64
synthetic classification problem, an MLP of 2 x 512) through ``executor: ray`` with
``resources: {cpu: 1, gpu: F}`` on a local Ray instance that sees the machine's GPUs, and
samples GPU utilisation (``nvidia-smi``) while it runs. Reported: trials per hour, mean GPU
utilisation, and the ratio to one trial per GPU. Run::

    python -m benchmarks.gpu_packing            # about 3 minutes on one GPU
    python -m benchmarks.gpu_packing --quick    # a smoke run (under a minute)

Without a CUDA GPU it says so and exits 2. The table goes between the ``gpu-packing``
markers of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
FRACTIONS = (1.0, 0.25, 0.125)


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's dataset (``objective.dataset: benchmarks.gpu_packing:make_data``)."""
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=40_000, n_features=64, n_informative=32, n_classes=4, random_state=0
    )


def space(fraction: float, trials: int, epochs: int) -> dict[str, Any]:
    return {
        "name": f"gpu-packing-{fraction:g}",
        "objective": {
            "type": "torch",
            "dataset": "benchmarks.gpu_packing:make_data",
            "validation": {"split": 0.2, "seed": 0},
            "epochs": epochs,
            "early_stopping": False,
            "amp": "bf16",
            "device": "cuda",
            "checkpoint": False,
            "params": {"hidden_sizes": [512, 512], "batch_size": 256},
        },
        "metric": {"name": "accuracy", "goal": "maximize"},
        "strategy": {"name": "random", "seed": 0},
        "budget": {"trials": trials},
        "execution": {"executor": "ray", "resources": {"cpu": 1, "gpu": fraction}},
        "parameters": {"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True}},
    }


class GpuSampler:
    """Mean utilisation (%) of the visible GPUs, from ``nvidia-smi`` every half second."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                capture_output=True,
                text=True,
            ).stdout.split()
            if out:
                self.samples.append(float(np.mean([float(v) for v in out])))

    def __enter__(self) -> GpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mean(self) -> float:
        return float(np.mean(self.samples)) if self.samples else float("nan")


def run_setting(fraction: float, trials: int, epochs: int, gpus: int) -> dict[str, Any]:
    import hpsearch

    workers = max(1, round(gpus / fraction))
    with tempfile.TemporaryDirectory(prefix="hps-gpu-") as tmp, GpuSampler() as sampler:
        start = time.time()
        result = hpsearch.run(
            space(fraction, trials, epochs),
            workers=workers,
            out=Path(tmp) / "sweep",
            report=False,
            progress="quiet",
        )
        wall = time.time() - start
    return {
        "fraction": fraction,
        "workers": workers,
        "trials": int(result.n_complete),
        "wall_s": wall,
        "trials_per_hour": 3600 * result.n_complete / wall,
        "gpu_util": sampler.mean,
        "best_accuracy": result.best_value,
    }


def render(rows: list[dict[str, Any]], plan: dict[str, Any]) -> str:
    base = rows[0]["trials_per_hour"]
    lines = [
        f"_`python -m benchmarks.gpu_packing{' --quick' if plan['quick'] else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {plan['gpu']} x{plan['gpus']}, "
        f"{plan['trials']} trials of {plan['epochs']} epochs each (MLP 2x512, bf16 autocast, "
        "40,000 x 64 samples)._",
        "",
        "| gpu per trial | trials at once | wall | trials/hour | vs one per GPU "
        "| mean GPU util | best accuracy |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['fraction']:g} | {r['workers']} | {r['wall_s']:.1f} s "
            f"| {r['trials_per_hour']:.0f} | {r['trials_per_hour'] / base:.2f}x "
            f"| {r['gpu_util']:.0f}% | {r['best_accuracy']:.4f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available() or shutil.which("nvidia-smi") is None:
        print("error: benchmarks.gpu_packing needs a CUDA GPU and nvidia-smi", file=sys.stderr)
        return 2
    gpus = torch.cuda.device_count()
    plan = {
        "quick": args.quick,
        "gpu": torch.cuda.get_device_name(0),
        "gpus": gpus,
        "trials": 8 if args.quick else 24,
        "epochs": 2 if args.quick else 4,
    }
    os.environ.setdefault("PYTHONPATH", str(HERE.parent))  # the dataset function, in workers
    rows = [run_setting(f, plan["trials"], plan["epochs"], gpus) for f in FRACTIONS]
    body = render(rows, plan)
    print(body)
    (HERE / "results").mkdir(exist_ok=True)
    name = f"gpu_packing{'_quick' if args.quick else ''}.json"
    (HERE / "results" / name).write_text(json.dumps({"plan": plan, "rows": rows}, indent=1))
    if not args.no_write:
        from benchmarks.quality.report import write_section

        write_section(HERE / "RESULTS.md", "gpu-packing", body, heading="## GPU packing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
