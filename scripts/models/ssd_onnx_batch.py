# Makes tf2onnx's copy of the SSD detector take any batch size, so that AI.MODELSTORE … BATCHSIZE
# can batch several clients' photos: the TFLite model fixes the batch at 1 in its input, its
# outputs and the shapes of its Reshape ops; ONNX's Reshape copies a dimension given as 0.
#   python3 ssd_onnx_batch.py <in.onnx> <out.onnx>
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
initializers = {i.name: i for i in model.graph.initializer}
for node in model.graph.node:
    if node.op_type != 'Reshape' or node.input[1] not in initializers:
        continue
    shape = numpy_helper.to_array(initializers[node.input[1]])
    # Every Reshape here keeps the batch first ([1, -1, 24], [1, -1, 1, 4], [1, 1917, 4], [1, 128, 1, 1]);
    # the tests check that batched runs answer as single ones.
    if shape.ndim == 1 and len(shape) > 1 and shape[0] == 1:
        fixed = shape.copy()
        fixed[0] = 0
        initializers[node.input[1]].CopyFrom(numpy_helper.from_array(fixed.astype(np.int64), node.input[1]))
for value in list(model.graph.input) + list(model.graph.output):
    value.type.tensor_type.shape.dim[0].Clear()
    value.type.tensor_type.shape.dim[0].dim_param = 'batch'
onnx.checker.check_model(model)
onnx.save(model, sys.argv[2])
