from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """A share (0.953) as a percentage (95.3%); '–' when there is none."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.1f}%"
