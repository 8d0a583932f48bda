"""The plotting helpers draw what they are given (the book's figures rely on them)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vog  # noqa: E402


def test_percentile_bars_and_intervals_are_in_percent_at_the_bucket_centres():
    fig, ax = plt.subplots()
    upper = np.array([25.0, 50.0, 75.0, 100.0])
    error = np.array([0.1, 0.2, 0.3, 0.4])
    low, high = error - 0.05, error + np.array([0.01, 0.02, 0.03, 0.04])
    vog.analysis.percentile_error_plot(ax, upper, error, baseline=0.25, low=low, high=high)
    bars = ax.patches
    assert [round(b.get_height(), 9) for b in bars] == [10.0, 20.0, 30.0, 40.0]
    centres = [b.get_x() + b.get_width() / 2 for b in bars]
    np.testing.assert_allclose(centres, [12.5, 37.5, 62.5, 87.5])
    (container,) = ax.containers[1:]  # the bars, then the error bars
    segments = container.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segments], [5, 15, 25, 35])
    np.testing.assert_allclose([s[1][1] for s in segments], [11, 22, 33, 44])
    (dashed,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert list(dashed.get_ydata()) == [25.0, 25.0]  # the baseline, in percent
    plt.close(fig)


def test_percentile_plot_refuses_half_an_interval_or_a_wrong_shape():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="both low and high"):
        vog.analysis.percentile_error_plot(ax, [50, 100], [0.1, 0.2], low=[0.0, 0.1])
    with pytest.raises(ValueError, match="shape of error"):
        vog.analysis.percentile_error_plot(ax, [50, 100], [0.1, 0.2], low=[0.0], high=[0.2, 0.3])
    plt.close(fig)
