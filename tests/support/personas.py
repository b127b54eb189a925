"""The people the tests act as, made one way (factory_boy), for every test that needs a user.

Personas (STYLE.md, example 9): the applicant and another applicant are browser sessions holding a
case (``tests.conftest.make_case`` and the pages), not users; the staff personas are users:

- ``reviewer``, ``senior`` (senior reviewer) and ``admin``: members of the Django group of that
  role (created by migrations 0003 and 0005), so a test sees exactly the permissions production
  gives the role;
- ``outsider``: a staff account with no role at all (signed in, allowed nothing);
- a plain ``UserFactory`` user: not staff (e.g. the account a case was assigned to).

Staff personas are established accounts: they joined before the four-eyes cooling-off period
(FOUR_EYES_COOLING_OFF_HOURS); a test of that period passes ``established=False``.

Every account has the password ``PASSWORD``; the suite hashes with MD5 (tests/conftest.py) because
the production hasher is slow on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import factory
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.utils import timezone
from factory.django import DjangoModelFactory

PASSWORD = "correct-horse-battery"
ESTABLISHED = timedelta(days=30)
# Persona name -> the Django group of that role.
ROLE_GROUPS = {"reviewer": "reviewer", "senior": "senior reviewer", "admin": "admin"}


def ensure_roles() -> None:
    """The role groups and reason codes come from data migrations; a transactional test elsewhere
    may have flushed them, so put them back (what every ``migrate`` runs, idempotent). Not the data
    migrations themselves: they name the permissions of their day (the audit trail was kyc's then)."""
    from kyc.access.roles import ensure_roles_and_reason_codes

    ensure_roles_and_reason_codes()


class UserFactory(DjangoModelFactory):
    """A user who is not staff."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.django.Password(PASSWORD)
    is_staff = False


class StaffFactory(UserFactory):
    """A staff account; ``role`` (a key of ROLE_GROUPS) makes it a member of that role's group,
    ``permissions`` ("app_label.codename", ...) adds single permissions on top."""

    is_staff = True
    date_joined = factory.LazyFunction(lambda: timezone.now() - ESTABLISHED)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            if not Group.objects.filter(name=ROLE_GROUPS[extracted]).exists():
                ensure_roles()
            self.groups.add(Group.objects.get(name=ROLE_GROUPS[extracted]))

    @factory.post_generation
    def permissions(self, create: bool, extracted: Iterable[str] | None, **kwargs) -> None:
        for perm in extracted or ():
            app_label, codename = perm.split(".")
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def staff_member(
    role: str | None = None,
    *,
    username: str | None = None,
    permissions: Iterable[str] = (),
    established: bool = True,
    superuser: bool = False,
) -> User:
    """A staff account of ``role`` (None: an outsider, staff with no role), read back fresh from the
    database so that its permission cache is empty."""
    options = {"role": role, "permissions": tuple(permissions), "is_superuser": superuser}
    if username:
        options["username"] = username
    if not established:
        options["date_joined"] = timezone.now()
    user = StaffFactory(**options)
    return User.objects.get(pk=user.pk)


def staff_personas() -> dict[str, User]:
    """One user per role, and a second reviewer and senior reviewer (four eyes, claims by others)."""
    return {
        "reviewer": staff_member("reviewer", username="rita"),
        "other_reviewer": staff_member("reviewer", username="oscar"),
        "senior": staff_member("senior", username="sam"),
        "other_senior": staff_member("senior", username="sue"),
        "admin": staff_member("admin", username="ada"),
        "outsider": staff_member(None, username="olga"),
    }


def client_for(user: User | None) -> Client:
    """A browser signed in as ``user`` (None: anonymous)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
