"""casemgmt: typed, embeddable model and rules for health and social care case management."""

__version__ = "0.1.0"

__all__ = ["__version__"]
