"""First-run set-up: an administrator account with a one-time password."""

import secrets

from rexian.accounts.roles import Role


def ensure_admin() -> str | None:
    """Create `admin` when no administrator exists; return its password, else None."""
    from rexian.accounts.models import User

    if User.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    User.objects.create_superuser("admin", password=password, role=Role.ADMIN)
    return password
