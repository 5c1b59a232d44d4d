"""The computational graph behind a Tensor: its ops, its gradients, as text and as a figure.

A non-leaf Tensor remembers the op that made it (`t.grad_fn`, a `Function` instance); that
op remembers its inputs (`t.grad_fn.inputs`: Tensors, or constants such as the 1 in `1 + x`).
Walking those links from the output back to the leaves gives the graph that `backward()`
runs through in reverse. Everything here reads the graph without changing it, so call these
before `backward()` (which frees the graph) or after `backward(retain_graph=True)`.

    s = 1 / (1 + (x * -1).exp())
    print(minidl.plot.graph_text(s, names={"x": x, "s": s}))
    minidl.plot.draw_graph(s, names={"x": x, "s": s}, show_grad=True)
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from ..autograd import grad
from ..tensor import Tensor

__all__ = ["graph_ops", "upstream_grads", "graph_text", "draw_graph"]

FONTSIZE = 10  # points, in draw_graph: 11 px at the course's 80 dpi, never shrunk
MAX_WIDTH = 10.0  # inches (800 px at 80 dpi): a wider graph wraps onto more bands
MAX_SHOWN = 4  # values of tensors with more elements than this are summarised by their shape


@dataclass
class _Node:
    kind: str  # "tensor", "op" or "constant"
    obj: Any  # a Tensor, a Function or a constant
    inputs: list = field(default_factory=list)  # keys of the nodes that feed this one


def _check_tensor(tensor, caller: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{caller}(): expected a minidl Tensor (the output of a computation), "
                        f"but got {type(tensor).__name__}.")


def _walk(root: Tensor, caller: str) -> tuple[dict, list]:
    """Every node `root` depends on, as {key: _Node}, and the keys in topological order
    (each node after all of its inputs). Iterative, so deep graphs need no recursion."""
    nodes: dict = {}
    order: list = []
    stack = [(("t", id(root)), root, False)]
    while stack:
        key, obj, expanded = stack.pop()
        if expanded:
            order.append(key)
            continue
        if key in nodes:
            continue
        if isinstance(obj, Tensor):
            node = _Node("tensor", obj)
            if obj.grad_fn is not None:
                node.inputs = [("f", id(obj.grad_fn))]
                children = [(node.inputs[0], obj.grad_fn)]
            else:
                children = []
        elif obj.inputs is None:  # a Function whose graph backward() has freed
            raise RuntimeError(
                f"{caller}(): this graph was freed by a backward() call, so its ops no longer "
                f"know their inputs. Draw the graph before calling backward(), or call "
                f"backward(retain_graph=True).")
        else:
            node = _Node("op", obj)
            children = []
            for i, x in enumerate(obj.inputs):
                if x is None:  # an optional input that was not given (Linear without bias)
                    continue
                child = ("t", id(x)) if isinstance(x, Tensor) else ("c", id(obj), i)
                node.inputs.append(child)
                children.append((child, x))
        nodes[key] = node
        stack.append((key, obj, True))
        for child, x in reversed(children):  # reversed: the first input is visited first
            if child[0] == "c":
                nodes[child] = _Node("constant", x)
                order.append(child)
            elif child not in nodes:
                stack.append((child, x, False))
    return nodes, order


def graph_ops(tensor: Tensor) -> list[str]:
    """The ops that computed `tensor`, inputs first: e.g. ['MulBackward', 'ExpBackward', ...].

    `len(graph_ops(y))` is the number of op nodes, i.e. of backward steps `y.backward()` takes.
    """
    _check_tensor(tensor, "graph_ops")
    nodes, order = _walk(tensor, "graph_ops")
    return [repr(nodes[k].obj)[1:-1] for k in order if nodes[k].kind == "op"]


def _grads(root: Tensor, nodes: dict, order: list, caller: str) -> dict:
    r"""{key: d root / d tensor} for every tensor node that requires a gradient, by
    `minidl.autograd.grad` (the engine's chain rule), leaving `.grad` and the graph untouched."""
    if root.data.size != 1:
        raise ValueError(f"{caller}(): gradients need a scalar output, but this tensor has shape "
                         f"{root.shape}. Reduce it first, e.g. {caller}(y.sum(), ...).")
    if not root.requires_grad:
        raise ValueError(f"{caller}(): this tensor does not require grad, so it has no graph. "
                         f"Create the inputs with requires_grad=True before computing it.")
    tensors = [nodes[k].obj for k in order
               if nodes[k].kind == "tensor" and nodes[k].obj.requires_grad]
    grads = grad(root, tensors, retain_graph=True)
    return {("t", id(t)): g.data for t, g in zip(tensors, grads, strict=True)}


def upstream_grads(output: Tensor, tensors: Sequence[Tensor]) -> list[np.ndarray]:
    r"""$\partial\,\text{output} / \partial t$ for each tensor $t$ of the graph, intermediate
    tensors included, like `torch.autograd.grad(output, tensors)`.

    Nothing is accumulated into `.grad` and the graph is not freed. A tensor that `output`
    does not depend on gets a gradient of zeros.
    """
    _check_tensor(output, "upstream_grads")
    nodes, order = _walk(output, "upstream_grads")
    grads = _grads(output, nodes, order, "upstream_grads")
    result = []
    for t in tensors:
        _check_tensor(t, "upstream_grads")
        g = grads.get(("t", id(t)))
        result.append(np.zeros_like(t.data) if g is None else np.asarray(g))
    return result


def _fmt(a: np.ndarray) -> str:
    a = np.asarray(a)
    if a.size > MAX_SHOWN:
        return "…"
    return np.array2string(a, precision=4, separator=", ", floatmode="maxprec_equal")


def _label(node: _Node, key, names: Mapping, grads: dict | None, drawing: bool = False) -> str:
    """One node as text: name (and op), shape, value and (optionally) gradient. In a drawing
    the op of a non-leaf tensor is left out (the ellipse before it shows it) and the parts go
    on separate lines."""
    obj = node.obj
    if node.kind == "constant":
        return f"constant {_fmt(np.asarray(obj))}"
    if node.kind == "op":
        return repr(obj)[1:-1]
    name = names.get(id(obj))
    if obj.grad_fn is not None:
        head = name if drawing else f"{name} {obj.grad_fn!r}" if name else repr(obj.grad_fn)
    elif obj.requires_grad:
        head = f"{name} (leaf)" if name else "leaf"
    else:
        head = name or "tensor"
    eq = " " if drawing else "="
    parts = [head] if head else []
    parts.append(f"shape{eq}{tuple(obj.shape)}")
    if obj.data.size <= MAX_SHOWN:
        parts.append(_fmt(obj.data) if drawing else f"value={_fmt(obj.data)}")
    if grads is not None and key in grads:
        parts.append(f"grad{eq}{_fmt(grads[key])}")
    return ("\n" if drawing else "  ").join(parts)


def _prepare(tensor, names, show_grad, caller):
    _check_tensor(tensor, caller)
    names = {id(t): n for n, t in (names or {}).items()}
    nodes, order = _walk(tensor, caller)
    grads = _grads(tensor, nodes, order, caller) if show_grad else None
    return names, nodes, order, grads


def graph_text(tensor: Tensor, names: Mapping[str, Tensor] | None = None,
               show_grad: bool = False) -> str:
    """The graph of `tensor` as an indented tree, output first, each tensor with the op that
    made it, its shape, its value (if it has at most 4 elements) and, with show_grad=True,
    d output / d node (the output must be a scalar). `names` maps labels to tensors, e.g.
    {"x": x}. A sub-result used twice is expanded once and then marked "(shared, see above)".
    """
    names, nodes, _, grads = _prepare(tensor, names, show_grad, "graph_text")
    lines, seen = [], set()
    stack = [(("t", id(tensor)), "", "")]  # (tensor key, prefix of this line, of its inputs)
    while stack:
        key, prefix, child_prefix = stack.pop()
        node = nodes[key]
        text = _label(node, key, names, grads)
        fn_key = node.inputs[0] if node.inputs else None
        if fn_key is not None and key in seen:
            lines.append(f"{prefix}{text}  (shared, see above)")
            continue
        seen.add(key)
        lines.append(prefix + text)
        if fn_key is None:
            continue
        inputs = nodes[fn_key].inputs
        for i in reversed(range(len(inputs))):  # pushed in reverse: popped in input order
            last = i == len(inputs) - 1
            stack.append((inputs[i], child_prefix + ("└─ " if last else "├─ "),
                          child_prefix + ("   " if last else "│  ")))
    return "\n".join(lines)


def _layout(nodes: dict, order: list, root_key) -> dict:
    """{key: (column, row)}. Columns left to right by longest path from the inputs; a node with
    no inputs (a leaf or a constant) sits just left of the first op that uses it. Rows from a
    depth-first pass from the output: each node's main input (the first one that has inputs
    itself) stays on its row, so a chain of ops is one straight line, and the other inputs go
    on the rows below; then nodes that share a spot are pushed apart."""
    col: dict = {}
    for key in order:
        fed = [col[k] for k in nodes[key].inputs]
        col[key] = max(fed) + 1 if fed else 0
    first_use: dict = {}
    for key in order:
        for k in nodes[key].inputs:
            first_use[k] = min(first_use.get(k, col[key]), col[key])
    for key, node in nodes.items():
        if not node.inputs and key in first_use:
            col[key] = first_use[key] - 1
    row: dict = {root_key: 0}
    stack = [root_key]
    while stack:
        key = stack.pop()
        inputs = nodes[key].inputs
        main = next((k for k in inputs if nodes[k].inputs), inputs[0] if inputs else None)
        below = 1
        for k in inputs:
            if k not in row:
                row[k] = row[key] if k == main else row[key] + below
                below += k != main
                stack.append(k)
    for c in set(col.values()):
        keys = sorted((k for k in col if col[k] == c), key=lambda k: row[k])
        for a, b in zip(keys, keys[1:], strict=False):
            row[b] = max(row[b], row[a] + 1)
    return {k: (col[k], row[k]) for k in nodes}


def _bands(widths: dict, nodes: dict, grid: dict, gap: float) -> list[list[int]]:
    """The columns split into bands (lines of the drawing) no wider than MAX_WIDTH, each cut
    where the fewest arrows cross it (for a chain: after a tensor, not between a constant and
    its op)."""
    cols = sorted(widths)
    edges = [(grid[k][0], grid[key][0]) for key, n in nodes.items() for k in n.inputs]
    bands, start = [], 0
    while start < len(cols):
        end, width = start, gap
        while end < len(cols) and (end == start or width + widths[cols[end]] + gap
                                   <= MAX_WIDTH):
            width += widths[cols[end]] + gap
            end += 1
        if end < len(cols):  # cut after the column with the fewest crossings, latest on ties
            crossings = {e: sum(a <= cols[e - 1] < b for a, b in edges)
                         for e in range(start + 1, end + 1)}
            end = min(crossings, key=lambda e: (crossings[e], -e))
        bands.append(cols[start:end])
        start = end
    return bands


def draw_graph(tensor: Tensor, names: Mapping[str, Tensor] | None = None,
               show_grad: bool = False, ax: Axes | None = None) -> Axes:
    """Draw the graph of `tensor` with matplotlib (no graphviz needed), in the direction of the
    forward pass: boxes for tensors (name, shape, value if at most 4 elements; blue leaves
    that need a gradient, green output, white the rest; grey for Python constants), ellipses
    for ops, arrows from each input to its op. With show_grad=True each tensor also shows
    d output / d tensor (the output must be a scalar). Returns the Axes.

    The text is FONTSIZE points (11 px at the course's 80 dpi) however big the graph: one
    wider than MAX_WIDTH inches wraps onto several bands, read like lines of text, and an
    arrow that goes on to the next band runs down the right margin and in from the left.
    """
    names, nodes, order, grads = _prepare(tensor, names, show_grad, "draw_graph")
    root_key = ("t", id(tensor))
    grid = _layout(nodes, order, root_key)
    labels = {k: _label(n, k, names, grads, drawing=True) for k, n in nodes.items()}
    # sizes in inches: each column as wide as its widest label plus its frame (an ellipse
    # around a w-wide text is about 1.35 times wider); every row as tall as the tallest box
    font, widths = FontProperties(size=FONTSIZE), dict[int, float]()
    pad = 2 * 0.3 * FONTSIZE / 72
    for key, (c, _) in grid.items():
        w = max(text_to_path.get_text_width_height_descent(line, font, ismath=False)[0]
                for line in labels[key].split("\n")) / 72
        framed = 1.35 * (w + pad) if nodes[key].kind == "op" else w + pad
        widths[c] = max(widths.get(c, 0.0), framed)
    gap, band_gap = 0.3, 0.35
    bands = _bands(widths, nodes, grid, gap)
    band_of = {c: i for i, band in enumerate(bands) for c in band}
    centres, left, right, tops, y_of = {}, {}, {}, [], {}
    top, width = 0.0, 0.0
    for i, band in enumerate(bands):
        x = gap
        for c in band:
            left[c], centres[c], x = x - gap / 2, x + widths[c] / 2, x + widths[c] + gap
            right[c] = x - gap / 2
        width = max(width, x)
        # the rows this band uses, top down, each as tall as its tallest box plus a gap
        tops.append(top)
        for r in sorted({r for c, r in grid.values() if band_of[c] == i}):
            lines = max(labels[k].count("\n") + 1 for k, (c, r_) in grid.items()
                        if r_ == r and band_of[c] == i)
            row_height = lines * 1.25 * FONTSIZE / 72 + pad + 0.3
            y_of[i, r], top = -(top + row_height / 2), top + row_height
        top += band_gap
    # whole tenths of an inch (8 px at 80 dpi): the figure's size does not hang on a font's
    # last decimal
    width, height = math.ceil(width * 10) / 10, math.ceil((top - band_gap) * 10) / 10
    if ax is None:
        fig = plt.figure(figsize=(width, height))
        ax = fig.add_axes((0, 0, 1, 1))
    colours = {"op": "#fde9c9", "constant": "#eeeeee", "leaf": "#cfe2f3", "tensor": "#ffffff",
               "output": "#d9ead3"}
    pos, artists = {}, {}
    for key, node in nodes.items():
        if node.kind == "tensor":
            kind = ("output" if key == root_key else
                    "leaf" if node.obj.grad_fn is None and node.obj.requires_grad else "tensor")
        else:
            kind = node.kind
        c, r = grid[key]
        pos[key] = (centres[c], y_of[band_of[c], r])
        style = "ellipse,pad=0.3" if kind == "op" else "round,pad=0.3"
        artists[key] = ax.text(*pos[key], labels[key], ha="center", va="center",
                               fontsize=FONTSIZE, zorder=2,
                               bbox=dict(boxstyle=style, fc=colours[kind], ec="0.35", lw=0.8))
    arrow = dict(arrowstyle="-|>", color="0.35", lw=0.8, shrinkA=1, shrinkB=1)
    for key, node in nodes.items():
        for k in node.inputs:  # drawn after the boxes, so the arrows end on their outlines
            start, end = pos[k], pos[key]
            b_from, b_to = band_of[grid[k][0]], band_of[grid[key][0]]
            if b_to > b_from:  # on to a later band: right margin, the gap above, left margin
                x_out = right[bands[b_from][-1]]
                x_in = left[bands[b_to][0]]
                y_gap = -(tops[b_to] - band_gap / 2)
                ax.plot([start[0], x_out, x_out, x_in, x_in], [start[1], start[1], y_gap,
                        y_gap, end[1]], color="0.35", lw=0.8, zorder=1)
                start = (x_in, end[1])
                ax.annotate("", xy=end, xytext=start, zorder=3,
                            arrowprops=dict(arrow, shrinkA=0,
                                            patchB=artists[key].get_bbox_patch()))
                continue
            ax.annotate("", xy=end, xytext=start, zorder=3,
                        arrowprops=dict(arrow, patchA=artists[k].get_bbox_patch(),
                                        patchB=artists[key].get_bbox_patch()))
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.axis("off")
    return ax
