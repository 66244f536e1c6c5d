from django import template
from django.utils.html import format_html

from ...core.urls import fixed_path
from ..services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def notifications_link(context):
    """The header's link to the inbox with its unread count, for a signed-in user only:
    base.html draws it inside {% if user.is_authenticated %}, and the page cache keeps only
    pages of visitors without a session, so no cached page ever carries someone's count."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return ""
    count, inbox = unread_count(user), fixed_path("notifications")
    if not count:
        return format_html('<a href="{}">Notifications</a>', inbox)
    return format_html(
        '<a href="{}" class="notifications-link" aria-label="Notifications, {} unread">'
        'Notifications <span class="badge" data-unread="{}">{}</span></a>',
        inbox,
        count,
        count,
        count,
    )
