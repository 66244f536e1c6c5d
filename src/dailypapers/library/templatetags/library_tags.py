from django import template

from ..services import public_collections_of

register = template.Library()


@register.inclusion_tag("library/_collections.html")
def public_collections(person):
    """The profile page's list of a person's published collections."""
    return {"person": person, "collections": public_collections_of(person)}
