"""What ideas are filed under (tags, products, campaigns), and the caller's own account."""

from ninja import Router
from taggit.models import Tag

from community.services import member_export_data, member_roles
from ideas.models import campaign_model
from products.models import Product

from . import access
from .auth import ANYONE, MEMBERS
from .models import Scope
from .schemas import CampaignOut, MeOut, ProductOut, TagOut

router = Router()

# Reads of whole small tables: bounded so a runaway table cannot make one answer huge.
MAX_ROWS = 1000


@router.get("/tags", response=list[TagOut], auth=ANYONE, tags=["catalog"], summary="Tags")
def tag_list(request):
    access.member(request)
    return list(Tag.objects.order_by("name").values("id", "name", "slug")[:MAX_ROWS])


@router.get("/products", response=list[ProductOut], auth=ANYONE, tags=["catalog"], summary="Products")
def product_list(request):
    access.member(request)
    return list(Product.objects.order_by("name").values("id", "name", "slug", "description")[:MAX_ROWS])


@router.get("/campaigns", response=list[CampaignOut], auth=ANYONE, tags=["catalog"], summary="Campaigns")
def campaign_list(request):
    access.member(request)
    pages = campaign_model().objects.live().order_by("-starts_at", "pk")[:MAX_ROWS]
    return [
        {
            "id": page.pk,
            "title": page.title,
            "slug": page.slug,
            "question": page.question,
            "starts_at": page.starts_at,
            "ends_at": page.ends_at,
            "is_open": page.is_open,
        }
        for page in pages
    ]


@router.get("/me", response=MeOut, auth=MEMBERS, tags=["me"], summary="Your account")
def me(request):
    found = access.caller(request, Scope.READ)
    member = found.member
    return {
        "id": member.pk,
        "username": member.username,
        "display_name": member.display_name,
        "roles": sorted(member_roles(member)),
        "may_contribute": member.may_contribute,
        "token_scopes": sorted(found.scopes),
    }


@router.get("/me/export", response=dict, auth=MEMBERS, tags=["me"], summary="Download your data")
def me_export(request):
    return member_export_data(access.member(request))
