"""Explicit hooks other apps attach to, so ingestion needs to know nothing about them."""

from django.dispatch import Signal

# Sent after papers were inserted or changed and committed; `arxiv_ids` lists them.
papers_changed = Signal()

# Sent by the `import` command once every file is in. Receivers may return a line for the
# command to print (search builds its first index here, so `import` then `search` just works).
import_finished = Signal()

# Sent inside the transaction that wrote them, with the `records` inserted or changed, so
# that what other apps derive from a paper's text (its links) commits or rolls back with it.
papers_written = Signal()
