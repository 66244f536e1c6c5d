"""What feed tells higher apps (notifications) about comments, without knowing them.

Sent inside the write's transaction, so whatever a receiver writes commits or rolls back
with the comment.
"""

from django.dispatch import Signal

# A new comment: kwargs comment, mentioned (the users its @names link to).
comment_posted = Signal()
# A comment's text changed: kwargs comment, mentioned (as rendered now).
comment_edited = Signal()
# A comment was deleted, hidden or unhidden: kwargs comment (its flags already saved).
comment_visibility_changed = Signal()
