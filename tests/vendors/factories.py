"""factory-boy factories for the vendors app.

Assessments are not a factory: they are started through the service so the
checklist rows exist, as in production (see conftest ``start``).
"""

import datetime

import factory

from vendors.models import AIModel, Certification, Vendor, VendorContact


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Vendor {n:03d}")
    website = factory.LazyAttribute(lambda v: f"https://{v.name.lower().replace(' ', '')}.example.com")
    description = "Hosted AI service."
    criticality = "medium"


class VendorContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorContact

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@vendor.example.com")
    role = "account manager"


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    vendor = factory.SubFactory(VendorFactory)
    kind = "soc2_type2"
    issued_on = datetime.date(2025, 1, 1)
    expires_on = datetime.date(2026, 1, 1)


class AIModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIModel

    provider = factory.SubFactory(VendorFactory)
    name = "Atlas"
    version = factory.Sequence(lambda n: f"1.{n}")
    hosting = "vendor_api"
    max_data_classification = "confidential"
    max_tier = "high"
    status = "approved"
