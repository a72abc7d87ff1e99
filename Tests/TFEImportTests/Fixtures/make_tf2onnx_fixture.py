"""Dev-time: mnist/mnist-cnn.pb (the Keras CNN of make_graphdef_fixtures.py) converted to ONNX by tf2onnx.

swift test never runs this; it reads what this writes:
  mnist/mnist-cnn-tf2onnx.onnx      tf2onnx 1.17's opset-17 graph of the frozen GraphDef: NHWC input 'x:0', an
                                    NHWC-to-NCHW Reshape before Conv, a Transpose back before the flatten, the
                                    flatten's shape computed by Shape, Gather, Cast, Slice and Concat, MatMul + Add
  mnist/heldout-logits-tf2onnx.npy  onnxruntime's logits on the 1,000 held-out images of mnist/heldout.npz

Needs TensorFlow, tf2onnx and onnxruntime, e.g. PYTHONPATH=/tmp/tf-graphdef-pkgs (pip install --target ...).
programs/import/mnist-cnn-tf2onnx.onnx is a copy of the model.
"""
import os
import subprocess
import sys

import numpy as np
import onnxruntime

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "mnist", "mnist-cnn-tf2onnx.onnx")

subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--graphdef", os.path.join(HERE, "mnist", "mnist-cnn.pb"),
                "--inputs", "x:0", "--outputs", "Identity:0", "--opset", "17", "--output", MODEL], check=True)
images = np.load(os.path.join(HERE, "mnist", "heldout.npz"))["images"]
x = (images.astype(np.float32) / 255).reshape(-1, 28, 28, 1)
logits = onnxruntime.InferenceSession(MODEL).run(None, {"x:0": x})[0].astype(np.float32)
tensorflow = np.load(os.path.join(HERE, "mnist", "heldout-logits-tf.npy"))
print("onnxruntime against TensorFlow: max |difference| %.3g, argmax agreement %.4f"
      % (np.abs(logits - tensorflow).max(), (logits.argmax(1) == tensorflow.argmax(1)).mean()))
np.save(os.path.join(HERE, "mnist", "heldout-logits-tf2onnx.npy"), logits)
