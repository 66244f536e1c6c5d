"""Explicit hooks other apps attach to, so ingestion needs to know nothing about them."""

from django.dispatch import Signal

# Sent after papers were inserted or changed and committed; `arxiv_ids` lists them.
papers_changed = Signal()
