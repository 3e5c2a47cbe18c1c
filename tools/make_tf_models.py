"""Generate frozen TensorFlow graphs (.pb) and their golden outputs (.npz) for the TF frontend.

Needs tensorflow (not a dependency of the converter; run it in a separate environment):

    python tools/make_tf_models.py --out /tmp/tf_models                 # every model below
    python tools/make_tf_models.py --out /tmp/tf_models --only tf1_style nchw_net
    python tools/make_tf_models.py --out tests/tensorflow/golden --only small   # the committed goldens

Each model NAME gives NAME.pb (a frozen GraphDef) and NAME.npz holding the feeds under
"input:<tensor name>" and TensorFlow's results under "output:<tensor name>", plus "__input_shape__"
and "__out_nodes__" strings ready for --input_shape / --out_nodes. Keras applications get random
weights (and random batch-norm statistics, so the normalisation is not an identity) and give two
outputs: the logits and their softmax.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

KERAS_APPS = {
    "mobilenet_v2": ("MobileNetV2", 224),
    "resnet50": ("ResNet50", 224),
    "inception_v3": ("InceptionV3", 299),
    "efficientnet_b0": ("EfficientNetB0", 224),
    "densenet121": ("DenseNet121", 224),
}
# More Keras applications, made only when named with --only
EXTRA_KERAS_APPS = {
    "mobilenet_v3_small": ("MobileNetV3Small", 224),
    "xception": ("Xception", 299),
    "convnext_tiny": ("ConvNeXtTiny", 224),
    "nasnet_mobile": ("NASNetMobile", 224),
    "efficientnet_v2_b0": ("EfficientNetV2B0", 224),
}
SMALL = ["tf1_style", "nchw_net", "misc_ops", "more_ops", "dilated_depthwise", "conv_transpose", "resize_ops",
         "bicubic", "keras_layers", "functional_if", "argmax_pool"]


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    return tf


def save_npz(out_dir: str, name: str, feeds: dict, results: dict) -> None:
    """NAME.npz: the feeds and TensorFlow's results by tensor name, with --input_shape / --out_nodes strings."""
    arrays = {f"input:{k}": v for k, v in feeds.items()}
    arrays.update({f"output:{k}": v for k, v in results.items()})
    arrays["__input_shape__"] = np.array(";".join(f"{k.split(':')[0]}:{','.join(map(str, np.shape(v)))}"
                                                  for k, v in feeds.items()))
    arrays["__out_nodes__"] = np.array(";".join(results))
    np.savez_compressed(os.path.join(out_dir, name + ".npz"), **arrays)


def _save(out_dir: str, name: str, graph_def, feeds: dict, results: dict) -> None:
    with open(os.path.join(out_dir, name + ".pb"), "wb") as f:
        f.write(graph_def.SerializeToString())
    save_npz(out_dir, name, feeds, results)
    print(f"wrote {name}.pb ({len(graph_def.node)} nodes)")


def _freeze_function(fn, specs, lower_control_flow: bool = True):
    """A frozen GraphDef of a tf.function; returns (graph_def, input tensor names, output tensor names)."""
    tf = _tf()
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
    concrete = tf.function(fn).get_concrete_function(*specs)
    frozen = convert_variables_to_constants_v2(concrete, lower_control_flow=lower_control_flow,
                                               aggressive_inlining=True)  # inline every called function
    graph_def = frozen.graph.as_graph_def()
    inputs = [t.name for t in frozen.inputs if t.dtype != tf.resource]
    outputs = [t.name for t in frozen.outputs]
    return graph_def, frozen, inputs, outputs


def keras_app(name: str, out_dir: str, seed: int = 0) -> None:
    tf = _tf()
    cls_name, size = {**KERAS_APPS, **EXTRA_KERAS_APPS}[name]
    tf.keras.utils.set_random_seed(seed)
    model = getattr(tf.keras.applications, cls_name)(weights=None, input_shape=(size, size, 3), classes=1000,
                                                     classifier_activation=None)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            mean, var = layer.moving_mean, layer.moving_variance
            mean.assign(rng.normal(0, 0.1, mean.shape).astype(np.float32))
            var.assign(rng.uniform(0.5, 1.5, var.shape).astype(np.float32))
    spec = tf.TensorSpec([1, size, size, 3], tf.float32, name="input")
    def logits_and_probabilities(x):
        logits = model(x, training=False)
        return logits, tf.nn.softmax(logits)

    graph_def, frozen, inputs, outputs = _freeze_function(logits_and_probabilities, [spec])
    x = rng.uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
    results = frozen(tf.constant(x))
    _save(out_dir, name, graph_def, {inputs[0]: x}, {o: np.asarray(r) for o, r in zip(outputs, results)})


