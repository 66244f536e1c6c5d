"""Hooks other apps attach to: people knows nothing of the page cache above it."""

from django.dispatch import Signal

# Sent when a claim was verified or rejected (badges and paper pages change); feed bumps the
# page-cache generation on it.
claims_changed = Signal()
