"""minidl.progress_bar: a deterministic text progress bar (exact output checked with capsys)."""
import numpy as np
import pytest

from minidl.progress_bar import progress_bar


def final_text(out: str) -> str:
    """What a terminal (or nbval) shows: each "\\r" returns to the start of the line."""
    return "\n".join(line.split("\r")[-1] for line in out.split("\n"))


def test_exact_output_for_a_short_loop(capsys):
    bar = progress_bar(range(4), desc="fit", unit="epochs", width=4)
    for i in bar:
        bar.set_postfix(loss=1 / (i + 1))
    out = capsys.readouterr().out
    assert out == ("\rfit [    ] 0/4 epochs"
                   "\rfit [#   ] 1/4 epochs loss 1.0000"
                   "\rfit [##  ] 2/4 epochs loss 0.5000"
                   "\rfit [### ] 3/4 epochs loss 0.3333"
                   "\rfit [####] 4/4 epochs loss 0.2500\n")


def test_yields_every_item_unchanged(capsys):
    items = ["a", None, 3.5, (1, 2)]
    assert list(progress_bar(items)) == items


def test_redraws_at_most_width_plus_one_times_and_ends_with_a_newline(capsys):
    for _ in progress_bar(range(1000), desc="long"):
        pass
    out = capsys.readouterr().out
    assert out.count("\r") <= 21
    assert out.endswith("\n") and out.count("\n") == 1
    assert final_text(out) == "long [####################] 1000/1000\n"


def test_same_output_every_run(capsys):
    outputs = []
    for _ in range(2):
        bar = progress_bar(range(30), desc="training relu", unit="epochs")
        for epoch in bar:
            bar.set_postfix(loss=np.float32(0.5) ** epoch)
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert final_text(outputs[0]).endswith("30/30 epochs loss 0.0000\n")


def test_postfix_formats_floats_to_four_decimals_and_other_values_as_text(capsys):
    bar = progress_bar(range(1))
    for _ in bar:
        bar.set_postfix(loss=np.float64(0.123456), seed=2, acc="0.95±0.01")
    assert final_text(capsys.readouterr().out) == (
        "[####################] 1/1 loss 0.1235 seed 2 acc 0.95±0.01\n")


def test_a_shorter_line_wipes_the_longer_one(capsys):
    bar = progress_bar(range(2), width=2)
    for i in bar:
        bar.set_postfix(note="long text" if i == 0 else "x")
    drawn = capsys.readouterr().out.split("\r")[1:]
    assert drawn == ["[  ] 0/2", "[# ] 1/2 note long text", "[##] 2/2 note x" + " " * 8 + "\n"]


def test_stopping_early_still_ends_the_line(capsys):
    for i in progress_bar(range(10), width=10):
        if i == 2:
            break
    out = capsys.readouterr().out
    assert final_text(out) == "[##        ] 2/10\n"


def test_generator_needs_total(capsys):
    with pytest.raises(TypeError, match=r"progress_bar\(\).*total="):
        progress_bar(x for x in range(3))
    assert list(progress_bar((x for x in range(3)), total=3)) == [0, 1, 2]
    assert final_text(capsys.readouterr().out) == "[####################] 3/3\n"


def test_empty_iterable(capsys):
    assert list(progress_bar([], desc="none")) == []
    assert final_text(capsys.readouterr().out) == "none [                    ] 0/0\n"


@pytest.mark.parametrize("kwargs", [{"total": -1}, {"total": 2.5}, {"width": 0}])
def test_bad_arguments_are_named(kwargs):
    with pytest.raises(ValueError, match=r"progress_bar\(\): (total|width) must be a whole number"):
        progress_bar(range(3), **kwargs)
