"""The grid worker's phone view of proxy tasks (/m/proxy/), beside their case inbox: requests of
their grids waiting to be accepted and the ones they handle, overdue first; each step one form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .forms import ProxyForm
from .models import ProxyRequest
from .services import (
    ACTION_LABELS,
    ServiceError,
    point_from,
    proxy_phone_reveal,
    proxy_request_create,
    proxy_roles,
    proxy_transition,
)
from .workflow import allowed_actions


@login_required
def task_list(request):
    return render(request, "services/m_list.html", {"tasks": selectors.worker_proxy_tasks(user=request.user)[:100]})


def _task(request, code) -> ProxyRequest:
    """A task the user may see: in their jurisdiction, theirs, or open on their branch of the tree."""
    proxy = ProxyRequest.objects.filter(code=str(code).upper()[:12]).select_related("item", "grid", "worker").first()
    if proxy is None or not (
        proxy_roles(request=proxy, user=request.user)
        or selectors.proxy_list(user=request.user).filter(pk=proxy.pk).exists()
    ):
        from django.http import Http404

        raise Http404("request not found")
    return proxy


@login_required
def task_detail(request, code, *, error="", phone="", status=200):
    proxy = _task(request, code)
    roles = proxy_roles(request=proxy, user=request.user)
    return render(
        request,
        "services/m_detail.html",
        {
            "proxy": proxy,
            "actions": [a for a in allowed_actions(proxy.status, roles) if a not in ("cancel", "rate", "mark_overdue")],
            "log": [
                {"row": row, "label": ACTION_LABELS.get(row.action, row.action)}
                for row in proxy.log.order_by("created_at", "pk")
            ],
            "error": error,
            "phone": phone,
            "can_call": bool(roles) and proxy.is_open,
        },
        status=status,
    )


@login_required
@require_POST
def task_act(request, code):
    proxy = _task(request, code)
    action = request.POST.get("action", "")
    try:
        if action == "reveal_phone":
            phone = proxy_phone_reveal(request=proxy, actor=request.user)
            return task_detail(request, code, phone=phone)
        proxy_transition(
            request=proxy,
            action=action,
            actor=request.user,
            reason=request.POST.get("reason", "").strip(),
            materials=request.POST.getlist("materials"),
            submitted_to=request.POST.get("submitted_to", "").strip(),
            allow_missing=request.POST.get("allow_missing") == "1",
            result=request.POST.get("result", "").strip(),
        )
    except ServiceError as exc:
        return task_detail(request, code, error=exc.message, status=exc.status if 400 <= exc.status < 500 else 400)
    messages.success(request, _("Saved."))
    response = redirect("proxy_mobile:detail", code=proxy.code)
    response.status_code = 303
    return response


@login_required
def task_new(request):
    """A worker files a request for a resident they met (then it is theirs, already accepted)."""
    form = ProxyForm(request.POST or None, initial={"item": request.GET.get("item", "")}, for_resident=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                point = point_from(data["lat"], data["lng"]) if data["lat"] is not None else None
                proxy = proxy_request_create(
                    item=data["item"],
                    phone=data["phone"],
                    name=data["name"],
                    address=data["address"],
                    point=point,
                    community=data["community"] or None,
                    note=data["note"],
                    actor=request.user,
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status if 400 <= exc.status < 500 else 400
            else:
                messages.success(request, _("Request %(code)s filed.") % {"code": proxy.code})
                response = redirect("proxy_mobile:detail", code=proxy.code)
                response.status_code = 303
                return response
    return render(request, "services/m_new.html", {"form": form}, status=status)


app_name = "proxy_mobile"
urlpatterns = [
    path("", task_list, name="list"),
    path("new/", task_new, name="new"),
    path("<str:code>/", task_detail, name="detail"),
    path("<str:code>/act/", task_act, name="act"),
]
