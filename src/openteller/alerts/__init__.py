"""Fraud alerts and proactive insights."""
