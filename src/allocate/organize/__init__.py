"""Organization models: presets that turn an instance into an assignment problem."""

from allocate.organize.items import ModelProblem
from allocate.organize.presets import build_model

__all__ = ["ModelProblem", "build_model"]
