"""OpenTeller: a conversational banking gateway with privacy by construction."""

__version__ = "0.1.0"
