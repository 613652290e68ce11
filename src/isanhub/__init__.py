"""Isan Digital Hub: the open city data platform of the Digital Khon Kaen Sandbox."""

__version__ = "0.1.0"
