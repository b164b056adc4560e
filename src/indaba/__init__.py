"""Indaba: large, multilingual, end-to-end encrypted public dialogues."""

__version__ = "0.1.0"
