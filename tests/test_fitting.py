"""Lesson 03 helpers: the exact least-squares optimum, knots and slopes, the batched trainer
(torch and brute force as oracles), and smoke tests of the figures and the explorer."""
from __future__ import annotations

import io
import itertools
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import minidl  # noqa: E402
import minidl.functional as F  # noqa: E402
from minidl import fitting, nn, optim  # noqa: E402
from minidl.data import quadratic  # noqa: E402

X, Y = (a.astype(np.float64).ravel() for a in quadratic())


def torch_net(params: dict, negative_slope: float | None = None) -> torch.nn.Sequential:
    """A float64 torch Sequential(Linear(1, H), ReLU or LeakyReLU, Linear(H, 1)) with `params`."""
    h = params["0.bias"].size
    act = torch.nn.ReLU() if negative_slope is None else torch.nn.LeakyReLU(negative_slope)
    net = torch.nn.Sequential(torch.nn.Linear(1, h), act, torch.nn.Linear(h, 1)).double()
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.from_numpy(np.asarray(params[name], dtype=np.float64).reshape(p.shape)))
    return net


def torch_lstsq_mse(columns: list[np.ndarray], y: np.ndarray) -> tuple[np.ndarray, float]:
    A = torch.tensor(np.column_stack(columns))
    t = torch.tensor(y)[:, None]
    coef = torch.linalg.lstsq(A, t, driver="gelsd").solution
    return coef[:, 0].numpy(), float(((A @ coef - t) ** 2).mean())


def random_params(rng, h: int) -> dict:
    return {"0.weight": rng.normal(size=(h, 1)), "0.bias": rng.normal(size=h),
            "2.weight": rng.normal(size=(1, h)), "2.bias": rng.normal(size=1)}


# --------------------------------------------------------------------------- least squares
def test_hinge_basis_columns():
    A = fitting.hinge_basis(np.array([0.0, 1.0, 2.0]), [0.5, 1.5], [1, -1])
    np.testing.assert_array_equal(A, [[1, 0, 1.5], [1, 0.5, 0.5], [1, 1.5, 0]])


