"""Generate Keras' ResNet-50 (random weights, fixed seed) exported to ONNX by tf2onnx, as a user's model
comes: NHWC input `input:0` [N,224,224,3], Transposes tf2onnx inserted around the NCHW convolutions, opset 13.

Needs TensorFlow and tf2onnx, which are not dependencies of the converter: run it with the TensorFlow venv,
e.g. /work/venv-tf/bin/python tools/make_tf2onnx_resnet50.py OUT.onnx [--batch N]
Not committed: big reference models are generated (about 98 MiB).
"""
from __future__ import annotations

import argparse


def export(out: str, batch: int = 1, seed: int = 0) -> None:
    import tensorflow as tf
    import tf2onnx
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.applications.ResNet50(weights=None, input_shape=(224, 224, 3))
    spec = tf.TensorSpec((batch, 224, 224, 3), tf.float32, name="input")
    frozen = convert_variables_to_constants_v2(tf.function(lambda x: model(x, training=False)).get_concrete_function(spec))
    graph_def = frozen.graph.as_graph_def()
    outputs = [t.name for t in frozen.outputs]
    tf2onnx.convert.from_graph_def(graph_def, input_names=["input:0"], output_names=outputs, opset=13,
                                   output_path=out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--batch", type=int, default=1)
    a = ap.parse_args()
    export(a.out, a.batch)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
