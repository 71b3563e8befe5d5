"""Users with roles, for tests."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


def make_user(username: str, *roles: str, password: str = "pw"):
    user = get_user_model().objects.create_user(username, password=password)
    # get_or_create: transactional tests truncate the groups the migration made.
    user.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in roles))
    return user
