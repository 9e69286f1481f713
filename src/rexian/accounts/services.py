"""Creating users from the CLI and the demo, with the same rules as the admin."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from rexian.accounts.models import User
from rexian.accounts.roles import Role
from rexian.directory.models import Department


class UserError(Exception):
    pass


def add_user(username: str, role: str, department_code: str | None = None, password: str | None = None):
    """Create a user; returns (user, generated password or None)."""
    if role not in Role.values:
        raise UserError(f"未知角色 {role}，可选：{', '.join(Role.values)}")
    if User.objects.filter(username=username).exists():
        raise UserError(f"用户 {username} 已存在。")
    department = None
    if department_code:
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise UserError(f"单位编码 {department_code} 不存在，可用编码见 /api/v1/departments。")
    if role == Role.DEPARTMENT and department is None:
        raise UserError("承办单位用户必须用 --department 指定单位编码。")
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    user = User(username=username, role=role, department=department, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    try:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise UserError("；".join(error.messages)) from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
    return user, generated
