"""Clientele: the customer master of a medical-equipment service platform."""

__version__ = "0.1.0"
