"""Syndication feeds whose ETag and Last-Modified move exactly when their content does.

A feed's Last-Modified is not its newest item's arXiv date (an old paper put on today's list, a
vote that reorders it, a hidden entry or an edited title all change the feed without a newer
item) but the time its content last changed, kept per feed URL in FeedVersion. The content is
rendered with a fixed build date to fingerprint it; the fingerprint is the (weak) ETag, and when it
differs from the stored one the feed has changed now. The stored time only grows, by at least a
second per change, because HTTP dates have whole seconds: a reader that fetched the old content in
the same second still gets the new one. The final content's lastBuildDate (RSS) or updated (Atom)
is that same time, which is what both formats mean by it.

GET and HEAD answer alike (Django's ConditionalGetMiddleware adds no ETag to HEAD).
"""

import hashlib
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .models import FeedVersion

FINGERPRINT_DATE = datetime(2000, 1, 1, tzinfo=UTC)
# Rows of feeds unchanged this long are dropped when a new feed URL is first seen; a dropped
# feed's next request starts it afresh at "now", so its readers fetch it once more, never less.
FORGET_AFTER = timedelta(days=30)


def _render(feedgen, build_date: datetime) -> bytes:
    feedgen.latest_post_date = lambda: build_date
    return feedgen.writeString("utf-8").encode()


def changed_at(key: str, etag: str) -> datetime:
    """When the content with this ETag replaced what the feed at `key` served before."""
    for _ in range(3):  # another process may record the same change at the same moment
        row = FeedVersion.objects.filter(pk=key).first()
        if row is not None and row.etag == etag:
            return row.changed_at
        now = timezone.now().replace(microsecond=0)
        try:
            with transaction.atomic():
                if row is None:
                    FeedVersion.objects.filter(changed_at__lt=now - FORGET_AFTER).delete()
                    FeedVersion.objects.create(key=key, etag=etag, changed_at=now)
                    return now
                moment = max(now, row.changed_at + timedelta(seconds=1))
                if FeedVersion.objects.filter(pk=key, etag=row.etag).update(
                    etag=etag, changed_at=moment
                ):
                    return moment
        except IntegrityError:
            pass
    return FeedVersion.objects.get(pk=key).changed_at


def revalidating(feed_class):
    """A view serving this syndication Feed with content-based ETag and Last-Modified."""
    feed = feed_class()

    @require_safe
    def view(request, *args, **kwargs):
        try:
            obj = feed.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist as exc:
            raise Http404("Feed object does not exist.") from exc
        feedgen = feed.get_feed(obj, request)
        etag = hashlib.sha256(_render(feedgen, FINGERPRINT_DATE)).hexdigest()[:32]
        key = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        moment = changed_at(key, etag)
        response = HttpResponse(_render(feedgen, moment), content_type=feedgen.content_type)
        response["ETag"] = f'W/"{etag}"'
        response["Last-Modified"] = http_date(moment.timestamp())
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=int(moment.timestamp()), response=response
        )

    return view
