"""TraceTrack: warehouse bag tracking."""

__version__ = "1.0.0"

from .factory import create_app  # noqa: E402  (the version must exist before submodules import it)

__all__ = ["__version__", "create_app"]
