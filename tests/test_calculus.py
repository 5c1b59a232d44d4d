"""derivative, numerical_derivative and gradcheck."""
import numpy as np
import pytest

import minidl
import minidl.functional as F


def test_derivative_of_sigmoid_is_sigma_times_one_minus_sigma():
    x = np.linspace(-6, 6, 25)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(minidl.derivative(F.sigmoid, x), s * (1 - s), rtol=1e-12)


def test_derivative_takes_lists_in_float64_and_keeps_float32_arrays():
    assert minidl.derivative(F.tanh, [0.0, 1.0]).dtype == np.float64
    assert minidl.derivative(F.tanh, np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert minidl.derivative(lambda t: t * 0 + 1, [1.0, 2.0]).tolist() == [0.0, 0.0]


def test_derivative_errors():
    with pytest.raises(TypeError, match=r"derivative\(\): f must return a minidl Tensor"):
        minidl.derivative(lambda t: np.sin(t.data), [1.0])
    with pytest.raises(ValueError, match=r"derivative\(\): f must act elementwise"):
        minidl.derivative(lambda t: t.sum(), [1.0, 2.0])


def test_numerical_derivative_central_differences():
    x = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_allclose(minidl.numerical_derivative(F.tanh, x), 1 - np.tanh(x) ** 2, rtol=1e-8)
    np.testing.assert_allclose(minidl.numerical_derivative(F.relu, [0.0]), [0.5])  # at the kink


def test_gradcheck_passes_and_fails_with_a_useful_message():
    assert minidl.gradcheck(lambda a, b: (a * b).sum() + F.sigmoid(a), np.array([0.3, -0.2]), np.array([1.5, 2.0]))

    class WrongSquare(minidl.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[0]  # forgot the factor 2

    with pytest.raises(minidl.GradcheckError, match=r"input 0 is wrong at index \(1,\): analytic [0-9.]+ vs numeric [0-9.]+ \(x = 3\)"):
        minidl.gradcheck(WrongSquare.apply, np.array([0.0, 3.0]))
