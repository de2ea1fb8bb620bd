"""Every model has a factory that builds a valid row (the suite's scene-setting relies on it)."""

import pytest
from django.apps import apps

from tests import factories

FACTORIES = [
    obj
    for obj in vars(factories).values()
    if isinstance(obj, type) and issubclass(obj, factories.factory.django.DjangoModelFactory) and obj._meta.model
]


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_builds_a_valid_row(db, factory_class):
    obj = factory_class()
    obj.refresh_from_db()


def test_every_registry_model_has_a_factory():
    covered = {f._meta.model for f in FACTORIES}
    missing = [m.__name__ for m in apps.get_app_config("registry").get_models() if m not in covered]
    assert not missing, f"models without a factory: {missing}"
