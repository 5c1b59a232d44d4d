"""Every classic mistake gets an error that names the function, what it expected, what it got
and the likely fix. Each test asserts the message, not just the type."""
import numpy as np
import pytest
import torch

import minidl
import minidl.functional as F
from minidl import nn

LOGITS = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_float_labels(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}\(\): target must hold integer class "
                                         r"indices \(dtype int64\), but got dtype float32\. "
                                         r"Convert it with target.long\(\)"):
        fn(LOGITS, minidl.tensor([0.0, 1.0, 2.0, 1.0]))


def test_one_hot_targets_to_nll_loss():
    onehot = np.eye(3, dtype=np.float32)[[0, 1, 2, 1]]
    with pytest.raises(ValueError, match=r"nll_loss\(\): target has the same shape as the "
                                         r"input \(4, 3\), so it looks one-hot.*argmax\(dim=-1\)"):
        F.nll_loss(LOGITS, onehot)


def test_integer_one_hot_targets_to_cross_entropy():
    """A float one-hot target is read as class probabilities (as torch >= 1.10); an int64 one
    is refused where torch says "Expected floating point type for target"."""
    onehot = np.eye(3, dtype=np.int64)[[0, 1, 2, 1]]
    with pytest.raises(RuntimeError, match=r"cross_entropy\(\): target has the same shape as the "
                                           r"input \(4, 3\) but holds integers \(dtype int64\), "
                                           r"so it looks one-hot encoded.*target.float\(\).*"
                                           r"target.argmax\(dim=-1\)"):
        F.cross_entropy(LOGITS, onehot)
    with pytest.raises(RuntimeError, match="Expected floating point type"):
        torch.nn.functional.cross_entropy(torch.tensor(LOGITS), torch.tensor(onehot))


@pytest.mark.parametrize("label,shown", [(3, "3"), (-1, "-1"), (10, "10")])
def test_labels_out_of_range_or_negative(label, shown):
    with pytest.raises(ValueError, match=rf"cross_entropy\(\): target contains the label {shown}, "
                                         r"but the input has 3 classes, so labels must be in \[0, 2\]"):
        F.cross_entropy(LOGITS, np.array([0, 1, label, 0]))


def test_column_of_labels():
    with pytest.raises(ValueError, match=r"target must have shape \(4,\).*got shape \(4, 1\)\. "
                                         r"Squeeze it: target.reshape\(-1\)"):
        F.cross_entropy(LOGITS, np.array([[0], [1], [2], [1]]))


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.huber_loss, F.binary_cross_entropy,
                                F.binary_cross_entropy_with_logits])
@pytest.mark.parametrize("column_first", [True, False])
def test_n1_against_n_is_refused_not_broadcast(fn, column_first):
    col, flat = np.full((4, 1), 0.5, np.float32), np.full(4, 0.5, np.float32)
    x, t = (col, flat) if column_first else (flat, col)
    with pytest.raises(ValueError, match=rf"{fn.__name__}\(\): input and target must have the same "
                                         r"shape.*They would broadcast to \(4, 4\).*reshape"):
        fn(x, t)


def test_other_shape_mismatch():
    with pytest.raises(ValueError, match=r"mse_loss\(\): .*input has shape \(2, 3\) and target has shape \(3, 2\)"):
        F.mse_loss(np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("bad,which", [(1.5, "input"), (-0.1, "input")])
def test_probabilities_outside_0_1_for_bce(bad, which):
    with pytest.raises(ValueError, match=rf"binary_cross_entropy\(\): {which} must be in \[0, 1\], "
                                         rf"but it contains {bad:.4g}\..*binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(np.array([0.2, bad]), np.array([0.0, 1.0]))


def test_bce_target_outside_0_1():
    with pytest.raises(ValueError, match=r"binary_cross_entropy\(\): target must be in \[0, 1\]"):
        F.binary_cross_entropy(np.array([0.2, 0.3]), np.array([0.0, 2.0]))


def test_backward_on_non_scalar_without_grad():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward\(\): grad can be implicitly created only for "
                                           r"a scalar output, but this tensor has shape \(2,\)"):
        F.relu(x).backward()


def test_backward_on_tensor_without_graph():
    with pytest.raises(RuntimeError, match=r"backward\(\): this tensor does not require grad.*requires_grad=True"):
        minidl.tensor(1.0).backward()


def test_matmul_width_mismatch_names_both_shapes():
    a, b = minidl.tensor(np.ones((2, 3))), minidl.tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: the inner dimensions must match, but got shapes "
                                         r"\(2, 3\) and \(4, 5\) \(3 vs 4\)"):
        a @ b


