from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .services import notifications_mark_read


@login_required
def inbox(request):
    notifications = Notification.objects.filter(recipient=request.user).select_related("actor", "idea")[:100]
    return render(request, "notifications/inbox.html", {"notifications": notifications})


@require_POST
@login_required
def mark_read(request):
    notifications_mark_read(member=request.user)
    return redirect("notifications:inbox")
