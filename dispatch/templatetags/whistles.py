from django import template

from dispatch.selectors import whistle_responses_pending

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_whistles(context, limit: int = 20):
    """The signed-in user's departments' whistles still awaiting 报到 (for the phone task list)."""
    return list(whistle_responses_pending(user=context["request"].user)[:limit])
