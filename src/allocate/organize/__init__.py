"""Organization models: presets that turn an instance into an assignment problem."""

from .items import ModelProblem
from .presets import build_model

__all__ = ["ModelProblem", "build_model"]
