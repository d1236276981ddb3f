"""Admin of the reviews app; each area registers its models in its own module."""

from .review import ReviewAdmin

__all__ = ["ReviewAdmin"]