def keras_layers(out_dir: str, seed: int = 9) -> None:
    """A small functional Keras model frozen the TF2 way: transposed, separable and dilated convs,
    upsampling, layer norm, a Dense on a rank-3 tensor (Tensordot's shape arithmetic) and more."""
    tf = _tf()
    tf.keras.utils.set_random_seed(seed)
    L = tf.keras.layers
    inp = L.Input((12, 12, 3), batch_size=1, name="image")
    x = L.Conv2D(8, 3, padding="same", activation="relu")(inp)
    x = L.BatchNormalization()(x)
    x = L.DepthwiseConv2D(3, padding="same", dilation_rate=2, activation="swish")(x)
    x = L.SeparableConv2D(8, 3, padding="same")(x)
    y = L.Conv2DTranspose(6, 3, strides=2, padding="same")(x)
    y = L.MaxPooling2D(2)(y)
    x = L.Concatenate()([L.UpSampling2D(2, interpolation="bilinear")(L.AveragePooling2D(2)(x)), y])
    x = L.ZeroPadding2D(((1, 0), (0, 1)))(x)
    x = L.Conv2D(4, 2, strides=2, activation="elu")(x)
    seq = L.Reshape((-1, 4))(x)
    seq = L.LayerNormalization()(seq)
    seq = L.Dense(5, activation="gelu")(seq)
    out = L.Dense(3, activation="softmax")(L.GlobalAveragePooling1D()(seq) * L.Flatten()(seq)[:, :5])
    model = tf.keras.Model(inp, out)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.1, layer.moving_mean.shape).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape).astype(np.float32))
    spec = tf.TensorSpec([1, 12, 12, 3], tf.float32, name="image")
    graph_def, frozen, inputs, outputs = _freeze_function(lambda t: model(t, training=False), [spec])
    x = rng.uniform(-1, 1, (1, 12, 12, 3)).astype(np.float32)
    result = frozen(tf.constant(x))
    result = result[0] if isinstance(result, (list, tuple)) else result
    _save(out_dir, "keras_layers", graph_def, {inputs[0]: x}, {outputs[0]: np.asarray(result)})


def functional_if(out_dir: str, seed: int = 10) -> None:
    """tf.cond frozen without lowering (lower_control_flow=False): a StatelessIf with two branch functions."""
    tf = _tf()
    rng = np.random.default_rng(seed)
    w = (rng.normal(0, 0.5, (4, 3)) + 0.3).astype(np.float32)

    def fn(x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.nn.relu(tf.matmul(x, w)), lambda: tf.tanh(x[:, :3]) * 2.0)
        return y + 1.0

    spec = tf.TensorSpec([2, 4], tf.float32, name="input")
    graph_def, frozen, inputs, outputs = _freeze_function(fn, [spec], lower_control_flow=False)
    feeds = {}
    for sign, suffix in ((1.0, "pos"), (-1.0, "neg")):
        x = (np.abs(rng.uniform(0.1, 1, (2, 4))) * sign).astype(np.float32)
        feeds[suffix] = (x, np.asarray(frozen(tf.constant(x))[0]))
    _save(out_dir, "functional_if", graph_def, {inputs[0]: feeds["pos"][0]}, {outputs[0]: feeds["pos"][1]})
    _save(out_dir, "functional_if_neg", graph_def, {inputs[0]: feeds["neg"][0]}, {outputs[0]: feeds["neg"][1]})


def _graph_mode(build):
    """Build a TF1-style graph with build(tf) -> (feeds {placeholder: value}, outputs [tensor]); run it."""
    tf = _tf()
    graph = tf.Graph()
    with graph.as_default():
        feeds, outputs = build(tf)
        with tf.compat.v1.Session(graph=graph) as sess:
            results = sess.run(outputs, {p: v for p, v in feeds.items()})
    graph_def = graph.as_graph_def()
    return graph_def, {p.name: v for p, v in feeds.items()}, {t.name: r for t, r in zip(outputs, results)}


def _const(tf, rng, shape, scale=0.3, name=None):
    return tf.constant(rng.normal(0, scale, shape).astype(np.float32), name=name)


