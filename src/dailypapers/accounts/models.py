from django.db import models


class RateCounter(models.Model):
    """Hits per key in a fixed time window. In the database, so every process and host
    shares the count without needing memcached or Redis."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    # Unix time the window ends: counters of every period are pruned by one indexed range.
    expires = models.BigIntegerField(default=0, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_counter")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.hits}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)  # shown in listings to tell tokens apart
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"
