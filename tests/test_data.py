"""Shipped and generated data."""
import numpy as np
import pytest

import minidl


def test_load_digits_is_the_uci_set():
    X, y = minidl.data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    raw, _ = minidl.data.load_digits(scaled=False, images=True)
    assert raw.shape == (1797, 8, 8) and raw.max() == 16
    np.testing.assert_array_equal(raw.reshape(1797, 64) / 16, X)


def test_quadratic_and_curves():
    x, y = minidl.data.quadratic(n=5)
    assert x.shape == y.shape == (5, 1) and x.dtype == np.float32
    np.testing.assert_allclose(y, x ** 2, rtol=1e-6)
    a, b = minidl.data.sine(n=50, noise=0.1, seed=1), minidl.data.sine(n=50, noise=0.1, seed=1)
    np.testing.assert_array_equal(a[1], b[1])
    x, y = minidl.data.line_with_outliers(n=50, n_outliers=5)
    residual = y[:, 0] - (2 * x[:, 0] + 1)
    assert (residual > 10).sum() == 5
    with pytest.raises(ValueError, match=r"curve\(\): need n >= 1 and high > low"):
        minidl.data.quadratic(n=5, low=2, high=0)


def test_batches_cover_the_data_once_and_are_seeded():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    got = list(minidl.data.batches(X, y, batch_size=4, seed=0))
    assert [len(b[1]) for b in got] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in got]).tolist()) == list(range(10))
    again = list(minidl.data.batches(X, y, batch_size=4, seed=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(got, again))
    assert [b[1].tolist() for b in minidl.data.batches(X, y, 5, shuffle=False)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match=r"batches\(\): X has 10 rows but y has 3"):
        next(minidl.data.batches(X, y[:3]))


def test_train_test_split():
    X, y = minidl.data.load_digits()
    Xtr, Xte, ytr, yte = minidl.data.train_test_split(X, y, test_fraction=0.25, seed=0)
    assert len(Xte) == 449 and len(Xtr) == 1348 and len(ytr) == 1348
