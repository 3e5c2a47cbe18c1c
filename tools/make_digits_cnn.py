"""Train a small CNN on the handwritten digits that scikit-learn ships (1797 8x8 images, UCI optdigits) and
export it as ONNX with its real trained weights and BatchNorm statistics, with calibration and held-out
images, into tests/data/quantize/ (the quantizer's real trained model; the tests use the committed files).

Needs tensorflow, scikit-learn and onnx (e.g. /work/venv-tf/bin/python tools/make_digits_cnn.py [OUT_DIR]).
Files: digits_cnn.onnx (input "image" [8, 1, 8, 8], output "logits" [8, 10]), digits_calib.npy (32 training
images), digits_test.npy + digits_test_labels.npy (the 360 held-out images, never seen in training).
"""
from __future__ import annotations

import os
import sys

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "quantize")
BATCH = 8


def train():
    import tensorflow as tf
    from sklearn.datasets import load_digits
    tf.keras.utils.set_random_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]      # NHWC, values in [0, 1]
    y = digits.target
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    x_train, y_train, x_test, y_test = x[:1437], y[:1437], x[1437:], y[1437:]
    L = tf.keras.layers
    model = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)),
        L.Conv2D(16, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.Conv2D(32, 3, strides=2, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.Conv2D(32, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.GlobalAveragePooling2D(), L.Dense(10)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=40, batch_size=32, verbose=0)
    acc = model.evaluate(x_test, y_test, verbose=0)[1]
    print(f"held-out accuracy of the trained Keras model: {acc:.4f}")
    return model, x_train, x_test, y_test


def to_onnx(model):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    nodes, inits, x, n = [], [], "image", 0
    for layer in model.layers:
        kind = type(layer).__name__
        n += 1
        out = f"{kind.lower()}_{n}"
        if kind == "Conv2D":
            w = layer.get_weights()[0].transpose(3, 2, 0, 1)        # HWIO -> OIHW
            inits.append(numpy_helper.from_array(w.astype(np.float32), f"{out}_w"))
            stride = layer.strides[0]
            nodes.append(helper.make_node("Conv", [x, f"{out}_w"], [out], name=out, kernel_shape=[3, 3],
                                          strides=[stride, stride], pads=[1, 1, 1, 1] if stride == 1 else [0, 0, 1, 1]))
        elif kind == "BatchNormalization":
            gamma, beta, mean, var = layer.get_weights()
            names = [f"{out}_{s}" for s in ("scale", "bias", "mean", "var")]
            inits += [numpy_helper.from_array(v.astype(np.float32), nm) for v, nm in zip((gamma, beta, mean, var), names)]
            nodes.append(helper.make_node("BatchNormalization", [x] + names, [out], name=out, epsilon=layer.epsilon))
        elif kind == "ReLU":
            nodes.append(helper.make_node("Relu", [x], [out], name=out))
        elif kind == "GlobalAveragePooling2D":
            nodes += [helper.make_node("GlobalAveragePool", [x], [out + "_gap"], name=out + "_gap"),
                      helper.make_node("Flatten", [out + "_gap"], [out], name=out)]
        elif kind == "Dense":
            w, b = layer.get_weights()
            inits += [numpy_helper.from_array(w.T.astype(np.float32), f"{out}_w"),
                      numpy_helper.from_array(b.astype(np.float32), f"{out}_b")]
            nodes.append(helper.make_node("Gemm", [x, f"{out}_w", f"{out}_b"], ["logits"], name="fc", transB=1))
            out = "logits"
        x = out
    graph = helper.make_graph(nodes, "digits_cnn", [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                                                                   [BATCH, 1, 8, 8])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [BATCH, 10])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_digits_cnn")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    import onnx
    model, x_train, x_test, y_test = train()
    m = to_onnx(model)
    os.makedirs(OUT, exist_ok=True)
    onnx.save(m, os.path.join(OUT, "digits_cnn.onnx"))
    nchw = lambda a: np.ascontiguousarray(a.transpose(0, 3, 1, 2)).astype(np.float32)
    test = nchw(x_test)[:360 - 360 % BATCH]
    np.save(os.path.join(OUT, "digits_calib.npy"), nchw(x_train[:32]))
    np.save(os.path.join(OUT, "digits_test.npy"), test)
    np.save(os.path.join(OUT, "digits_test_labels.npy"), y_test[:len(test)].astype(np.int64))
    keras_logits = model.predict(x_test[:len(test)], verbose=0)
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        got = np.concatenate([sess.run(None, {"image": test[i:i + BATCH]})[0] for i in range(0, len(test), BATCH)])
        print("ONNX vs Keras max abs diff:", float(np.abs(got - keras_logits).max()))
    except ImportError:
        pass
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
