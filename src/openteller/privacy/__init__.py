"""The privacy core: keys and encryption (more arrives with consent and audit)."""
