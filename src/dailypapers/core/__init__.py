"""Shared utilities below every app: plain modules, no models (docs/architecture.md)."""
