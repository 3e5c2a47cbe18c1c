"""Caffe frontend: deploy .prototxt + .caffemodel to our IR (``load_caffe_graph``), the layer types it
converts (``supported_layer_types``), and the NetParameter for ``atc --mode=1 --framework=0``
(``load_net_parameter``, ``dump_prototxt_json``)."""
from .convert import load_caffe_graph, supported_layer_types
from .dump import dump_prototxt_json
from .reader import load_net_parameter

__all__ = ["dump_prototxt_json", "load_caffe_graph", "load_net_parameter", "supported_layer_types"]
