"""Canonical ops. Every module that declares ops is imported here explicitly (no discovery by side
effect): a test checks the registry against docs/supported-ops.md."""
from . import registry
from . import graph_ops, elementwise, activation, nn, tensor, reduce, sequence, detection, layout, tf_extra  # noqa: F401,E501
from . import containers, control, aipp, nms, roi_align, quant, bitwise, unique, signal, linalg, random  # noqa: F401
from . import ctc, image, segment, text  # noqa: F401

get = registry.get
has = registry.has
all_specs = registry.all_specs
with_trait = registry.with_trait
has_trait = registry.has_trait
by_spatial_rank = registry.by_spatial_rank
param_inputs = registry.param_inputs
const_inputs = registry.const_inputs
