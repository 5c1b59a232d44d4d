"""minidl.plot.training: training curves (mean ± std over runs) and per-run final scores."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import minidl  # noqa: E402
from minidl.plot.training import plot_run_scores, plot_training_curves  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_reexported_by_minidl_plot():
    assert minidl.plot.plot_training_curves is plot_training_curves
    assert minidl.plot.plot_run_scores is plot_run_scores


def test_one_line_per_history_with_epochs_from_one():
    ax = plot_training_curves({"relu": [0.9, 0.5, 0.25], "tanh": [1.0, 0.75, 0.5]})
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["relu", "tanh"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [1.0, 0.75, 0.5])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["relu", "tanh"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "training loss"
    assert not ax.collections  # no band for a single run


def test_several_runs_give_their_mean_and_a_std_band():
    runs = [[1.0, 0.5], [3.0, 0.5], [2.0, 2.0]]  # means 2 and 1; sample stds 1 and sqrt(0.75)
    ax = plot_training_curves({"gelu": runs})
    (line,) = ax.get_lines()
    assert line.get_label() == "gelu (n=3)"
    np.testing.assert_allclose(line.get_ydata(), [2.0, 1.0])
    (band,) = ax.collections
    ys = band.get_paths()[0].vertices[:, 1]
    np.testing.assert_allclose([ys.min(), ys.max()],
                               [1.0 - np.sqrt(0.75), 3.0])


def test_draws_on_a_given_axes_with_log_scale_and_title():
    _, ax = plt.subplots()
    out = plot_training_curves({"a": [1.0, 0.1]}, ylabel="loss", title="t", logy=True, ax=ax)
    assert out is ax
    assert ax.get_yscale() == "log" and ax.get_title() == "t" and ax.get_ylabel() == "loss"
    ax.figure.canvas.draw()
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert {"0.1", "0.2", "0.5", "1"} <= labels  # plain numbers, not 10^{-1}


@pytest.mark.parametrize("histories, match", [
    ({}, "histories is empty"),
    ({"a": []}, "'a' must be a non-empty list"),
    ({"a": [[1.0, 2.0], [1.0]]}, "NumPy could not read it"),
    ({"a": [[[1.0]]]}, "shape \\(1, 1, 1\\)"),
])
def test_bad_histories_are_explained(histories, match):
    with pytest.raises(ValueError, match=r"plot_training_curves\(\): .*" + match):
        plot_training_curves(histories)


def test_logy_refuses_non_positive_values():
    with pytest.raises(ValueError, match=r"logy=True needs positive values, but 'tanh' contains -0.5"):
        plot_training_curves({"relu": [1.0, 0.5], "tanh": [0.5, -0.5]}, logy=True)


def test_run_scores_show_every_run_and_mean_with_std():
    ax = plot_run_scores({"relu": [0.9, 0.95, 1.0], "sigmoid": [0.8, 0.8]})
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    np.testing.assert_allclose(dots[0].get_ydata(), [0.9, 0.95, 1.0])
    np.testing.assert_allclose(dots[1].get_ydata(), [0.8, 0.8])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["relu", "sigmoid"]
    bars = [c for c in ax.collections if isinstance(c, matplotlib.collections.LineCollection)]
    segment = bars[0].get_segments()[0]  # the relu error bar: mean 0.95 ± sample std 0.05
    np.testing.assert_allclose(sorted(segment[:, 1]), [0.90, 1.0])
    assert ax.get_ylabel() == "test accuracy"


def test_run_scores_reject_empty_or_nested_input():
    with pytest.raises(ValueError, match=r"plot_run_scores\(\): scores is empty"):
        plot_run_scores({})
    with pytest.raises(ValueError, match=r"plot_run_scores\(\): 'a' must be a non-empty list"):
        plot_run_scores({"a": [[0.9, 0.8]]})
