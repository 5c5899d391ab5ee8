from django.shortcuts import get_object_or_404, render

from ideas.models import Idea

from .models import Member


def member_detail(request, pk):
    member = get_object_or_404(Member, pk=pk, is_active=True)
    ideas = Idea.objects.visible_to(request.user).filter(author=member).order_by("-created_at")[:20]
    return render(request, "community/member_detail.html", {"member": member, "ideas": ideas})