@pytest.mark.parametrize("signs", list(itertools.product((1, -1), repeat=2)))
def test_fit_kinks_fixed_signs_matches_torch_lstsq(signs):
    k = (0.3, 1.4)
    fit = fitting.fit_kinks(X, Y, k, signs)
    cols = [np.ones_like(X)] + [np.maximum(s * (X - kk), 0) for s, kk in zip(signs, k)]
    coef, mse = torch_lstsq_mse(cols, Y)
    assert fit.signs == signs and fit.mse == pytest.approx(mse, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose([fit.bias, *fit.weights], coef, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fit(X), np.column_stack(cols) @ coef, atol=1e-9)


def test_fit_kinks_tries_every_direction():
    k = (0.7, 1.1)
    by_pattern = [fitting.fit_kinks(X, Y, k, s).mse for s in itertools.product((1, -1), repeat=2)]
    assert fitting.fit_kinks(X, Y, k).mse == pytest.approx(min(by_pattern))


def test_fit_kinks_recovers_a_network_exactly():
    # c + v1 relu(x - k1) + v2 relu(k2 - x), the (→, ←) family
    y = 0.3 + 2.0 * np.maximum(X - 0.5, 0) - 1.5 * np.maximum(1.2 - X, 0)
    fit = fitting.fit_kinks(X, y, [0.5, 1.2])
    assert fit.signs == (1, -1) and fit.mse < 1e-20
    np.testing.assert_allclose([fit.bias, *fit.weights], [0.3, 2.0, -1.5], atol=1e-10)


def test_network_parameters_realise_the_fit_in_torch():
    fit = fitting.fit_kinks(X, Y, [0.4, 1.3], [-1, 1])
    net = torch_net(fit.network_parameters())
    out = net(torch.tensor(X)[:, None])[:, 0].detach().numpy()
    np.testing.assert_allclose(out, fit(X), atol=1e-12)
    assert np.mean((out - Y) ** 2) == pytest.approx(fit.mse, rel=1e-9)


def test_polyline_is_more_than_the_network_can_draw():
    # slopes 1, -1, 2: not flat anywhere, and the middle slope is not left + right
    y = X - 2 * np.maximum(X - 0.5, 0) + 3 * np.maximum(X - 1.5, 0)
    coef, mse = fitting.fit_polyline(X, y, [0.5, 1.5])
    assert mse < 1e-20
    np.testing.assert_allclose(coef, [0, 1, -2, 3], atol=1e-10)
    assert fitting.fit_kinks(X, y, [0.5, 1.5]).mse > 1e-3


def test_polyline_never_worse_than_network():
    rng = np.random.default_rng(0)
    for k in rng.uniform(0, 2, size=(20, 2)):
        assert fitting.fit_polyline(X, Y, k)[1] <= fitting.fit_kinks(X, Y, k).mse + 1e-12


# --------------------------------------------------------------------------- exact optimum
def test_best_one_kink_matches_brute_force():
    best = fitting.best_kink_fit(X, Y, n_hidden=1)
    brute = np.inf  # plain lstsq on a fine grid of knots, both directions
    for k in np.linspace(0, 2, 2001):
        for s in (1, -1):
            A = np.column_stack([np.ones_like(X), np.maximum(s * (X - k), 0)])
            brute = min(brute, np.mean((A @ np.linalg.lstsq(A, Y, rcond=None)[0] - Y) ** 2))
    assert best.mse <= brute + 1e-12
    assert best.mse == pytest.approx(brute, rel=1e-3)


def test_best_two_kinks_beats_every_sampled_pair_and_recovers_a_network():
    best = fitting.best_kink_fit(X, Y, grid=101)
    rng = np.random.default_rng(1)
    for k in rng.uniform(0, 2, size=(300, 2)):
        assert best.mse <= fitting.fit_kinks(X, Y, k).mse + 1e-12
    assert best.knots[0] <= best.knots[1]
    # a target a network draws exactly, with knots off every grid point
    y = 1.0 - 0.8 * np.maximum(0.537 - X, 0) + 1.7 * np.maximum(X - 1.333, 0)
    exact = fitting.best_kink_fit(X, y, grid=101)
    assert exact.mse < 1e-12


def test_gradient_descent_in_torch_never_beats_the_optimum():
    best = fitting.best_kink_fit(X, Y, grid=101)
    xt, yt = torch.tensor(X)[:, None], torch.tensor(Y)[:, None]
    for seed in range(2):
        torch.manual_seed(seed)
        net = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(),
                                  torch.nn.Linear(2, 1)).double()
        with torch.no_grad():  # start near the optimum so the run converges
            net[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
            net[0].bias.copy_(torch.tensor([-0.3, -1.1]) + 0.05 * torch.randn(2))
            net[2].weight.copy_(torch.tensor([[1.5, 1.5]]))
            net[2].bias.zero_()
        opt = torch.optim.Adam(net.parameters(), lr=0.02)
        for _ in range(300):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(xt), yt)
            loss.backward()
            opt.step()
        assert best.mse <= loss.item() + 1e-9
        assert loss.item() < 1.05 * best.mse  # and a good run gets close: the optimum is real


def test_best_kink_fit_fixed_signs_and_errors():
    flat_start = fitting.best_kink_fit(X, Y, signs=(1, 1), grid=101)
    flat_end = fitting.best_kink_fit(X, Y, signs=(-1, -1), grid=101)
    assert flat_start.signs == (1, 1) and flat_end.signs == (-1, -1)
    assert flat_start.mse < flat_end.mse  # x² is flat at 0, not at 2
    with pytest.raises(ValueError, match="best_kink_fit"):
        fitting.best_kink_fit(X, Y, n_hidden=4)
    with pytest.raises(ValueError, match="signs"):
        fitting.best_kink_fit(X, Y, signs=(1,))


