"""REST permissions from roles (engine.roles). Reads need "view"; each view
names the capability its writes need in ``write_capability``."""
from rest_framework.permissions import SAFE_METHODS, BasePermission

from engine.roles import user_can


class RolePermission(BasePermission):
    message = "your role does not allow this"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return user_can(request.user, getattr(view, "read_capability", "view"))
        return user_can(request.user, getattr(view, "write_capability", "admin-only"))


class CanAudit(BasePermission):
    message = "only an admin may export the audit log"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and user_can(request.user, "audit"))
