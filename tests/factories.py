import factory
from allauth.account.models import EmailAddress

from community.models import Member, Segment
from ideas import services as idea_services
from products.models import Product


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda m: f"{m.username}@example.com")
    display_name = factory.Faker("name")
    email_verified = True
    # The cast are established members, so limits for newcomers stay out of unrelated tests; the
    # moderation tests make newcomers with trust_level=0, trust_locked=False.
    trust_level = 3
    trust_locked = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(
                user=self, email=self.email, verified=self.email_verified, primary=True
            )


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    slug = factory.Sequence(lambda n: f"segment-{n}")
    market_size = 1000
    margin_per_period = 50
    retention_rate = "0.8"
    discount_rate = "0.1"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")


def make_idea(
    *, author=None, title="Offline maps over Wi-Fi", body="Update offline maps on **Wi-Fi**.", **kwargs
):
    """Ideas are created through the service, as members create them."""
    return idea_services.idea_submit(author=author or MemberFactory(), title=title, body=body, **kwargs)


def with_role(member, role):
    from community.services import role_grant

    role_grant(member=member, role=role, granted_by=None)
    member.refresh_from_db()
    return member


def with_totp(member):
    """Activate two-factor authentication for a member, as the set-up page does."""
    from community.totp import totp_activate

    totp_activate(member=member)
    return member
