"""Channels: messaging platforms and the web chat, turned into assistant turns and back."""
