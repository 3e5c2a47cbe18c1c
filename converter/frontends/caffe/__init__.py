"""Caffe frontend: deploy .prototxt + .caffemodel to our IR (``load_caffe_graph``), and the
NetParameter for ``atc --mode=1 --framework=0`` (``load_net_parameter``, ``dump_prototxt_json``)."""
from .convert import load_caffe_graph
from .dump import dump_prototxt_json
from .reader import load_net_parameter

__all__ = ["load_caffe_graph", "dump_prototxt_json", "load_net_parameter"]
