from django.db import models


class Paper(models.Model):
    """One arXiv paper, keyed by its id without version; holds its latest known version."""

    arxiv_id = models.CharField(primary_key=True, max_length=64)
    # Null when a source (OAI-PMH "arXiv" format) does not say which version it describes.
    version = models.PositiveSmallIntegerField(null=True)
    title = models.TextField()
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list)
    categories = models.JSONField(default=list)
    primary_category = models.CharField(max_length=32, blank=True, db_index=True)
    published = models.DateTimeField(db_index=True)
    updated = models.DateTimeField()
    comment = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=512, blank=True)
    license = models.CharField(max_length=256, blank=True)
    withdrawn = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=32)
    imported_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-published"]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:60]}"

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"


class HarvestState(models.Model):
    """Where an OAI-PMH harvest stands, so a killed harvest resumes instead of restarting."""

    key = models.CharField(primary_key=True, max_length=512)
    resumption_token = models.TextField(blank=True)
    # Records with datestamps before this date are known to be in the database.
    watermark = models.DateField(null=True)
    # The `from` date of the harvest in progress; becomes the watermark when it completes.
    started_from = models.DateField(null=True)
    started_at = models.DateTimeField(null=True)
    pages = models.PositiveIntegerField(default=0)
    records = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key
