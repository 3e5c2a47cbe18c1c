"""broadcast_shapes: numpy's broadcasting for known dims, and per axis a known dim over 1 and -1 (unknown),
-1 over 1; checked against numpy and an axis-by-axis statement of that rule."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from converter.errors import GraphError
from converter.ops.registry import broadcast_shapes

shapes = st.lists(st.lists(st.sampled_from([1, -1, 2, 3]), max_size=4).map(tuple), max_size=4)


def _by_axis(*shapes):
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(rank):
        dims = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0}
        known = dims - {1, -1}
        if len(known) > 1:
            return "error"
        out.append(known.pop() if known else (-1 if -1 in dims else 1))
    return tuple(out)


def _ours(*shapes):
    try:
        return broadcast_shapes(*shapes)
    except GraphError:
        return "error"


@given(shapes)
def test_matches_the_rule_axis_by_axis(case):
    assert _ours(*case) == _by_axis(*case)


@given(st.lists(st.lists(st.sampled_from([1, 2, 3]), max_size=4).map(tuple), min_size=1, max_size=4))
def test_matches_numpy_for_known_dims(case):
    try:
        want = tuple(np.broadcast_shapes(*case))
    except ValueError:
        want = "error"
    assert _ours(*case) == want


def test_unknown_rank_is_none():
    assert broadcast_shapes((1, 2), None) is None
    with pytest.raises(GraphError):
        broadcast_shapes((2, 3), (4,), (1,))
