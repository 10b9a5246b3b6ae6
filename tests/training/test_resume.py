"""Per-epoch resumable training state: a trial stopped at epoch k continues from k and, with
``deterministic``, ends exactly as an uninterrupted run."""

from __future__ import annotations

import json

import pytest

from hpsearch.objectives._datasets import load_dataset
from hpsearch.training import PreparedData, TrainConfig, train
from hpsearch.training._resume import latest_state
from hpsearch.trial import Trial
from tests.training.conftest import make_objective

pytestmark = pytest.mark.torch

#: Knobs that keep state between epochs: Adam moments, dropout and input noise (global RNG),
#: batch norm running statistics, a plateau schedule, early stopping, two folds.
KNOBS = dict(
    epochs=7,
    hidden_sizes=(32,),
    batch_size=64,
    optimizer="adam",
    lr=0.01,
    dropout=0.2,
    input_noise=0.1,
    norm="batch",
    lr_schedule="plateau",
    plateau_patience=1,
    patience=5,
    min_delta=0.0,
)
NOT_REPRODUCIBLE = ("train_time_s", "latency_ms")


class NodeDied(Exception):
    """Stands for the machine going away in the middle of an epoch."""


class Reporter:
    """Records reports; dies when asked for a verdict at ``die_at``."""

    def __init__(self, die_at: int | None = None) -> None:
        self.die_at = die_at
        self.steps: list[int] = []
        self._last = 0

    def report(self, value: float, step: int) -> None:
        self.steps.append(step)
        self._last = step

    def should_prune(self) -> bool:
        if self.die_at is not None and self._last == self.die_at:
            raise NodeDied(f"killed in epoch {self._last}")
        return False


@pytest.fixture(scope="module")
def data() -> PreparedData:
    ds = load_dataset("sklearn:digits")
    return PreparedData.build(ds.X, ds.y, ds.task, {"folds": 2, "seed": 0})


def comparable(metrics: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in metrics.items() if k not in NOT_REPRODUCIBLE}


def test_resumed_run_continues_at_epoch_k_and_ends_like_an_uninterrupted_one(data, tmp_path):
    cfg = TrainConfig(**KNOBS)
    whole = train(cfg, data, input_shape=(64,), deterministic=True, trial=Reporter())
    state = tmp_path / "state"
    with pytest.raises(NodeDied, match="killed in epoch 4"):
        train(cfg, data, input_shape=(64,), deterministic=True, trial=Reporter(die_at=4),
              checkpoint_dir=state)  # fmt: skip
    saved = json.loads(latest_state(state).read_text())
    # epoch 4's state is written before its report (the node died while the driver answered)
    assert saved["loop"]["epochs_done"] == 4
    again = Reporter()
    resumed = train(cfg, data, input_shape=(64,), deterministic=True, trial=again,
                    checkpoint_dir=state, resume_from=state)  # fmt: skip
    assert again.steps == [5, 6, 7]  # continues after epoch k, not at 1
    assert comparable(resumed.metrics) == comparable(whole.metrics)
    assert resumed.history == whole.history
    assert resumed.best_epoch == whole.best_epoch
    for a, b in zip(resumed.models, whole.models):
        for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
            assert ka == kb and va.equal(vb)


def test_state_is_safetensors_and_json_pruned_to_the_last_epoch(data, tmp_path):
    train(TrainConfig(**{**KNOBS, "epochs": 3}), data, input_shape=(64,), checkpoint_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["epoch-0003.json", "epoch-0003.safetensors"]
    meta = json.loads((tmp_path / "epoch-0003.json").read_text())
    assert meta["tensors"] == "epoch-0003.safetensors" and len(meta["folds"]) == 2
    header_size = int.from_bytes((tmp_path / "epoch-0003.safetensors").read_bytes()[:8], "little")
    header = json.loads((tmp_path / "epoch-0003.safetensors").read_bytes()[8 : 8 + header_size])
    assert {"rng.torch", "rng.numpy", "fold1.generator"} <= set(header)
    assert any(k.startswith("fold0.optim.state.") for k in header)


def test_a_half_written_state_is_ignored_and_a_damaged_one_refused(data, tmp_path):
    cfg = TrainConfig(**{**KNOBS, "epochs": 2})
    train(cfg, data, input_shape=(64,), checkpoint_dir=tmp_path)
    (tmp_path / "epoch-0003.safetensors").write_bytes(b"torn")  # crashed before its JSON
    (tmp_path / ".epoch-0003.json.tmp").write_text("{")
    assert latest_state(tmp_path).name == "epoch-0002.json"
    blob = tmp_path / "epoch-0002.safetensors"
    raw = blob.read_bytes()
    blob.write_bytes(raw[:-1] + bytes([raw[-1] ^ 0xFF]))  # one flipped byte
    with pytest.raises(ValueError, match="damaged"):
        train(cfg, data, input_shape=(64,), resume_from=tmp_path)


def test_torch_objective_resumes_from_the_trial_offered_directory(tmp_path):
    objective = make_objective(epochs=5, deterministic=True, seed=3)
    params = {"lr": 0.02}
    whole = objective(params, Trial(0, params, checkpoint_dir=tmp_path / "whole"))
    assert latest_state(tmp_path / "whole").name == "epoch-0005.json"  # trial.checkpoint_dir
    with pytest.raises(NodeDied):
        objective(params, _DiesAt(2, directory=tmp_path / "t"))
    state = tmp_path / "t" / "resume"  # no checkpoint_dir offered: <trial directory>/resume
    assert json.loads(latest_state(state).read_text())["loop"]["epochs_done"] == 2
    resumed = objective(params, Trial(1, params, attempt=1, resume_from=state))
    assert comparable(resumed) == comparable(whole)


def test_checkpoint_false_writes_no_state(tmp_path):
    objective = make_objective(epochs=2, checkpoint=False)
    objective({"lr": 0.02}, Trial(0, checkpoint_dir=tmp_path / "state", directory=tmp_path / "t"))
    assert not (tmp_path / "state").exists()


class _DiesAt(Trial):
    """A trial whose worker dies while the driver answers epoch ``k``'s report."""

    def __init__(self, k: int, *, directory: object) -> None:
        super().__init__(0, {"lr": 0.02}, directory=directory)
        self._k = k

    def should_prune(self) -> bool:
        if self.last_step == self._k:
            raise NodeDied(f"killed in epoch {self._k}")
        return False
