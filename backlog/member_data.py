"""The backlog's part of account deletion (community.member_data): CRM values are personal data too."""

from community.member_data import MemberData

from .models import CustomerRecord


def erase(member) -> None:
    CustomerRecord.objects.filter(member=member).delete()


MEMBER_DATA = MemberData(erase=erase)