def test_errors_name_the_function():
    with pytest.raises(ValueError, match=r"fit_kinks\(\).*must match"):
        fitting.fit_kinks(X, Y[:-1], [1.0])
    with pytest.raises(ValueError, match=r"hinge_basis\(\).*\+1 or -1"):
        fitting.hinge_basis(X, [1.0], [2])
    with pytest.raises(ValueError, match=r"network_output\(\).*missing"):
        fitting.network_output({"0.weight": np.ones((2, 1))}, X)
    with pytest.raises(ValueError, match=r"knots\(\)"):
        fitting.knots(np.ones((2, 1)), np.ones(3))


# --------------------------------------------------------------------------- reading a network
@pytest.mark.parametrize("negative_slope", [None, 0.01, 0.2])
def test_network_output_matches_torch(negative_slope):
    params = random_params(np.random.default_rng(2), 5)
    expected = torch_net(params, negative_slope)(torch.tensor(X)[:, None])[:, 0].detach().numpy()
    got = fitting.network_output(params, X, negative_slope=negative_slope or 0.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_knots_slopes_and_activity_match_torch():
    rng = np.random.default_rng(3)
    for _ in range(10):
        params = random_params(rng, 4)
        net = torch_net(params)
        k = fitting.knots(params["0.weight"], params["0.bias"])
        pre = net[0](torch.tensor(k)[:, None]).detach().numpy()
        np.testing.assert_allclose(np.diag(pre), 0, atol=1e-9)  # unit i is 0 at its knot
        edges, slopes = fitting.segment_slopes(params["0.weight"], params["0.bias"],
                                               params["2.weight"], 0.0, 2.0)
        assert edges[0] == 0 and edges[-1] == 2 and len(slopes) == len(edges) - 1
        mid = torch.tensor((edges[:-1] + edges[1:]) / 2, requires_grad=True)
        net(mid[:, None]).sum().backward()
        np.testing.assert_allclose(slopes, mid.grad.numpy(), rtol=1e-9, atol=1e-12)
        active = (net[0](torch.tensor(X)[:, None]) > 0).sum(0).numpy()
        np.testing.assert_array_equal(
            fitting.active_counts(params["0.weight"], params["0.bias"], X), active)


def test_knots_of_a_flat_unit_is_inf_and_a_dead_unit_counts_zero():
    assert np.isinf(fitting.knots([[0.0]], [1.0])[0])
    assert fitting.active_counts([[1.0], [-1.0]], [-3.0, -0.5], X).tolist() == [0, 0]


def test_leaky_fit_is_realised_by_a_leaky_network_in_torch():
    # leaky(|w| u) = |w| leaky(u): the knot/direction parametrisation holds for LeakyReLU too
    fit = fitting.fit_kinks(X, Y, [0.3, 1.1], negative_slope=0.1)
    assert fit.negative_slope == 0.1
    net = torch_net(fit.network_parameters(), negative_slope=0.1)
    out = net(torch.tensor(X)[:, None])[:, 0].detach().numpy()
    np.testing.assert_allclose(out, fit(X), atol=1e-12)
    assert np.mean((out - Y) ** 2) == pytest.approx(fit.mse, rel=1e-9)
    A = fitting.hinge_basis(np.array([0.0, 2.0]), [1.0], [1], negative_slope=0.1)
    np.testing.assert_allclose(A, [[1, -0.1], [1, 1.0]])


def test_best_leaky_fit_beats_sampled_pairs_and_the_relu_optimum():
    best = fitting.best_kink_fit(X, Y, grid=101, negative_slope=0.1)
    rng = np.random.default_rng(2)
    for k in rng.uniform(0, 2, size=(200, 2)):
        assert best.mse <= fitting.fit_kinks(X, Y, k, negative_slope=0.1).mse + 1e-12
    # LeakyReLU(0.1) hinges are not ReLU hinges: their best differs from ReLU's
    assert best.mse < fitting.best_kink_fit(X, Y, grid=101).mse


def test_snapshot_is_a_float64_copy():
    minidl.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))
    snap = fitting.snapshot(model)
    assert list(snap) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert snap["0.weight"].dtype == np.float64 and snap["0.weight"].shape == (3, 1)
    model[0].weight.data += 1
    assert not np.allclose(snap["0.weight"], model[0].weight.data)


