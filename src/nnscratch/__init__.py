"""nnscratch: neural networks from scratch in numpy.

The shared package of the course *Learning machines from scratch*. One module
per idea. **A newcomer reads these, in this order** (each fits on a few screens):

1. :mod:`~nnscratch.layers` — the one interface every layer honours (``forward``,
   ``backward``, ``params``, ``grads``), ``Linear``, the activations, ``Dropout`` and
   ``Sequential``; :mod:`~nnscratch.norm` — ``LayerNorm`` and ``BatchNorm``;
2. :mod:`~nnscratch.losses` — how wrong a prediction is, and its gradient;
3. :mod:`~nnscratch.optim` — how to step downhill; :mod:`~nnscratch.schedules` — how
   big a step, epoch by epoch;
4. :mod:`~nnscratch.train` — the training loop, ``fit``: read ``fit`` itself, which is
   the loop Chapter 4 writes by hand; its checks sit apart in ``_prepare``;
5. :mod:`~nnscratch.gradcheck` — hand-derived gradients checked against ``autograd``;
6. :mod:`~nnscratch.regularizers` — soft preferences on weights and predictions;
   :mod:`~nnscratch.deep` — residual layers, clipping, monitors and many seeds at once;
   :mod:`~nnscratch.jacobian` — a layer's full Jacobian, to see what backward never builds.

**A learner can skip** what serves the course rather than teaches it:
:mod:`~nnscratch._checks` (the argument checks behind every readable error),
:mod:`~nnscratch.data` and :mod:`~nnscratch.metrics` (data sets and scores),
:mod:`~nnscratch.exercises` (sealed answers for self-checking exercises), and the site
plumbing, imported on demand: ``plot`` and ``describe`` (figures and their text
descriptions), ``interactive`` (frames for the static site), ``playground`` and
``drawing`` (small networks that run live in the page, with ``nncore.js``,
``playground.js`` and ``digits.js``), ``progress`` (progress bars that stay readable)
and ``jupyter`` (notebooks that keep their figures when reopened).
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
from .regularizers import L1, L2, Certainty, Confidence, Orthogonality, Penalty, soft_threshold
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
    "Confidence",
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
    "soft_threshold",
    "softmax",
]
