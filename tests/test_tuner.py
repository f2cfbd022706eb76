"""Katib's rules as the tuner implements them, without a server; and the API's validation of a tuning."""

from __future__ import annotations

import pytest

from jupyter_easymaker.tuner import rules
from jupyter_easymaker.tuner.space import SpaceError, grid_points, grid_size, parse_space
from jupyter_easymaker.tuner.suggest import STRATEGIES, Past, suggest


def spec(name: str, kind: str, low=None, high=None, step=None, values=None) -> dict:
    return {
        "hyperparameterName": name, "hyperparameterTypeCode": kind, "hyperparameterMinValue": low,
        "hyperparameterMaxValue": high, "hyperparameterStep": step, "hyperparameterSpecifiedValues": values,
    }  # fmt: skip


def test_grid_values_as_katib_enumerates_them():
    space = parse_space([
        spec("lr", "double", "0.1", "0.35", "0.1"), spec("n", "int", "1", "6", "2"), spec("k", "int", "1", "3"),
        spec("opt", "categorical", values="sgd, adam"), spec("bs", "discrete", values="16,32"),
    ])  # fmt: skip
    assert [p.grid() for p in space] == [
        ["0.1", "0.2", "0.3"], ["1", "3", "5"], ["1", "2", "3"], ["sgd", "adam"], ["16", "32"]]  # fmt: skip
    assert grid_size(space) == 3 * 3 * 3 * 2 * 2 == len(grid_points(space))
    assert list(grid_points(space)[0]) == ["bs", "k", "lr", "n", "opt"], "GridSampler orders axes by name"
    with pytest.raises(SpaceError, match="GRID needs its step"):
        parse_space([spec("lr", "double", "0", "1")])[0].grid()


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (spec("a", "int", "5", "1"), "hyperparameterMaxValue", "below min"),
        (spec("a", "int", "1.5", "3"), "hyperparameterMinValue", "not an integer"),
        (spec("a", "double", None, "3"), "hyperparameterMinValue", "give its min"),
        (spec("a", "discrete", values="1,x"), "hyperparameterSpecifiedValues", "not a number"),
        (spec("a", "categorical", values=" , "), "hyperparameterSpecifiedValues", "comma-separated"),
        (spec("a", "double", "0", "1", "-1"), "hyperparameterStep", "greater than 0"),
    ],
)
def test_bad_specs_name_their_field(bad, field, message):
    with pytest.raises(SpaceError, match=message) as caught:
        parse_space([bad])
    assert caught.value.field == field


def test_metric_strategies():
    assert [rules.extract([3.0, 1.0, 2.0], s) for s in ("min", "max", "latest")] == [1.0, 3.0, 2.0]
    assert rules.extract([], "min") is None
    assert rules.default_strategy(maximize=True) == "max" and rules.default_strategy(maximize=False) == "min"


def test_median_rule_is_katibs_mean_of_early_averages():
    succeeded = [[1.0, 3.0, 100.0], [2.0, 2.0], [], [5.0]]
    assert rules.median_rule(succeeded, min_trials=4, start_step=2) is None, "a trial without values does not count"
    assert rules.median_rule(succeeded, min_trials=3, start_step=2) == pytest.approx((2.0 + 2.0 + 5.0) / 3)


def test_should_stop_compares_the_best_so_far_from_start_step():
    # minimizing: stop when the best value so far is greater than the rule, from the start_step-th report on
    assert not rules.should_stop([9.0, 9.0], rule=5.0, start_step=3, maximize=False), "before start_step"
    assert rules.should_stop([9.0, 9.0, 9.0], rule=5.0, start_step=3, maximize=False)
    assert not rules.should_stop([4.0, 9.0, 9.0], rule=5.0, start_step=3, maximize=False), "best so far is 4"
    assert rules.should_stop([0.1, 0.2, 0.3], rule=0.5, start_step=1, maximize=True)
    assert not rules.should_stop([0.1, 0.6], rule=0.5, start_step=2, maximize=True)


def test_optimal_trial_and_goal():
    assert rules.optimal([None, 3.0, 1.0, 1.0], maximize=False, goal=1.0) == rules.Optimal(2, 1.0, True)
    assert rules.optimal([0.5, 0.9], maximize=True, goal=0.95) == rules.Optimal(1, 0.9, False)
    assert rules.optimal([None], maximize=True, goal=None) == rules.Optimal(None, None, False)


def test_completion_checks_in_katibs_order():
    many_failed = rules.Counts(succeeded=5, failed=3)
    assert rules.verdict(many_failed, True, False, 5, 1) == (True, "GoalReached"), "goal first"
    assert rules.verdict(many_failed, False, False, 5, 2) == (False, "MaxFailedTrialsReached"), "then max failed"
    assert rules.verdict(rules.Counts(failed=2), False, False, 5, 2) is None, "failed must exceed the maximum"
    assert rules.verdict(many_failed, False, True, 8, 3) == (True, "MaxTrialsReached"), "then max trials"
    early = rules.Counts(succeeded=1, killed=1, early_stopped=1)
    assert rules.verdict(early, False, False, 3, None) == (True, "MaxTrialsReached"), "every final trial counts"
    assert rules.verdict(rules.Counts(succeeded=2, active=1), False, True, None, None) is None
    assert rules.verdict(rules.Counts(succeeded=3), False, True, None, None) == (True, "SuggestionEndReached")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_suggestions_depend_only_on_seed_and_history(strategy):
    space = parse_space([spec("x", "double", "0", "1", "0.25"), spec("n", "int", "1", "8", "1"),
                         spec("opt", "categorical", values="sgd,adam")])  # fmt: skip
    history: list[Past] = []
    for round_ in range(6):
        found = suggest(strategy, space, 3, False, history, 2)
        again = suggest(strategy, space, 3, False, history, 2)
        assert [s.params for s in found] == [s.params for s in again], "a restart would ask the same"
        assert len(found) == 2
        for s in found:
            assert set(s.params) == {"x", "n", "opt"} and s.params["opt"] in ("sgd", "adam")
            assert 1 <= int(s.params["n"]) <= 8 and float(s.params["x"]) in (0, 0.25, 0.5, 0.75, 1)
        history += [Past(s.params, "complete", float(s.params["x"]) * int(s.params["n"]), s.attrs) for s in found]
        if round_ == 2:
            history.append(Past(found[0].params, "failed"))


def test_grid_never_repeats_and_ends():
    space = parse_space([spec("n", "int", "1", "3"), spec("opt", "categorical", values="a,b")])
    history: list[Past] = []
    while found := suggest("GRID", space, 0, True, history, 4):
        history += [Past(s.params, "running") for s in found]
    assert sorted(tuple(sorted(p.params.items())) for p in history) == sorted(
        tuple(sorted(p.items())) for p in grid_points(space))  # fmt: skip


@pytest.mark.parametrize("strategy", ["RANDOM", "TPE", "BAYESIAN_OPTIMIZATION"])
def test_random_states_give_unrelated_sequences(strategy):
    space = parse_space([spec("x", "double", "0", "1")])

    def sequence(seed: int) -> list[str]:
        history: list[Past] = []
        for _ in range(4):
            (found,) = suggest(strategy, space, seed, False, history, 1)
            history.append(Past(found.params, "complete", float(found.params["x"])))
        return [p.params["x"] for p in history]

    first, second = sequence(0), sequence(1)
    assert not set(first) & set(second), "random state 1 must not replay random state 0"
