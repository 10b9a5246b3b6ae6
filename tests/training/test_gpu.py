"""The trainer on CUDA with bf16 autocast (runs only where a GPU is; skipped elsewhere)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hpsearch.objectives._datasets import load_dataset  # noqa: E402
from hpsearch.training import PreparedData, TrainConfig, train  # noqa: E402

pytestmark = [
    pytest.mark.torch,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def test_bf16_training_on_cuda_lowers_the_loss_and_resumes():
    ds = load_dataset("sklearn:digits")
    data = PreparedData.build(ds.X, ds.y, ds.task, {"split": 0.2, "seed": 0})
    cfg = TrainConfig(epochs=8, hidden_sizes=(256, 256), batch_size=64, lr=0.003, amp="bf16")
    result = train(cfg, data, input_shape=(64,), device="cuda:0")
    losses = [epoch["train_loss"] for epoch in result.history]
    assert losses[-1] < 0.5 * losses[0]
    assert result.metrics["accuracy"] > 0.9
    assert next(result.models[0].parameters()).device.type == "cuda"
