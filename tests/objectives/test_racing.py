"""Fold racing decisions, without fitting any model."""

from __future__ import annotations

import pytest

from hpsearch.errors import ConfigError
from hpsearch.objectives._racing import FoldRace, ParetoRace, RacingRule


def race(goal="maximize", n_folds=5, **rule):
    return FoldRace(RacingRule(**rule), goal=goal, n_folds=n_folds)


def test_no_decision_before_a_config_completed_or_before_min_folds():
    r = race(min_folds=3)
    assert not r.should_stop([0.1, 0.1, 0.1])  # nothing completed yet
    r.record([0.9, 0.92, 0.91, 0.93, 0.9])
    assert not r.should_stop([0.1, 0.1])  # 2 folds < min_folds
    assert r.should_stop([0.1, 0.1, 0.1])


def test_median_rule_allows_a_config_within_one_std_of_the_best():
    r = race()
    r.record([0.90, 0.94, 0.92, 0.96, 0.93])  # std ~0.02
    assert not r.should_stop([0.90, 0.93])  # 0.005 below the best on these folds
    assert r.should_stop([0.85, 0.86])


def test_the_best_completed_config_is_the_reference_and_goal_is_respected():
    r = race(goal="minimize")
    r.record([0.5, 0.5, 0.5, 0.5, 0.5])
    r.record([0.2, 0.21, 0.2, 0.19, 0.2])  # better (smaller)
    r.record([0.9, 0.9, 0.9, 0.9, 0.9])  # worse: not the reference
    assert r.best.tolist() == [0.2, 0.21, 0.2, 0.19, 0.2]
    assert r.should_stop([0.4, 0.45])
    assert not r.should_stop([0.19, 0.2])


def test_wilcoxon_needs_every_fold_worse_and_enough_folds():
    r = race(rule="wilcoxon")
    r.record([0.9, 0.9, 0.9, 0.9, 0.9, 0.9][:5])
    assert not r.should_stop([0.5, 0.5, 0.5])  # p = 0.125 with 3 folds
    assert r.should_stop([0.5, 0.5, 0.5, 0.5])  # p = 0.0625
    assert not r.should_stop([0.5, 0.95, 0.5, 0.5])  # one fold better


def test_never_after_the_last_fold_and_never_with_rule_none():
    r = race(n_folds=3)
    r.record([0.9, 0.9, 0.9])
    assert not r.should_stop([0.1, 0.1, 0.1])
    off = race(rule="none")
    off.record([0.9] * 5)
    assert not off.should_stop([0.1, 0.1, 0.1])


def test_from_spec_defaults_depend_on_the_number_of_folds():
    assert RacingRule.from_spec(None, n_folds=5) == RacingRule()
    assert RacingRule.from_spec(None, n_folds=2).rule == "none"
    assert RacingRule.from_spec(True, n_folds=5).rule == "median"
    assert RacingRule.from_spec("wilcoxon", n_folds=5).rule == "wilcoxon"
    assert RacingRule.from_spec({"rule": "median", "min_folds": 3}, n_folds=5).min_folds == 3


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"rule": "bogus"}, r"objective.racing.rule: unknown racing rule 'bogus'; allowed"),
        (
            {"min_fold": 2},
            r"objective.racing.min_fold: unknown key 'min_fold' \(did you mean "
            r"'min_folds'\?\)",
        ),
        ({"p_value": 1.5}, r"objective.racing.p_value: must be a number between 0 and 1"),
        (3, r"objective.racing: must be a rule name"),
    ],
)
def test_bad_racing_specs(spec, match):
    with pytest.raises(ConfigError, match=match):
        RacingRule.from_spec(spec, n_folds=5)


def pareto_race(n_folds=4, **rule):
    goals = {"acc": "maximize", "time": "minimize"}
    return ParetoRace(RacingRule(**rule), goals=goals, n_folds=n_folds)


def test_pareto_race_stops_only_a_trial_dominated_on_every_metric():
    r = pareto_race()
    r.record({"acc": [0.90, 0.92, 0.91, 0.90], "time": [1.0, 1.1, 1.0, 1.05]})
    assert r.should_stop({"acc": [0.50, 0.52], "time": [3.0, 3.1]})
    # far less accurate but faster: a Pareto candidate, never stopped
    assert not r.should_stop({"acc": [0.50, 0.52], "time": [0.1, 0.1]})
    # slower but as accurate: within the noise on accuracy, not dominated
    assert not r.should_stop({"acc": [0.91, 0.91], "time": [5.0, 5.0]})


def test_pareto_race_any_completed_config_may_dominate_and_rules_still_apply():
    r = pareto_race(min_folds=3)
    r.record({"acc": [0.6, 0.6, 0.6, 0.6], "time": [0.1, 0.1, 0.1, 0.1]})
    r.record({"acc": [0.95, 0.95, 0.95, 0.95], "time": [2.0, 2.0, 2.0, 2.0]})
    worst = {"acc": [0.5, 0.5], "time": [3.0, 3.0]}
    assert not r.should_stop(worst)  # fewer than min_folds
    assert r.should_stop({k: [*v, v[-1]] for k, v in worst.items()})
    assert not pareto_race(rule="none").should_stop(worst)
