"""The training policies a project keeps in its settings, built for a run.

``project.training`` may hold, each ``{"class": ..., "config": ...}`` of
:mod:`nnstudio.engine.policies` or absent / None (off):

- ``"augment"``: a batch transform (``GaussianNoise``, or for pictures an
  ``AugmentPipeline`` of :mod:`nnstudio.data.augment`);
- ``"schedule"``: a learning-rate schedule (``StepDecay``, ``CosineDecay``, ``ReduceOnPlateau``);
- ``"stop"``: a stop rule (``EarlyStopping``);
- ``"target"``: a goal that ends the run when reached (``TargetStop``).

The window's runner and ``nnstudio train`` both pass them to ``fit`` (in the trainer process
they travel pickled inside the job), so a saved project trains the same way everywhere.
"""
from __future__ import annotations

from nnstudio.errors import ConfigError

#: Settings key -> (fit's keyword, what the policy must be).
KEYS = {"augment": ("transform", "batch transform"), "schedule": ("schedule", "learning-rate schedule"),
        "stop": ("stop", "stop rule"), "target": ("target", "training target")}


def run_policies(training: dict) -> dict:
    """``fit`` keywords (``transform``, ``schedule``, ``stop``, ``target``) from ``training``'s
    settings.

    Raises
    ------
    ConfigError
        Naming the setting, when one is not a valid policy of its kind.
    """
    from nnstudio.engine.policies import (
        CosineDecay,
        EarlyStopping,
        GaussianNoise,
        ReduceOnPlateau,
        StepDecay,
        TargetStop,
        policy_from_config,
    )

    kinds = {"augment": (GaussianNoise,), "schedule": (StepDecay, CosineDecay, ReduceOnPlateau),
             "stop": (EarlyStopping,), "target": (TargetStop,)}
    out: dict[str, object] = {}
    for key, (keyword, what) in KEYS.items():
        spec = training.get(key)
        if spec is None:
            out[keyword] = None
            continue
        try:
            if key == "augment" and isinstance(spec, dict) and spec.get("class") == "AugmentPipeline":
                from nnstudio.data.augment import AugmentPipeline

                out[keyword] = AugmentPipeline.from_config(spec.get("config", {}))
                continue
            policy = policy_from_config(spec)
        except ConfigError as exc:
            raise ConfigError(f"training.{key} is not a valid {what}: {exc}") from None
        if not isinstance(policy, kinds[key]):
            raise ConfigError(f"training.{key} must be a {what}, got {spec.get('class')!r}")
        out[keyword] = policy
    return out
