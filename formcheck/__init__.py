"""formcheck: camera form checking for home exercises that help lower-back pain."""

__version__ = "0.1.0"
