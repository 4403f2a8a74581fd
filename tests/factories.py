"""Test data builders. They write straight to the models; services are tested on their own."""

import factory
from django.contrib.auth import get_user_model

from groups.models import (
    Affiliation,
    AffiliationKind,
    Alias,
    Attack,
    Attribution,
    AttributionKind,
    Designation,
    Group,
    GroupRole,
    GroupSection,
    GtdPerpetratorName,
    Person,
    RoleKind,
    SectionTopic,
    SizeEstimate,
    Theatre,
    TheatreGroup,
)
from kb.models import PublicationStatus
from sources.models import Citation, Source

ARTICLE_TEXT = (
    "Islamabad: A major Pakistani militant group worked with the Islamic State to carry out a huge raid "
    "on a police academy this week that left more than 60 dead, a spokesman said Wednesday.\n\n"
    "Pakistani authorities said the attack was carried out by the Al-Alami faction of the Lashkar-e-Jhangvi (LeJ) group. "
    "It was also claimed by the Islamic State group, known as “Daesh” to its critics."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


def user_in_role(role: str, **values):
    """A user with one of the editorial roles ("Editor", "Reviewer")."""
    from django.contrib.auth.models import Group as Role

    user = UserFactory(**values)
    user.groups.add(Role.objects.get(name=role))
    return user


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    outlet = "Example News"
    text = ARTICLE_TEXT
    publication_status = PublicationStatus.PUBLISHED


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Test Front {n}")
    slug = factory.Sequence(lambda n: f"test-front-{n}")
    summary = "A group reported by the test article."
    publication_status = PublicationStatus.PUBLISHED


class GtdPerpetratorNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GtdPerpetratorName

    name = factory.Sequence(lambda n: f"Test Front {n} (TF{n})")
    group = factory.SubFactory(GroupFactory)


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alias

    group = factory.SubFactory(GroupFactory)
    name = factory.Sequence(lambda n: f"Other Name {n}")
    publication_status = PublicationStatus.PUBLISHED


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    from_group = factory.SubFactory(GroupFactory)
    to_group = factory.SubFactory(GroupFactory)
    kind = AffiliationKind.FACTION_OF
    publication_status = PublicationStatus.PUBLISHED


class DesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Designation

    group = factory.SubFactory(GroupFactory)
    authority = "United Nations"
    listing = "global terrorist"
    publication_status = PublicationStatus.PUBLISHED


class AttackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attack

    title = factory.Sequence(lambda n: f"Attack {n}")
    slug = factory.Sequence(lambda n: f"attack-{n}")
    country = "PK"
    publication_status = PublicationStatus.PUBLISHED


class AttributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribution

    attack = factory.SubFactory(AttackFactory)
    group = factory.SubFactory(GroupFactory)
    kind = AttributionKind.CLAIMED
    publication_status = PublicationStatus.PUBLISHED


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Abu Test {n}")
    slug = factory.Sequence(lambda n: f"abu-test-{n}")
    publication_status = PublicationStatus.PUBLISHED


class GroupRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupRole

    person = factory.SubFactory(PersonFactory)
    group = factory.SubFactory(GroupFactory)
    kind = RoleKind.SPOKESMAN
    publication_status = PublicationStatus.PUBLISHED


class SizeEstimateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SizeEstimate

    group = factory.SubFactory(GroupFactory)
    low = 3000
    high = 4000
    counted = "fighters"
    estimated_by = factory.Sequence(lambda n: f"Monitoring Team {n}")
    publication_status = PublicationStatus.PUBLISHED


class GroupSectionFactory(factory.django.DjangoModelFactory):
    """A profile section; its text names no citation until a test gives it markers."""

    class Meta:
        model = GroupSection

    group = factory.SubFactory(GroupFactory)
    topic = SectionTopic.OVERVIEW
    text = "According to officials, the group was formed in 2016."
    publication_status = PublicationStatus.PUBLISHED


class TheatreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theatre

    name = factory.Sequence(lambda n: f"Test Theatre {n}")
    slug = factory.Sequence(lambda n: f"test-theatre-{n}")
    description = "The groups of the test region."
    start_year = 2010
    end_year = 2019
    publication_status = PublicationStatus.PUBLISHED


class TheatreGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TheatreGroup

    theatre = factory.SubFactory(TheatreFactory)
    group = factory.SubFactory(GroupFactory)
    publication_status = PublicationStatus.PUBLISHED


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    quote = "It was also claimed by the Islamic State group"
    group = factory.SubFactory(GroupFactory)
    publication_status = PublicationStatus.PUBLISHED
