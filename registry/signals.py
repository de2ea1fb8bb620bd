"""Guards that must hold however a row is written (Django admin included).

An official holds no membership (conflict of interest, DESIGN.md §2): the services refuse
with a friendly message first; these guards catch the paths that bypass them.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from registry.tenancy.access import OFFICIALS_GROUP
from registry.tenancy.models import Membership

User = get_user_model()


@receiver(m2m_changed, sender=User.groups.through)
def _officials_hold_no_membership(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    if action != "pre_add" or not pk_set or not isinstance(instance, User):
        return
    from django.contrib.auth.models import Group

    if Group.objects.filter(pk__in=pk_set, name=OFFICIALS_GROUP).exists() and instance.memberships.exists():
        raise ValidationError(f"{instance.username} is a member of a brand and cannot become an official.")


@receiver(pre_save, sender=Membership)
def _members_are_not_officials(sender: Any, instance: Membership, **kwargs: Any) -> None:
    if instance.user.groups.filter(name=OFFICIALS_GROUP).exists():
        raise ValidationError(f"{instance.user.username} is an official and cannot be a member of a brand.")
