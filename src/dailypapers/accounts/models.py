from django.db import models


class RateCounter(models.Model):
    """Hits per key in a fixed time window. In the database, so every process and host
    shares the count without needing memcached or Redis."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_counter")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.hits}"