def tf1_style(out_dir: str, seed: int = 1) -> None:
    """NHWC conv + FusedBatchNormV3 + relu + maxpool + reshape + matmul + bias + softmax (graph mode)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [1, 16, 16, 3], name="input")
        y = tf.nn.conv2d(x, _const(tf, rng, (3, 3, 3, 8)), strides=[1, 1, 1, 1], padding="SAME")
        y, _, _ = tf.compat.v1.nn.fused_batch_norm(
            y, _const(tf, rng, (8,), 1.0), _const(tf, rng, (8,)), mean=_const(tf, rng, (8,)),
            variance=tf.constant(rng.uniform(0.5, 2, 8).astype(np.float32)), is_training=False)
        y = tf.nn.relu(y)
        y = tf.nn.max_pool2d(y, 2, 2, "VALID")
        y = tf.reshape(y, [1, 8 * 8 * 8])
        y = tf.nn.bias_add(tf.matmul(y, _const(tf, rng, (512, 10), 0.05)), _const(tf, rng, (10,)))
        y = tf.nn.softmax(y, name="prob")
        return {x: rng.uniform(-1, 1, (1, 16, 16, 3)).astype(np.float32)}, [y]

    _save(out_dir, "tf1_style", *_graph_mode(build))


def nchw_net(out_dir: str, seed: int = 2) -> None:
    """A graph built in NCHW (conv, bias, batch norm, pools). TF's CPU kernels may not run NCHW, so the
    golden comes from the same weights in an NHWC twin, transposed back."""
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(0, 0.3, (3, 3, 3, 6)).astype(np.float32), rng.normal(0, 0.1, 6).astype(np.float32)
    scale, offset = rng.uniform(0.5, 1.5, 6).astype(np.float32), rng.normal(0, 0.1, 6).astype(np.float32)
    mean, var = rng.normal(0, 0.1, 6).astype(np.float32), rng.uniform(0.5, 2, 6).astype(np.float32)
    w2 = rng.normal(0, 0.3, (3, 3, 6, 4)).astype(np.float32)
    x = rng.uniform(-1, 1, (1, 3, 12, 12)).astype(np.float32)

    def net(tf, inp, fmt):
        c = "NCHW" if fmt == "NCHW" else "NHWC"
        ones = [1, 1, 2, 2] if fmt == "NCHW" else [1, 2, 2, 1]
        y = tf.nn.conv2d(inp, w1, strides=[1, 1, 1, 1], padding="SAME", data_format=c)
        y = tf.nn.bias_add(y, b1, data_format=c)
        y, _, _ = tf.compat.v1.nn.fused_batch_norm(y, scale, offset, mean=mean, variance=var, is_training=False,
                                                   data_format=c)
        y = tf.nn.relu6(y)
        y = tf.nn.max_pool2d(y, [1, 1, 2, 2] if fmt == "NCHW" else [1, 2, 2, 1], ones, "SAME", data_format=c)
        y = tf.nn.conv2d(y, w2, strides=ones, padding="VALID", data_format=c)
        y = tf.nn.avg_pool2d(y, [1, 1, 2, 2] if fmt == "NCHW" else [1, 2, 2, 1], [1, 1, 1, 1], "VALID",
                             data_format=c)
        return tf.identity(y, name="output")

    tf = _tf()
    graph = tf.Graph()
    with graph.as_default():
        inp = tf.compat.v1.placeholder(tf.float32, [1, 3, 12, 12], name="input")
        out = net(tf, inp, "NCHW")
    twin = tf.Graph()
    with twin.as_default():
        inp2 = tf.compat.v1.placeholder(tf.float32, [1, 12, 12, 3], name="input")
        out2 = net(tf, inp2, "NHWC")
        with tf.compat.v1.Session(graph=twin) as sess:
            y = sess.run(out2, {inp2: x.transpose(0, 2, 3, 1)}).transpose(0, 3, 1, 2)
    _save(out_dir, "nchw_net", graph.as_graph_def(), {inp.name: x}, {out.name: y})


def misc_ops(out_dir: str, seed: int = 3) -> None:
    """Slicing, stacking, padding, reductions, gathers and friends on one small input."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [2, 6, 5, 4], name="input")
        a = x[:, 1:5:2, ::-1, tf.newaxis, 2]                                   # StridedSlice, all masks
        b = x[..., 1:3]
        c = tf.stack(tf.unstack(b, axis=1), axis=-1)                           # Pack / Unpack
        s1, s2 = tf.split(x, [1, -1], axis=3)                                  # SplitV with -1
        p = tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]], mode="REFLECT")
        q = tf.pad(x, [[0, 0], [1, 1], [2, 0], [0, 0]], constant_values=0.5)
        m = tf.reduce_mean(x, axis=[1, 2], keepdims=True) + tf.reduce_max(x, axis=3, keepdims=True)
        g = tf.gather(x, [3, 0, 1], axis=2)
        t = tf.tile(tf.expand_dims(tf.reduce_sum(s1, axis=[1, 2]), 1), [1, 3, 1])
        e = tf.einsum("bhwc,cd->bhwd", x, _const(tf, rng, (4, 3)))
        mm = tf.linalg.matmul(tf.reshape(x, [2, 30, 4]), tf.reshape(x, [2, 30, 4]), transpose_a=True)
        sel = tf.where(x > 0, x, tf.nn.leaky_relu(x, 0.1))
        am = tf.cast(tf.argmax(x, axis=-1), tf.float32)
        shp = tf.cast(tf.shape(x), tf.float32)
        outs = [tf.identity(v, name=f"out_{i}") for i, v in enumerate(
            [a, c, s2, p, q, m, g, t, e, mm, sel, am, shp, tf.nn.softplus(s1), tf.nn.elu(b), tf.nn.selu(b),
             tf.math.squared_difference(x, 0.3), tf.math.rsqrt(tf.abs(x) + 1.0), tf.nn.swish(x)])]
        return {x: rng.uniform(-1, 1, (2, 6, 5, 4)).astype(np.float32)}, outs

    _save(out_dir, "misc_ops", *_graph_mode(build))


