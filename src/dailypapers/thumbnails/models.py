from django.db import models

from ..feed.enrichment import EnrichmentOutcome


class Thumbnail(EnrichmentOutcome):
    """What became of one paper's first-page thumbnail: drawn (its files are on disk, named
    after `drawn_id`), or skipped with a reason and tried again from `retry_at`."""

    # The versioned id whose PDF was drawn: a new version is drawn again under a new name, so
    # the old image's long-lived cache never shows stale pages.
    drawn_id = models.CharField(max_length=72, blank=True)
    width = models.PositiveSmallIntegerField(default=0)  # of the card-size image
    height = models.PositiveSmallIntegerField(default=0)
