"""Predicting who may disengage next week: features, labels, paradigms, evaluation.

A course team can act during a run only on predictions it can make during the run.
This package builds weekly learner features as of a moment (:func:`weekly_features`),
the label "no step activity in the following week" (:func:`disengagement_labels`),
three ways of training (:data:`PARADIGMS`: post-hoc cross-validation, transfer from
earlier runs, in-situ learning on the current run's finished weeks), their honest
evaluation beside a naive baseline (:func:`replay`, :func:`evaluate`,
:func:`calibration`), and the actionable output (:func:`predict_risk`, used by
``flbook predict``).

Every function works on all learners at once (vectorised); only :func:`replay`,
:func:`predict_risk` and the learner-level feature tables hold learner ids.
"""

from . import _evaluate, _features, _inputs, _paradigms
from ._evaluate import *  # noqa: F403
from ._features import *  # noqa: F403
from ._inputs import *  # noqa: F403
from ._paradigms import *  # noqa: F403

__all__ = sorted(
    set(_features.__all__) | set(_paradigms.__all__) | set(_evaluate.__all__) | set(_inputs.__all__)
)