def more_ops(out_dir: str, seed: int = 7) -> None:
    """LRN, TopKV2, Cumsum, OneHot, ReverseV2, ZerosLike/OnesLike, Conv3D, MirrorPad SYMMETRIC, BatchMatMul."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [1, 4, 5, 6], name="input")
        ids = tf.compat.v1.placeholder(tf.int32, [3, 2], name="ids")
        values, indices = tf.math.top_k(x, k=3)
        v3 = tf.reshape(x, [1, 2, 2, 5, 6])
        outs = [tf.nn.local_response_normalization(x, depth_radius=2, bias=1.5, alpha=0.3, beta=0.6),
                values, tf.cast(indices, tf.float32), tf.math.cumsum(x, axis=2, exclusive=True, reverse=True),
                tf.one_hot(ids, 4, on_value=2.0, off_value=-1.0, axis=1), tf.reverse(x, [1, 3]),
                tf.zeros_like(x) + tf.ones_like(x),
                tf.nn.conv3d(v3, _const(tf, rng, (2, 2, 3, 6, 2)), [1, 1, 1, 2, 1], "SAME"),
                tf.pad(x, [[0, 0], [2, 1], [0, 2], [0, 0]], mode="SYMMETRIC"),
                tf.matmul(x, x, transpose_b=True), tf.nn.log_softmax(x), tf.math.floordiv(x, 0.3),
                tf.math.floormod(x, 0.3), tf.reduce_prod(x, axis=[3]), tf.reduce_min(x, axis=[1, 2]),
                tf.nn.sigmoid(x) * tf.nn.tanh(x), tf.math.maximum(x, 0.1) - tf.math.minimum(x, -0.1)]
        feeds = {x: rng.uniform(-1, 1, (1, 4, 5, 6)).astype(np.float32),
                 ids: rng.integers(0, 4, (3, 2)).astype(np.int32)}
        return feeds, [tf.identity(o, f"m{i}") for i, o in enumerate(outs)]

    _save(out_dir, "more_ops", *_graph_mode(build))


def dilated_depthwise(out_dir: str, seed: int = 4) -> None:
    """tf.nn.depthwise_conv2d with dilation (the SpaceToBatchND/BatchToSpaceND pattern) and an atrous conv."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [1, 13, 11, 4], name="input")
        y = tf.nn.depthwise_conv2d(x, _const(tf, rng, (3, 3, 4, 2)), [1, 1, 1, 1], "SAME", dilations=[2, 2])
        z = tf.nn.atrous_conv2d(y, _const(tf, rng, (3, 3, 8, 5)), rate=3, padding="VALID")
        feeds = {x: rng.uniform(-1, 1, (1, 13, 11, 4)).astype(np.float32)}
        return feeds, [tf.identity(y, "dw"), tf.identity(z, "atrous")]

    _save(out_dir, "dilated_depthwise", *_graph_mode(build))


