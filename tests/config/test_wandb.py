"""The W&B sweep-file loader: real sweep files, every distribution, and the errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from hpsearch import load_space
from hpsearch.config import is_wandb_sweep
from hpsearch.errors import ConfigError
from hpsearch.space import Categorical, Constant, Float, Int, Prior

CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "wandb"
BROKEN = "Etheredge-Works__gloves__wandb_sweep.yaml"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared W&B corpus is absent")


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.name for p in CORPUS.glob("*.yaml"))


def load_corpus(name: str):
    return load_space(CORPUS / name)


def sweep(parameters: dict, **top) -> dict:
    return {"method": "random", **top, "parameters": parameters}


def one(spec: dict, **top):
    """The single dimension a one-parameter W&B sweep loads into."""
    return load_space(sweep({"x": spec}, **top)).space["x"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return path


# -- the real files ---------------------------------------------------------------------------
@needs_corpus
def test_corpus_has_sixteen_files():
    assert len(corpus_files()) == 16
    assert BROKEN in corpus_files()


@needs_corpus
@pytest.mark.parametrize("name", [n for n in corpus_files() if n != BROKEN])
def test_corpus_file_loads_and_round_trips(name):
    space = load_corpus(name)
    assert space.strategy.name in ("grid", "random", "bayes")
    assert space.objective is not None and space.objective["type"] == "command"
    assert load_space(space.to_dict()) == space
    sample = space.space.sample(np.random.default_rng(0))
    assert space.space.contains(sample)


@needs_corpus
def test_corpus_duplicate_key_is_rejected_with_its_line():
    with pytest.raises(ConfigError, match=r"duplicate key 'values' \(first at line 14\)") as err:
        load_corpus(BROKEN)
    assert err.value.line == 15
    assert err.value.file.endswith(BROKEN)
    assert "parameters.epochs.values" in str(err.value)


@needs_corpus
def test_colehurwitz_log_uniform_takes_natural_log_bounds():
    space = load_corpus("colehurwitz__llm_bci__sweep_bayes.yaml")
    lr = space.space["optimizer.lr"]
    assert isinstance(lr, Float) and lr.log
    assert lr.low == pytest.approx(1e-5, rel=1e-6)
    assert lr.high == pytest.approx(0.05, rel=1e-6)
    assert space.space["optimizer.wd"].low == pytest.approx(math.exp(-15.7232658369))
    assert space.space["optimizer.warmup_epochs"] == Int("optimizer.warmup_epochs", 0, 25)
    dropout = space.space["neural_encoder.embedder.dropout"]
    assert isinstance(dropout, Float) and (dropout.low, dropout.high) == (0.0, 0.6)
    assert space.space["neural_encoder.norm_and_noise.normalize"].choices == (False, True)
    assert space.pruner == {"type": "hyperband", "min_resource": 20, "reduction_factor": 2}
    assert space.metrics[0].name == "test_epoch_PER" and space.metrics[0].goal == "minimize"
    assert space.objective == {
        "type": "command",
        "program": "pretrain.py",
        "command": ["python", "${program}", "-c", "sweep_base_config.yaml"],
    }
    assert space.name == "test_sweep"


@needs_corpus
def test_karapostk_log_uniform_values_run_cap_and_nested_constants():
    space = load_corpus(
        "karapostK__hassaku__conf__sweeps__protomf__uiprotomf_lfm2b2020_sweep_conf.yaml"
    )
    assert space.space["lr"] == Float("lr", 5e-4, 2e-3, log=True)
    assert space.space["wd"] == Float("wd", 1e-5, 5e-3, log=True)
    assert space.space["embedding_dim"] == Int("embedding_dim", 64, 256)
    assert space.space["running_settings.train_n_workers"] == Constant(
        "running_settings.train_n_workers", 8
    )
    assert space.space["running_settings.batch_verbose"].value is True
    assert space.budget.trials == 50
    assert space.name == "uiprotomf-lfm2b2020-sweep"
    assert space.metrics[0].goal == "maximize"


@needs_corpus
def test_pfenninglab_dotted_exponent_numbers_and_no_metric():
    space = load_corpus("pfenninglab__cnn_pipeline__sweep-config.yaml")
    assert space.space["lr_init"] == Float("lr_init", 6e-5, 5e-3, log=True)
    assert space.space["lr_exp_decay_per_epoch"] == Float("lr_exp_decay_per_epoch", 0.75, 0.98)
    assert space.space["num_conv_layers"].choices == (1, 2, 3, 4, 5)
    assert space.strategy.name == "random"
    assert space.objective["command"] == [
        "${env}", "${interpreter}", "${program}", "-config", "config-base.yaml", "${args}"
    ]  # fmt: skip


@needs_corpus
def test_dhruvdcoder_q_uniform_without_q_is_an_int():
    space = load_corpus("dhruvdcoder__wandb-allennlp__examples__configs__wandb_sweep_nli_lstm.yaml")
    assert space.space["overrides.model.input_size"] == Int("overrides.model.input_size", 100, 500)
    assert space.space["overrides.model.projection_size"].low == 50
    lr = space.space["overrides.trainer.optimizer.lr"]
    assert lr.log and lr.low == pytest.approx(math.exp(-7)) and lr.high == pytest.approx(1.0)
    assert space.space["overrides.model.bidirectional"].value == "true"
    assert "objective" in space.to_dict() and "command" not in space.objective


@needs_corpus
def test_yiphei_nested_parameters_become_dotted_names():
    space = load_corpus(
        "yiphei__yif-AI__transformer_dropout__sweep_configs__harry_potter_new_sub_4.yaml"
    )
    lr = space.space["model_config.learned_dropout_config.A_param_config.lr"]
    assert isinstance(lr, Categorical)
    assert lr.choices == (0.1, 0.01, 1, 10, None)
    assert space.space["model_config.learned_dropout_config.B_param_config.lr"].choices[0] == 6e-4
    assert space.space["model_config.n_layer"] == Constant("model_config.n_layer", 4)
    assert space.space["model_config.bias"].value is False
    assert space.space["lr"].choices == (6e-4, 6e-5, 6e-3)
    assert space.budget.trials == 500
    assert "model_config" not in space.space


@needs_corpus
def test_pibborn_categorical_of_lists():
    space = load_corpus("Pibborn__neural-sr__sweep-config.yaml")
    hidden = space.space["hidden_layers"]
    assert hidden.grid_values()[0] == [] and hidden.grid_values()[-1] == [100, 80, 60, 40, 20, 10]
    assert len(hidden.choices) == 9
    assert space.space["epoch"].choices == (100,)
    assert space.space["regularization"] == Float("regularization", 5e-5, 2e-4)


@needs_corpus
def test_desy_command_and_net_arch_lists():
    space = load_corpus("desy-ml__rl-vs-bo__sweep.yaml")
    assert space.objective["command"] == ["${env}", "python3", "${program}", "${args}"]
    assert space.objective["program"] == "train.py"
    assert space.space["net_arch"].grid_values() == [[32, 32], [400, 300], [800, 600]]
    assert space.metrics[0].name == "rollout/ep_rew_mean"
    assert space.metrics[0].goal == "maximize"
    assert space.name == "First Sweep"


@needs_corpus
def test_hyperband_mappings():
    sensorium = load_corpus("sensorium-competition__IBL_MtM_model__wandb_sweep.yaml")
    assert sensorium.pruner == {"type": "hyperband", "min_resource": 25, "reduction_factor": 2}
    assert sensorium.space["masking_ratio"] == Float("masking_ratio", 0.1, 0.7, log=True)
    rpatrik = load_corpus("rpatrik96__nl-causal-representations__sweeps__sweep.yaml")
    assert rpatrik.pruner == {"type": "hyperband", "min_resource": 10, "reduction_factor": 3}
    assert rpatrik.strategy.name == "grid"
    assert rpatrik.space["model.qr"].choices == (1e-3, 1e-2, 1e-1)
    assert "program" not in rpatrik.objective
    magma = load_corpus("Aleph-Alpha__magma__sweep.yaml")
    assert magma.pruner == {"type": "hyperband", "min_resource": 300, "reduction_factor": 3}
    assert magma.space["image_enc_lr"] == Float("image_enc_lr", 5e-7, 2e-6)


@needs_corpus
def test_openbioml_keeps_command_macros_verbatim():
    space = load_corpus("OpenBioML__bio-chem-lm__sweeps__sweep.yaml")
    assert space.objective["command"][-1] == "${args_no_boolean_flags}"
    assert space.space["lr"] == Float("lr", 9e-6, 1e-3)
    assert space.space["prenorm"].choices == (False, True)
    assert space.space["wandb_entity"].value == "zanussbaum"


@needs_corpus
def test_grid_files_without_metric_and_constants():
    yaib = load_corpus("rvandewater__YAIB__wandb_sweep.yaml")
    assert yaib.strategy.name == "grid"
    assert yaib.space.grid_size() == 17 * 3 * 3 * 3
    leaf = load_corpus("benihime91__leaf-disease-classification-kaggle__sweep.yaml")
    assert leaf.space["mixmethod.conf_prob"].value == 0.5
    assert leaf.space["learning_rate"] == Constant("learning_rate", 0.003)
    assert leaf.space.grid_size() == 5
    hobbit = load_corpus("HobbitLong__SupContrast__sweeps__sweep.yaml")
    assert hobbit.space["rand_augment"].value == "None"
    assert hobbit.space["learning_rate"] == Float("learning_rate", 1e-4, 0.1)
    copt = load_corpus("WenkelF__copt__sweeps__sweep.yaml")
    assert copt.space["gnn.layers_mp"].choices == (4, 8)
    assert copt.objective["command"][-1] == "${args_no_hyphens}"


# -- every distribution ------------------------------------------------------------------------
def test_implicit_distributions():
    assert one({"values": ["a", "b"]}) == Categorical("x", ("a", "b"))
    assert one({"value": 3}) == Constant("x", 3)
    assert one({"min": 1, "max": 4}) == Int("x", 1, 4)
    assert one({"min": 1, "max": 4.0}) == Float("x", 1.0, 4.0)
    assert one({"min": "1e-5", "max": "1e-3"}) == Float("x", 1e-5, 1e-3)


def test_constant_and_categorical_with_probabilities():
    assert one({"distribution": "constant", "value": [1, 2]}) == Constant("x", [1, 2])
    dim = one({"distribution": "categorical", "values": [1, 2], "probabilities": [0.25, 0.75]})
    assert dim == Categorical("x", (1, 2), weights=(0.25, 0.75))
    dim = one({"values": ["a", "b"], "probabilities": [1, 3]})
    assert dim.weights == (1.0, 3.0)


def test_int_and_float_uniform():
    assert one({"distribution": "int_uniform", "min": 2, "max": 9}) == Int("x", 2, 9)
    assert one({"distribution": "uniform", "min": 0, "max": 1}) == Float("x", 0.0, 1.0)


def test_q_uniform():
    assert one({"distribution": "q_uniform", "min": 0, "max": 100, "q": 10}) == Int(
        "x", 0, 100, step=10
    )
    assert one({"distribution": "q_uniform", "min": 3, "max": 100, "q": 10}) == Int(
        "x", 10, 100, step=10
    )
    assert one({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25}) == Float(
        "x", 0.0, 1.0, step=0.25
    )
    dim = one({"distribution": "q_uniform", "min": 0.05, "max": 0.95, "q": 0.1})
    assert (dim.low, dim.high, dim.step) == (0.1, 0.9, 0.1)
    assert dim.grid_values()[:2] == [0.1, 0.2]


def test_log_uniform_variants():
    dim = one({"distribution": "log_uniform", "min": math.log(1e-4), "max": 0})
    assert dim.log and dim.low == pytest.approx(1e-4) and dim.high == 1.0
    assert one({"distribution": "log_uniform_values", "min": 1e-4, "max": 1}) == Float(
        "x", 1e-4, 1.0, log=True
    )
    dim = one({"distribution": "inv_log_uniform", "min": 0, "max": math.log(100)})
    assert dim.log and dim.low == pytest.approx(0.01) and dim.high == 1.0
    assert one({"distribution": "inv_log_uniform_values", "min": 0.01, "max": 1}) == Float(
        "x", 0.01, 1.0, log=True
    )


def test_q_log_uniform_becomes_log_int_or_log_float():
    dim = one({"distribution": "q_log_uniform", "min": math.log(32), "max": math.log(256)})
    assert dim == Int("x", 32, 256, log=True)
    dim = one({"distribution": "q_log_uniform_values", "min": 1, "max": 1000, "q": 1})
    assert dim == Int("x", 1, 1000, log=True)
    dim = one({"distribution": "q_log_uniform_values", "min": 5, "max": 1000, "q": 10})
    assert dim == Int("x", 10, 1000, log=True)
    dim = one({"distribution": "q_log_uniform_values", "min": 0.001, "max": 1, "q": 0.01})
    assert dim == Float("x", 0.01, 1.0, log=True)


def test_normal_family_carries_priors():
    dim = one({"distribution": "normal", "mu": 1, "sigma": 0.5})
    assert dim == Float("x", -1.0, 3.0, prior=Prior("normal", 1.0, 0.5))
    dim = one({"distribution": "normal"})
    assert (dim.low, dim.high) == (-4.0, 4.0)
    dim = one({"distribution": "normal", "mu": 0, "sigma": 1, "min": -1, "max": 2})
    assert (dim.low, dim.high) == (-1, 2)
    dim = one({"distribution": "q_normal", "mu": 10, "sigma": 2, "q": 1})
    assert dim == Int("x", 2, 18, prior=Prior("normal", 10.0, 2.0))
    dim = one({"distribution": "q_normal", "mu": 0, "sigma": 1, "q": 0.5})
    assert (dim.low, dim.high, dim.step) == (-4.0, 4.0, 0.5)
    dim = one({"distribution": "log_normal", "mu": 0, "sigma": 1})
    assert dim.log and dim.prior == Prior("log_normal", 0.0, 1.0)
    assert dim.low == pytest.approx(math.exp(-4)) and dim.high == pytest.approx(math.exp(4))
    dim = one({"distribution": "q_log_normal", "mu": 3, "sigma": 1, "q": 1})
    assert isinstance(dim, Int) and dim.log and dim.prior.kind == "log_normal"
    assert (dim.low, dim.high) == (1, math.floor(math.exp(7)))


def test_beta_family():
    dim = one({"distribution": "beta", "a": 2, "b": 5})
    assert dim == Float("x", 0.0, 1.0, prior=Prior("beta", 2.0, 5.0))
    dim = one({"distribution": "q_beta", "q": 0.1})
    assert dim.step == 0.1 and dim.prior == Prior("beta", 1.0, 1.0)
    assert len(dim.grid_values()) == 11
    assert one({"distribution": "q_beta"}) == Int("x", 0, 1, prior=Prior("beta", 1.0, 1.0))


def test_prior_dimensions_sample_inside_their_bounds():
    space = load_space(
        sweep(
            {
                "n": {"distribution": "normal", "mu": 0, "sigma": 1},
                "ln": {"distribution": "log_normal"},
                "b": {"distribution": "beta", "a": 0.5, "b": 0.5},
                "qn": {"distribution": "q_normal", "mu": 5, "sigma": 1, "q": 1},
            }
        )
    )
    rng = np.random.default_rng(7)
    for _ in range(200):
        assert space.space.contains(space.space.sample(rng))


def test_nested_parameters_and_dotted_keys():
    space = load_space(
        sweep(
            {
                "optimizer": {
                    "parameters": {"lr": {"min": 0.1, "max": 1.0}, "name": {"value": "adam"}}
                },
                "model.depth": {"values": [2, 4]},
                "outer": {"parameters": {"inner": {"parameters": {"x": {"value": 1}}}}},
            }
        )
    )
    assert space.space.names == ["optimizer.lr", "optimizer.name", "model.depth", "outer.inner.x"]


def test_top_level_mapping():
    space = load_space(
        {
            "name": "s",
            "description": "tries things",
            "method": "bayes",
            "project": "p",
            "entity": "e",
            "controller": {"type": "local"},
            "metric": {"name": "acc", "goal": "maximize", "target": 0.99, "impute": "worst"},
            "run_cap": 7,
            "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2, "strict": True},
            "program": "train.py",
            "parameters": {"x": {"values": [1, 2]}},
        }
    )
    assert (space.name, space.description) == ("s", "tries things")
    assert space.strategy.name == "bayes"
    assert space.metrics[0].goal == "maximize" and space.metrics[0].target == 0.99
    assert space.budget.trials == 7
    assert space.pruner == {
        "type": "hyperband",
        "min_resource": 3,
        "max_resource": 27,
        "reduction_factor": 3,
        "strict": True,
    }
    assert space.objective == {"type": "command", "program": "train.py"}


def test_hyperband_brackets_follow_wandb():
    def pruner(**et):
        return load_space(
            sweep(
                {"x": {"values": [1]}},
                metric={"name": "m"},
                early_terminate={"type": "hyperband", **et},
            )
        ).pruner

    assert pruner(max_iter=100, s=2, eta=3)["min_resource"] == 11  # int(100 / 9)
    assert pruner(max_iter=4, s=5, eta=2)["min_resource"] == 1  # stops once below 1
    both = pruner(min_iter=2, max_iter=50)
    assert (both["min_resource"], both["max_resource"]) == (2, 50)
    assert pruner(min_iter=1, eta=4)["reduction_factor"] == 4


def test_no_metric_is_fine_for_grid_and_random():
    for method in ("grid", "random"):
        space = load_space({"method": method, "parameters": {"x": {"values": [1, 2]}}})
        assert space.metrics[0].name == "value"


# -- detection ---------------------------------------------------------------------------------
def test_detection_by_shape():
    assert is_wandb_sweep({"method": "grid", "parameters": {}})
    assert is_wandb_sweep({"program": "a.py"})
    assert is_wandb_sweep({"parameters": {"x": {"values": [1, 2]}}})
    assert is_wandb_sweep({"parameters": {"g": {"parameters": {"x": {"value": 1}}}}})
    assert not is_wandb_sweep({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    # a native group whose members happen to be named like W&B keys
    assert not is_wandb_sweep(
        {
            "parameters": {
                "g": {
                    "a": {"type": "int", "low": 0, "high": 1},
                    "b": {"type": "int", "low": 0, "high": 1},
                }
            }
        }
    )
    # a native file with one spec missing its type stays native (and gets the native error)
    assert not is_wandb_sweep(
        {"parameters": {"x": {"values": [1]}, "y": {"type": "int", "low": 0, "high": 1}}}
    )
    assert not is_wandb_sweep({"strategy": "tpe", "parameters": {"x": {"values": [1]}}})
    assert not is_wandb_sweep(["method"])
    assert not is_wandb_sweep({"parameters": {"x": {"low": 0, "high": 1}}})


def test_wandb_shaped_params_without_method_explain_both_formats():
    with pytest.raises(
        ConfigError, match=r"method: missing: .*needs method: grid, random or bayes"
    ):
        load_space({"parameters": {"x": {"values": [1, 2]}}})


def test_native_file_with_a_missing_type_gets_the_native_error():
    with pytest.raises(ConfigError, match=r"parameters\.x: missing 'type'"):
        load_space(
            {"parameters": {"x": {"values": [1]}, "y": {"type": "int", "low": 0, "high": 1}}}
        )


# -- errors ------------------------------------------------------------------------------------
def test_unknown_top_level_key_has_did_you_mean():
    with pytest.raises(
        ConfigError, match=r"unknown W&B sweep key 'run_capp' \(did you mean 'run_cap'\?\)"
    ):
        load_space(sweep({"x": {"values": [1]}}, run_capp=3))


def test_mixing_native_keys_is_explained():
    with pytest.raises(
        ConfigError, match=r"strategy: unknown W&B sweep key.*do not mix the two formats"
    ):
        load_space(sweep({"x": {"values": [1]}}, strategy="tpe"))


def test_unknown_parameter_key_and_distribution():
    with pytest.raises(
        ConfigError,
        match=r"parameters\.x\.valuess: unknown key 'valuess' \(did you mean 'values'\?\)",
    ):
        one({"valuess": [1, 2]})
    with pytest.raises(
        ConfigError,
        match=r"parameters\.x\.distribution: unknown distribution 'log_unifrom' "
        r"\(did you mean 'log_uniform'\?\)",
    ):
        one({"distribution": "log_unifrom", "min": 0, "max": 1})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.type: unknown key 'type'.*W&B parameters have no 'type'"
    ):
        load_space({"method": "grid", "parameters": {"x": {"type": "int", "low": 0, "high": 2}}})
    with pytest.raises(
        ConfigError,
        match=r"parameters\.g\.parameters\.y\.mx: unknown key 'mx' \(did you mean 'max'\?\)",
    ):
        one_nested = {"g": {"parameters": {"y": {"min": 0, "mx": 1}}}}
        load_space(sweep(one_nested))


def test_distribution_key_checks():
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.values: is not used by distribution 'uniform'"
    ):
        one({"distribution": "uniform", "min": 0, "max": 1, "values": [1]})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.max: missing: distribution 'uniform' needs min and max"
    ):
        one({"distribution": "uniform", "min": 0})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.max: missing: a range needs both min and max"
    ):
        one({"min": 0})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.distribution: missing: mu, sigma need a distribution"
    ):
        one({"mu": 0, "sigma": 1})
    with pytest.raises(ConfigError, match=r"parameters\.x: is empty"):
        one({})
    with pytest.raises(
        ConfigError,
        match=r"parameters\.x\.other: a parameter with nested 'parameters' takes no other keys",
    ):
        one({"parameters": {"y": {"value": 1}}, "other": 1})


def test_value_errors():
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.min: must be less than max \(1\), got 5"
    ):
        one({"min": 5, "max": 1})
    with pytest.raises(ConfigError, match=r"parameters\.x\.min: must be a number, got 'abc'"):
        one({"min": "abc", "max": 1})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.min: must be > 0 for log_uniform_values"
    ):
        one({"distribution": "log_uniform_values", "min": 0, "max": 1})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.max: must be an integer for int_uniform, got 2\.5"
    ):
        one({"distribution": "int_uniform", "min": 0, "max": 2.5})
    with pytest.raises(ConfigError, match=r"parameters\.x\.q: must be > 0"):
        one({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.q: no multiple of q = 10 lies between 1 and 9"
    ):
        one({"distribution": "q_uniform", "min": 1, "max": 9, "q": 10})
    with pytest.raises(ConfigError, match=r"parameters\.x\.sigma: must be > 0"):
        one({"distribution": "normal", "sigma": 0})
    with pytest.raises(ConfigError, match=r"parameters\.x\.a: must be > 0"):
        one({"distribution": "beta", "a": 0})
    with pytest.raises(ConfigError, match=r"parameters\.x\.values: must be a non-empty list"):
        one({"values": []})
    with pytest.raises(
        ConfigError, match=r"parameters\.x\.probabilities: must be a list of 2 numbers"
    ):
        one({"values": [1, 2], "probabilities": [1]})
    with pytest.raises(ConfigError, match=r"parameters\.x: must be a mapping"):
        one(3)
    with pytest.raises(
        ConfigError,
        match=r"parameters\.a\.parameters\.b: parameter 'a\.b' is defined twice "
        r"\(also at parameters\.a\.b\)",
    ):
        load_space(sweep({"a.b": {"value": 1}, "a": {"parameters": {"b": {"value": 2}}}}))


def test_method_metric_and_objective_errors():
    params = {"x": {"values": [1]}}
    with pytest.raises(
        ConfigError, match=r"method: unknown method 'grdi' \(did you mean 'grid'\?\)"
    ):
        load_space({"method": "grdi", "parameters": params})
    with pytest.raises(ConfigError, match=r"method: 'custom' .* is not supported"):
        load_space({"method": "custom", "parameters": params})
    with pytest.raises(ConfigError, match=r"^metric: missing: a bayes sweep needs a metric"):
        load_space({"method": "bayes", "parameters": params})
    with pytest.raises(
        ConfigError, match=r"metric\.gaol: unknown key 'gaol' \(did you mean 'goal'\?\)"
    ):
        load_space(sweep(params, metric={"name": "m", "gaol": "maximize"}))
    with pytest.raises(ConfigError, match=r"metric\.goal: must be minimize or maximize"):
        load_space(sweep(params, metric={"name": "m", "goal": "up"}))
    with pytest.raises(
        ConfigError, match=r"command: uses \$\{program\} but the file gives no program"
    ):
        load_space(sweep(params, command=["python", "${program}"]))
    with pytest.raises(ConfigError, match=r"command: item 1 must be a string"):
        load_space(sweep(params, command=["python", {"a": 1}]))
    with pytest.raises(ConfigError, match=r"run_cap: must be a positive integer"):
        load_space(sweep(params, run_cap=0))
    with pytest.raises(ConfigError, match=r"parameters: missing"):
        load_space({"method": "grid"})


def test_early_terminate_errors():
    params = {"x": {"values": [1]}}
    metric = {"name": "m"}
    with pytest.raises(
        ConfigError,
        match=r"early_terminate\.type: unknown early_terminate type 'hyperbnd' "
        r"\(did you mean 'hyperband'\?\)",
    ):
        load_space(
            sweep(params, metric=metric, early_terminate={"type": "hyperbnd", "min_iter": 3})
        )
    with pytest.raises(ConfigError, match=r"early_terminate\.s: missing: max_iter needs s"):
        load_space(
            sweep(params, metric=metric, early_terminate={"type": "hyperband", "max_iter": 9})
        )
    with pytest.raises(
        ConfigError, match=r"early_terminate: hyperband needs min_iter, or max_iter and s"
    ):
        load_space(sweep(params, metric=metric, early_terminate={"type": "hyperband"}))
    with pytest.raises(ConfigError, match=r"early_terminate\.eta: must be >= 2"):
        load_space(
            sweep(
                params,
                metric=metric,
                early_terminate={"type": "hyperband", "min_iter": 1, "eta": 1.5},
            )
        )
    with pytest.raises(ConfigError, match=r"early_terminate\.max_iter: max_iter / eta is below 1"):
        load_space(
            sweep(
                params, metric=metric, early_terminate={"type": "hyperband", "max_iter": 2, "s": 1}
            )
        )
    with pytest.raises(
        ConfigError,
        match=r"early_terminate\.mni_iter: unknown key 'mni_iter' \(did you mean 'min_iter'\?\)",
    ):
        load_space(
            sweep(params, metric=metric, early_terminate={"type": "hyperband", "mni_iter": 3})
        )
    with pytest.raises(ConfigError, match=r"early_terminate: needs a metric"):
        load_space(sweep(params, early_terminate={"type": "hyperband", "min_iter": 3}))


def test_grid_over_a_continuous_parameter_names_it():
    with pytest.raises(
        ConfigError,
        match=r"parameters\.lr: a grid sweep needs a finite set of values, "
        r"but 'lr' is continuous \(uniform\)",
    ):
        load_space({"method": "grid", "parameters": {"lr": {"min": 0.1, "max": 1.0}}})
    with pytest.raises(
        ConfigError,
        match=r"parameters\.g\.parameters\.lr\.distribution: "
        r".*'g\.lr' is continuous \(log_uniform_values\)",
    ):
        load_space(
            {
                "method": "grid",
                "parameters": {
                    "g": {
                        "parameters": {
                            "lr": {"distribution": "log_uniform_values", "min": 0.1, "max": 1.0}
                        }
                    }
                },
            }
        )
    space = load_space(
        {
            "method": "grid",
            "parameters": {
                "n": {"min": 1, "max": 3},
                "q": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.5},
            },
        }
    )
    assert space.space.grid_size() == 9


# -- line numbers ------------------------------------------------------------------------------
def test_errors_point_at_the_wandb_line(tmp_path):
    text = """\