# --------------------------------------------------------------------------- batched training
def loop_train(seed: int, negative_slope, epochs: int, hidden: int = 2):
    """The plain per-seed loop the notebook's `train` runs."""
    minidl.manual_seed(seed)
    act = nn.ReLU() if negative_slope is None else nn.LeakyReLU(negative_slope)
    model = nn.Sequential(nn.Linear(1, hidden), act, nn.Linear(hidden, 1))
    init = fitting.snapshot(model)
    opt = optim.Adam(model.parameters(), lr=0.05)
    x, y = quadratic()
    Xt, Yt = minidl.tensor(x), minidl.tensor(y)
    for _ in range(epochs):
        opt.zero_grad()
        F.mse_loss(model(Xt), Yt).backward()
        opt.step()
    return init, fitting.snapshot(model), F.mse_loss(model(Xt), Yt).item()


@pytest.mark.parametrize("negative_slope", [None, 0.01])
def test_train_seeds_equals_one_loop_per_seed(negative_slope):
    seeds = [0, 3, 55]
    runs = fitting.train_seeds(X, Y, seeds, hidden=3, negative_slope=negative_slope, epochs=60)
    assert runs.seeds == tuple(seeds) and runs.losses.shape == (3,)
    for i, seed in enumerate(seeds):
        init, final, loss = loop_train(seed, negative_slope, 60, hidden=3)
        for name in init:
            np.testing.assert_array_equal(runs.initial[i][name], init[name])
            np.testing.assert_allclose(runs.final[i][name], final[name], rtol=1e-4, atol=1e-5)
        assert runs.losses[i] == pytest.approx(loss, rel=1e-4)
    assert runs.curves.shape == (61, 3)
    np.testing.assert_array_equal(runs.curves[-1], runs.losses)


def test_train_seeds_curves_are_each_seeds_loss_per_epoch():
    runs = fitting.train_seeds(X, Y, [55], epochs=5)
    minidl.manual_seed(55)
    model = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    Xt, Yt = minidl.tensor(quadratic()[0]), minidl.tensor(quadratic()[1])
    for epoch in range(6):
        loss = F.mse_loss(model(Xt), Yt)
        assert runs.curves[epoch, 0] == pytest.approx(loss.item(), rel=1e-5)
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_train_seeds_matches_torch_adam():
    runs = fitting.train_seeds(X, Y, [55], epochs=100)
    net = torch_net(runs.initial[0]).float()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    xt, yt = (torch.from_numpy(a) for a in quadratic())
    for _ in range(100):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(xt), yt).backward()
        opt.step()
    assert runs.losses[0] == pytest.approx(
        torch.nn.functional.mse_loss(net(xt), yt).item(), rel=1e-3)


def test_train_seeds_dead_units_stay_dead():
    # seed 0 starts with both ReLU units inactive on all of [0, 2] (see the lesson)
    runs = fitting.train_seeds(X, Y, [0], epochs=50)
    for name in ("0.weight", "0.bias", "2.weight"):
        np.testing.assert_array_equal(runs.final[0][name], runs.initial[0][name])
    assert runs.losses[0] >= np.var(Y) - 1e-6  # a constant: no better than the mean


def test_train_seeds_errors():
    with pytest.raises(ValueError, match="train_seeds"):
        fitting.train_seeds(X, Y, [])
    with pytest.raises(ValueError, match="train_seeds"):
        fitting.train_seeds(X, Y[:10], [0])


# --------------------------------------------------------------------------- figures, widget
@pytest.fixture
def history():
    runs = fitting.train_seeds(X, Y, [55], epochs=20)
    return [(0, runs.initial[0], 2.09), (20, runs.final[0], float(runs.losses[0]))]


