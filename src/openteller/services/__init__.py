"""Application services: use cases that combine readers, the privacy core and the store."""
