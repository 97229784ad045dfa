"""The HTTP service: FastAPI app, webhooks, health and metrics."""
