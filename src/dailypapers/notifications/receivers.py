"""The signals notifications listens to, all in one place (docs/architecture.md: lower apps
never import us).

- feed.signals.comment_posted / comment_edited / comment_visibility_changed
- post_save of feed.DailyEntry (a submission) and library.SavedPaper (a save): the submitter
  or saver watches the paper.
- Approvals of author claims and of links added by people (issue 14): their apps had no
  signals on main when this was written; CLAIM_APPROVED and LINK_APPROVED are ready for
  `services.notify` once they do (docs/notifications.md).
"""

from django.db.models.signals import post_save

from ..feed.models import DailyEntry
from ..feed.signals import comment_edited, comment_posted, comment_visibility_changed
from ..library.models import SavedPaper
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


def connect() -> None:
    uid = "dailypapers.notifications"
    comment_posted.connect(on_comment_posted, dispatch_uid=uid)
    comment_edited.connect(on_comment_edited, dispatch_uid=uid)
    comment_visibility_changed.connect(on_comment_visibility_changed, dispatch_uid=uid)
    post_save.connect(on_submitted, sender=DailyEntry, dispatch_uid=uid)
    post_save.connect(on_saved, sender=SavedPaper, dispatch_uid=uid)
