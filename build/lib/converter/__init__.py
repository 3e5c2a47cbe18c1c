"""om-converter: an ATC-compatible offline model converter (Caffe, ONNX, TensorFlow -> .om)."""
__version__ = "0.1.0"
