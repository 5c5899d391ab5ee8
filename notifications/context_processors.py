from .services import unread_count


def unread_notifications(request):
    return {"unread_notifications": lambda: unread_count(request.user)}
