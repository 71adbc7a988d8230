"""nnscratch: neural networks from scratch in numpy.

The shared package of the course *Learning machines from scratch*. One module
per idea — read them in this order:

* :mod:`~nnscratch.layers` — ``Linear``, activations, ``Dropout``, ``Sequential``: forward
  and backward; :mod:`~nnscratch.norm` — ``LayerNorm`` and ``BatchNorm``;
* :mod:`~nnscratch.losses` — how wrong a prediction is, and its gradient;
* :mod:`~nnscratch.regularizers` — soft preferences on weights and predictions;
* :mod:`~nnscratch.optim` — how to step downhill;
  :mod:`~nnscratch.schedules` — how big a step, epoch by epoch;
* :mod:`~nnscratch.gradcheck` — hand-derived gradients checked against ``autograd``;
* :mod:`~nnscratch.jacobian` — a layer's full Jacobian, to see what backward never builds;
* :mod:`~nnscratch.train` — the training loop, ``fit``;
* :mod:`~nnscratch.deep` — residual layers, gradient clipping and per-layer monitors for deep nets;
* :mod:`~nnscratch.data`, :mod:`~nnscratch.metrics` — data sets and scores;
* :mod:`~nnscratch.exercises` — self-checking exercises with sealed answers;
* ``nnscratch.plot``, ``nnscratch.interactive`` and ``nnscratch.playground`` — figures,
  frames for the static site, and a network that trains live in the page (imported on demand).
"""

from .gradcheck import GradCheck, gradcheck
from .layers import (
    ELU,
    Dropout,
    Layer,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
    mlp,
    sigmoid,
    softmax,
)
from .losses import (
    MSE,
    SSE,
    BinaryCrossEntropy,
    Loss,
    PerceptronCriterion,
    SoftmaxCrossEntropy,
    log_softmax,
)
from .metrics import accuracy, confusion_matrix
from .norm import BatchNorm, LayerNorm
from .optim import Adam, GradientDescent, Momentum, Nesterov, Optimizer
from .regularizers import L1, L2, Certainty, Orthogonality, Penalty
from .train import History, TrainingDiverged, evaluate, fit

__version__ = "0.1.0"

__all__ = [
    "ELU",
    "L1",
    "L2",
    "MSE",
    "SSE",
    "Adam",
    "BatchNorm",
    "BinaryCrossEntropy",
    "Certainty",
    "Dropout",
    "GradCheck",
    "GradientDescent",
    "History",
    "Layer",
    "LayerNorm",
    "Linear",
    "Loss",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "Orthogonality",
    "Penalty",
    "PerceptronCriterion",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Step",
    "Tanh",
    "TrainingDiverged",
    "accuracy",
    "confusion_matrix",
    "evaluate",
    "fit",
    "gradcheck",
    "log_softmax",
    "mlp",
    "sigmoid",
    "softmax",
]