def conv_transpose(out_dir: str, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [1, 5, 6, 3], name="input")
        y = tf.nn.conv2d_transpose(x, _const(tf, rng, (3, 3, 4, 3)), [1, 10, 12, 4], [1, 2, 2, 1], "SAME")
        z = tf.nn.conv2d_transpose(x, _const(tf, rng, (2, 3, 2, 3)), [1, 10, 14, 2], [1, 2, 2, 1], "VALID")
        feeds = {x: rng.uniform(-1, 1, (1, 5, 6, 3)).astype(np.float32)}
        return feeds, [tf.identity(y, "same"), tf.identity(z, "valid")]

    _save(out_dir, "conv_transpose", *_graph_mode(build))


def resize_ops(out_dir: str, seed: int = 6) -> None:
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [1, 5, 7, 8], name="input")
        v1 = tf.compat.v1.image
        outs = [v1.resize_bilinear(x, [9, 12], align_corners=True),
                v1.resize_bilinear(x, [9, 12], half_pixel_centers=True),
                v1.resize_bilinear(x, [9, 12]),
                v1.resize_nearest_neighbor(x, [11, 15], align_corners=True),
                v1.resize_nearest_neighbor(x, [11, 15], half_pixel_centers=True),
                v1.resize_nearest_neighbor(x, [11, 15]),
                tf.nn.depth_to_space(x, 2), tf.nn.space_to_depth(tf.nn.depth_to_space(x, 2), 2)]
        return {x: rng.uniform(-1, 1, (1, 5, 7, 8)).astype(np.float32)}, [tf.identity(o, f"r{i}") for i, o in
                                                                         enumerate(outs)]

    _save(out_dir, "resize_ops", *_graph_mode(build))


def bicubic(out_dir: str, seed: int = 8) -> None:
    """ResizeBicubic in its three coordinate modes (TF interpolates with a 1024-entry weight table, so
    an exact cubic matches it to about 1e-3)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [1, 5, 7, 3], name="input")
        v1 = tf.compat.v1.image
        outs = [v1.resize_bicubic(x, [9, 12], align_corners=True),
                v1.resize_bicubic(x, [9, 12], half_pixel_centers=True),
                v1.resize_bicubic(x, [9, 12]), v1.resize_bicubic(x, [3, 4], half_pixel_centers=True)]
        feeds = {x: rng.uniform(-1, 1, (1, 5, 7, 3)).astype(np.float32)}
        return feeds, [tf.identity(o, f"c{i}") for i, o in enumerate(outs)]

    _save(out_dir, "bicubic", *_graph_mode(build))


def argmax_pool(out_dir: str, seed: int = 11) -> None:
    """MaxPoolWithArgmax: SAME and VALID, the index with and without the batch, int64 and int32 indices."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [2, 7, 9, 3], name="input")
        outs = []
        for padding, batch, index_type in (("SAME", False, tf.int64), ("VALID", True, tf.int64),
                                           ("SAME", True, tf.int32)):
            y, index = tf.nn.max_pool_with_argmax(x, [1, 3, 3, 1], [1, 2, 2, 1], padding, output_dtype=index_type,
                                                  include_batch_in_index=batch)
            outs += [y, index]
        feeds = {x: rng.standard_normal((2, 7, 9, 3)).astype(np.float32)}
        return feeds, [tf.identity(o, f"m{i}") for i, o in enumerate(outs)]

    _save(out_dir, "argmax_pool", *_graph_mode(build))


BUILDERS = {"tf1_style": tf1_style, "nchw_net": nchw_net, "misc_ops": misc_ops, "more_ops": more_ops,
            "dilated_depthwise": dilated_depthwise, "conv_transpose": conv_transpose, "resize_ops": resize_ops,
            "bicubic": bicubic, "keras_layers": keras_layers, "functional_if": functional_if,
            "argmax_pool": argmax_pool}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the .pb and .npz files")
    parser.add_argument("--only", nargs="*", help=f"model names, or 'small' for {SMALL}; "
                        f"default all of {list(KERAS_APPS) + SMALL}; also {list(EXTRA_KERAS_APPS)}")
    ns = parser.parse_args(argv)
    names = ns.only or list(KERAS_APPS) + SMALL
    if "small" in names:
        names = [n for n in names if n != "small"] + SMALL
    os.makedirs(ns.out, exist_ok=True)
    for name in names:
        if name in KERAS_APPS or name in EXTRA_KERAS_APPS:
            keras_app(name, ns.out)
        elif name in BUILDERS:
            BUILDERS[name](ns.out)
        else:
            print(f"unknown model {name}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