method: random
parameters:
  a:
    values: [1, 2]
  lr:
    distribution: log_unifrom
    min: 1
    max: 2
"""
    with pytest.raises(
        ConfigError, match=r"sweep\.yaml:6: parameters\.lr\.distribution: unknown distribution"
    ) as err:
        load_space(write(tmp_path, text))
    assert err.value.line == 6


def test_native_loader_errors_keep_wandb_lines(tmp_path):
    text = """\
method: random
parameters:
  opt:
    parameters:
      kind:
        values: [sgd, sgd]
"""
    with pytest.raises(
        ConfigError,
        match=r"sweep\.yaml:5: parameters\.opt\.kind\.choices\[1\]: duplicate choice 'sgd'",
    ):
        load_space(write(tmp_path, text))
    text = """\
method: random
metric:
  name: loss
  goal: upward
parameters:
  x:
    value: 1
"""
    with pytest.raises(
        ConfigError, match=r"sweep\.yaml:4: metric\.goal: must be minimize or maximize"
    ):
        load_space(write(tmp_path, text))
    text = """\
method: grid
parameters:
  x:
    values: [1]
  lr:
    min: 0.1
    max: 1.0
"""
    with pytest.raises(ConfigError, match=r"sweep\.yaml:5: parameters\.lr: a grid sweep"):
        load_space(write(tmp_path, text))


def test_yaml_numbers_and_round_trip(tmp_path):
    text = """\
program: train.py
method: bayes
metric: {name: loss}
parameters:
  lr: {distribution: log_uniform_values, min: 1e-5, max: 1e-1}
  wd: {min: 1e-6, max: 1e-2}
  depth: {distribution: q_uniform, min: 2, max: 12, q: 2}
"""
    space = load_space(write(tmp_path, text))
    assert space.space["lr"] == Float("lr", 1e-5, 1e-1, log=True)
    assert space.space["wd"] == Float("wd", 1e-6, 1e-2)
    assert space.space["depth"] == Int("depth", 2, 12, step=2)
    assert space.name == "sweep"
    assert load_space(space.to_dict()) == space
