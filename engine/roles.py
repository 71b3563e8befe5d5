"""The four roles (Django groups, created by a migration) and what each may do.
Enforced identically by the REST permissions, the pages and the websockets."""
from __future__ import annotations

VIEWER, OPERATOR, DESIGNER, ADMIN = "viewer", "operator", "designer", "admin"
ROLES = (VIEWER, OPERATOR, DESIGNER, ADMIN)

# capability -> roles that have it
CAPABILITIES = {
    "view": {VIEWER, OPERATOR, DESIGNER, ADMIN},
    "operate": {OPERATOR, ADMIN},      # run actions: retry, skip, compensate, cancel, signal, edit data, bulk, start
    "design": {DESIGNER, ADMIN},       # create, edit, publish definitions; test runs
    "audit": {ADMIN},                  # export the audit log
    "administer": {ADMIN},             # alert rules, webhook secrets, retention settings
}


def roles_of(user) -> set[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {ADMIN}
    cached = getattr(user, "_flowdeck_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._flowdeck_roles = cached
    return cached


def user_can(user, capability: str) -> bool:
    return bool(roles_of(user) & CAPABILITIES.get(capability, {ADMIN}))