def test_linear_width_mismatch_names_both_shapes():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"input has shape \(5, 4\) but weight has shape \(2, 3\) "
                                         r"\(the weight of Linear\(in_features=3, out_features=2\)\)"
                                         r"; the input's last dimension \(4\) must equal the "
                                         r"weight's in_features \(3\)"):
        layer(minidl.tensor(np.ones((5, 4), np.float32)))
    with pytest.raises(ValueError, match=r"linear\(\): input has shape \(5, 4\) but weight has shape \(2, 3\)"):
        F.linear(np.ones((5, 4)), layer.weight)


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
def test_wrong_dim(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}\(\): dim=2 is out of range for an input "
                                         r"of shape \(4, 3\); use a dim between -2 and 1"):
        fn(LOGITS, dim=2)


@pytest.mark.parametrize("method", ["sum", "mean", "max"])
def test_wrong_dim_in_reductions(method):
    with pytest.raises(ValueError, match=rf"{method}\(\): dim=5 is out of range for a tensor with 2 dimension"):
        getattr(minidl.tensor(LOGITS), method)(dim=5)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.huber_loss, F.binary_cross_entropy,
                                F.binary_cross_entropy_with_logits, F.cross_entropy, F.nll_loss, F.kl_div])
def test_unknown_reduction(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}\(\): reduction must be one of 'mean'.*but got 'avg'"):
        if fn in (F.cross_entropy, F.nll_loss):
            fn(LOGITS, np.array([0, 1, 2, 1]), reduction="avg")
        else:
            fn(np.full(3, 0.5), np.full(3, 0.5), reduction="avg")


def test_torch_tensor_and_strings_are_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"relu\(\): input is a torch.Tensor.*minidl.tensor\(t.detach\(\).numpy\(\)\)"):
        F.relu(torch.ones(3))
    with pytest.raises(TypeError, match=r"minidl.tensor\(t.detach\(\).numpy\(\)\)"):
        minidl.tensor(torch.ones(3))
    with pytest.raises(TypeError, match=r"sigmoid\(\): expected input to be a minidl Tensor, a NumPy array or a number, but got str"):
        F.sigmoid("0.5")


def test_probabilities_to_cross_entropy_warn():
    probs = F.softmax(LOGITS).data
    with pytest.warns(UserWarning, match=r"cross_entropy\(\): every row of the input is in \[0, 1\] "
                                         r"and sums to 1: these look like probabilities.*Pass the logits"):
        F.cross_entropy(probs, np.array([0, 1, 2, 1]))


def test_logits_to_nll_loss_warn():
    with pytest.warns(UserWarning, match=r"nll_loss\(\): the input contains positive values.*Apply log_softmax first"):
        F.nll_loss(np.abs(LOGITS) + 1, np.array([0, 1, 2, 1]))


def test_other_bad_arguments():
    with pytest.raises(ValueError, match=r"gelu\(\): approximate must be 'none' or 'tanh', but got 'fast'"):
        F.gelu([1.0], approximate="fast")
    with pytest.raises(ValueError, match=r"huber_loss\(\): delta must be positive, but got 0"):
        F.huber_loss([1.0], [2.0], delta=0)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(4, 3\) \(12 elements\) into shape \(5, 2\)"):
        minidl.tensor(LOGITS).reshape(5, 2)
    with pytest.raises(TypeError, match=r"tensor\(\): only floating-point tensors can require gradients, but the data has dtype int64"):
        minidl.tensor([1, 2], requires_grad=True)


def test_valid_inputs_raise_nothing():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cross_entropy(LOGITS, np.array([0, 1, 2, 1]))
        F.nll_loss(F.log_softmax(LOGITS), np.array([0, 1, 2, 1]))
        F.mse_loss(np.zeros((4, 1)), np.zeros((4, 1)))
