"""What links tells the apps above it, which it does not import.

`links_changed` is sent inside the transaction that changes which links of some papers are
published, with their `arxiv_ids`: feed bumps the page-cache generation in it (cached pages
show the new links exactly when they commit), search re-indexes the papers once it commits
(the has:code filter).

`link_reviewed` is sent inside the transaction of a review of a person's proposed link, with
the `link` (its new status: published or removed) and the `reviewer`: notifications tells the
proposer.
"""

from django.dispatch import Signal

links_changed = Signal()
link_reviewed = Signal()
