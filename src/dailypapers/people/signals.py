"""Hooks other apps attach to: people knows nothing of the page cache above it."""

from django.dispatch import Signal

# Sent inside the transaction that verified or rejected a claim, with the `claim` (its status
# says which) and the curator who decided it (`decider`): feed bumps the page-cache generation
# on it (badges and paper pages change), notifications tells the claimant.
claims_changed = Signal()
