"""The signals notifications listens to, all in one place (docs/architecture.md: lower apps
never import us).

- feed.signals.comment_posted / comment_edited / comment_visibility_changed
- post_save of feed.DailyEntry (a submission) and library.SavedPaper (a save): the submitter
  or saver watches the paper.
- post_save of people.Claim: making an authorship claim watches the paper.
- people.signals.claims_changed (a claim verified or rejected) and links.signals.link_reviewed
  (a proposed link approved or rejected): the claimant or proposer hears of it, inside the
  deciding transaction, so the notification commits with the decision or not at all.
"""

from django.db.models.signals import post_save

from ..feed.models import DailyEntry
from ..feed.signals import comment_edited, comment_posted, comment_visibility_changed
from ..library.models import SavedPaper
from ..links.signals import link_reviewed
from ..people.models import Claim
from ..people.signals import claims_changed
from . import services
from .models import Notification, Watch


def on_comment_posted(sender, *, comment, mentioned, **kwargs):
    services.notify_comment(comment, mentioned)
    Watch.objects.get_or_create(user_id=comment.author_id, paper_id=comment.paper_id)


def on_comment_edited(sender, *, comment, mentioned, **kwargs):
    services.notify_mentions(comment, mentioned)


def on_comment_visibility_changed(sender, *, comment, **kwargs):
    """A deleted or hidden comment is never mailed, even if unhidden later."""
    if not comment.visible:
        Notification.objects.filter(comment=comment, mail=Notification.Mail.WAITING).update(
            mail=Notification.Mail.NONE
        )


def on_submitted(sender, *, instance, created, raw=False, **kwargs):
    if created and not raw and instance.submitted_by_id:
        Watch.objects.get_or_create(user_id=instance.submitted_by_id, paper_id=instance.paper_id)


def on_saved(sender, *, instance, created, raw=False, **kwargs):
    if created and not raw:
        Watch.objects.get_or_create(user_id=instance.user_id, paper_id=instance.paper_id)


def on_claimed(sender, *, instance, created, raw=False, **kwargs):
    if created and not raw:
        Watch.objects.get_or_create(user_id=instance.user_id, paper_id=instance.paper_id)


def on_claim_decided(sender, *, claim, decider, **kwargs):
    services.notify_claim_decided(claim, decider)


def on_link_reviewed(sender, *, link, reviewer, **kwargs):
    services.notify_link_reviewed(link, reviewer)


def connect() -> None:
    uid = "dailypapers.notifications"
    comment_posted.connect(on_comment_posted, dispatch_uid=uid)
    comment_edited.connect(on_comment_edited, dispatch_uid=uid)
    comment_visibility_changed.connect(on_comment_visibility_changed, dispatch_uid=uid)
    post_save.connect(on_submitted, sender=DailyEntry, dispatch_uid=uid)
    post_save.connect(on_saved, sender=SavedPaper, dispatch_uid=uid)
    post_save.connect(on_claimed, sender=Claim, dispatch_uid=uid)
    claims_changed.connect(on_claim_decided, dispatch_uid=uid)
    link_reviewed.connect(on_link_reviewed, dispatch_uid=uid)
