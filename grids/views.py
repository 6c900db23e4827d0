from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govgrid.permissions import ADMIN, COMMAND_CENTER, has_role

from . import selectors, services
from .choices import LEVEL_COLOURS, Level
from .forms import RosterImportForm


@login_required
def grid_tree(request):
    """Tree browser: the user's roots, expandable; or search results by code or name."""
    query = request.GET.get("q", "").strip()[:50]
    if query:
        grids = selectors.grid_list(user=request.user, search=query).defer("boundary")[:100]
        template = "grids/_search_results.html" if request.headers.get("HX-Request") else "grids/tree.html"
        return render(request, template, {"results": grids, "q": query})
    roots = list(selectors.grid_roots(user=request.user).defer("boundary"))
    if len(roots) == 1:  # a single root opens with its children shown
        roots[0].open_children = roots[0].children.filter(active_to__isnull=True).defer("boundary").order_by("code")
    return render(request, "grids/tree.html", {"roots": roots, "q": ""})


@login_required
def grid_children(request, code):
    grid = selectors.grid_get(user=request.user, code=code)
    children = grid.children.filter(active_to__isnull=True).defer("boundary").order_by("code")
    return render(request, "grids/_children.html", {"children": children})


@login_required
def grid_card(request, code):
    """The card shown beside the map when a grid is clicked."""
    grid = selectors.grid_get(user=request.user, code=code)
    return render(
        request,
        "grids/_card.html",
        {
            "grid": grid,
            "ancestors": selectors.grid_ancestors(grid),
            "members": selectors.grid_members(grid),
        },
    )


@login_required
def grid_map(request):
    levels = [lv for lv in (Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY, Level.GRID, Level.MICRO)]
    return render(
        request,
        "grids/map.html",
        {
            "levels": [{"value": lv.value, "label": lv.label, "colour": LEVEL_COLOURS[lv]} for lv in levels],
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "within": request.GET.get("within", "") if request.GET.get("within", "").isdigit() else "",
        },
    )


def _can_manage_roster(user) -> bool:
    return has_role(user, COMMAND_CENTER, ADMIN)


@login_required
def grid_detail(request, code):
    grid = selectors.grid_get(user=request.user, code=code)
    return render(
        request,
        "grids/detail.html",
        {
            "grid": grid,
            "ancestors": selectors.grid_ancestors(grid),
            "members": selectors.grid_members(grid),
            "children": grid.children.filter(active_to__isnull=True).defer("boundary").order_by("code"),
            "form": RosterImportForm() if _can_manage_roster(request.user) else None,
            "colour": LEVEL_COLOURS.get(grid.level, "#333"),
        },
    )


@login_required
@require_POST
def roster_import(request, code):
    grid = selectors.grid_get(user=request.user, code=code)
    if not _can_manage_roster(request.user):
        raise PermissionDenied
    form = RosterImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            seats = services.roster_import(actor=request.user, grid=grid, csv_text=form.cleaned_data["file"])
        except services.RosterError as exc:
            for problem in exc.problems[:20]:
                messages.error(request, problem)
            messages.error(request, _("Nothing was imported."))
        else:
            messages.success(request, _("%(n)d worker(s) seated on %(grid)s.") % {"n": len(seats), "grid": grid.name})
    else:
        for error in form.errors.get("file", []):
            messages.error(request, error)
    return redirect("grids:detail", code=grid.code)
