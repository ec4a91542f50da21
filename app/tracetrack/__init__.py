"""TraceTrack: warehouse bag tracking."""

# Defined before the import below: submodules read it while they load.

__version__ = "1.0.0"

from .factory import create_app

__all__ = ["__version__", "create_app"]