def test_figures_draw(history):
    plot = minidl.plot
    x, y = quadratic()
    params = history[-1][1]
    grid = np.linspace(0, 2, 41)
    z = np.multiply.outer(grid, params["0.weight"].ravel()) + params["0.bias"]
    h = np.maximum(z, 0)
    parts = h * params["2.weight"].ravel()
    out = parts.sum(1) + params["2.bias"][0]
    fig = plot.plot_relu_decomposition(grid, z, h, parts, out, x=x, y=y,
                                       knots=fitting.knots(params["0.weight"], params["0.bias"]),
                                       bias=params["2.bias"][0])
    assert len(fig.axes) == 3
    np.testing.assert_allclose(fig.axes[2].get_lines()[-1].get_ydata(), out)
    np.testing.assert_allclose(fig.axes[2].get_lines()[-1].get_ydata(),
                               fitting.network_output(params, grid))
    fig = plot.plot_training_snapshots(history, x, y, [0, 20])
    assert len(fig.axes) == 2 and "MSE" in fig.axes[1].get_title()
    with pytest.raises(ValueError, match="not recorded"):
        plot.plot_training_snapshots(history, x, y, [5])
    fig = plot.plot_seed_lottery({"ReLU": [1.4, 0.02], "LeakyReLU": [0.003]}, 0.0023, 0.01)
    assert fig.axes[0].get_yscale() == "log"
    fig = plot.plot_seed_lottery({"ReLU": [1.4, 0.02], "LeakyReLU": [0.003]},
                                 {"ReLU": 0.0023, "LeakyReLU": 0.0016}, 0.01)
    assert len(fig.axes[0].collections) == 2  # one short optimum line per column
    fig = plot.plot_mse_vs_width([1, 2, 4], [0.1, 0.01, 0.001], [0.2, 0.02, 0.002], {1: 0.05})
    assert len(fig.axes[0].get_lines()) == 3
    ax = plot.plot_kink_fit(x, y, fitting.fit_kinks(x, y, [0.5, 1.5]), 0.001)
    assert "0.50, 1.50" in ax.get_title()
    plt.close("all")


def test_animation_is_an_animated_png_that_plays_offline(history):
    from PIL import Image

    anim = minidl.plot.animate_training(history, *quadratic(), interval=300, last=2000)
    png, size = anim._repr_png_()  # what a notebook stores: image/png, shown without trust
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.n_frames == len(history) == anim.frames
    assert image.info["loop"] == 0  # loops forever
    assert size == {"width": 480, "height": 288}  # 6 x 3.6 inches at 80 dpi
    assert image.size == (960, 576)  # drawn at twice that: sharp on HiDPI screens
    frames = []
    for i in range(image.n_frames):
        image.seek(i)
        frames.append(np.asarray(image.convert("RGB")))
    assert (frames[0] != frames[-1]).any()
    assert (frames[0][2, 2] == 255).all()  # a white background, not a quantised grey
    assert repr(anim) == "<Animation: 2 frames, 480×288 px, 2.3 s per loop>"
    assert not plt.get_fignums()  # not a pyplot figure: no extra still in a notebook
    with pytest.raises(ValueError, match="empty"):
        minidl.plot.animate_training([], *quadratic())


def test_animate_saves_and_checks_frames(tmp_path):
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(2, 1))
    (line,) = fig.subplots().plot([0, 1], [0, 0])
    anim = minidl.plot.animate(fig, lambda i: line.set_ydata([0, i]), frames=3, interval=100)
    assert anim.durations == [100, 100, 2000]
    anim.save(tmp_path / "a.png")
    assert Image.open(tmp_path / "a.png").n_frames == 3
    with pytest.raises(ValueError, match=r"animate\(\): frames must be a whole number"):
        minidl.plot.animate(fig, lambda i: None, frames=0)


def test_kink_explorer_updates():
    box = minidl.widgets.kink_explorer(*quadratic(), knots=(0.5, 1.5))
    sliders = box.children[0].children
    assert [s.value for s in sliders] == [0.5, 1.5]
    sliders[0].value = 0.4  # redraws through fitting.fit_kinks without an error
    plt.close("all")


def test_import_fitting_stays_numpy_only():
    code = ("import sys, minidl.fitting; "
            "print(any(m in sys.modules for m in ('matplotlib', 'ipywidgets', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
