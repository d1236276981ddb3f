"""Selectors: the related ids of a use case, in the order its models declare."""

from intake.selectors import use_case_with_related_ids
from tests.factories import UseCaseFactory
from vendors.models import AIModel, Vendor


def _model(provider, name, version):
    return AIModel.objects.create(provider=provider, name=name, version=version, hosting="vendor_api",
                                  max_data_classification="internal", max_tier="low")


def test_related_ids_come_in_the_orms_order_in_two_queries(db, django_assert_num_queries):
    use_case, bare = UseCaseFactory(), UseCaseFactory()
    zeta, acme, mid = (Vendor.objects.create(name=n) for n in ("Zeta AI", "Acme AI", "Mid AI"))
    models = [_model(zeta, "alpha", "1"), _model(acme, "zulu", "2"), _model(acme, "zulu", "10"),
              _model(acme, "beta", "1"), _model(mid, "alpha", "1")]
    use_case.vendors.set([zeta, mid, acme])
    use_case.ai_models.set(models)
    UseCaseFactory().vendors.set([zeta])  # another use case's rows stay out
    with django_assert_num_queries(2):
        read = use_case_with_related_ids(use_case)
    assert read.vendor_ids == list(use_case.vendors.values_list("id", flat=True))
    assert read.ai_model_ids == list(use_case.ai_models.values_list("id", flat=True))
    assert read.vendor_ids == [acme.pk, mid.pk, zeta.pk]
    assert (read.ai_model_ids[0], read.ai_model_ids[-1]) == (models[3].pk, models[0].pk)
    assert (use_case_with_related_ids(bare).vendor_ids, bare.ai_model_ids) == ([], [])
