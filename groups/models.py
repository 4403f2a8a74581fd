"""Groups, the names they go by, how they relate, who leads them, how large they are said to be, and the attacks
attributed to them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, TextField, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import get_language_info
from django_countries.fields import CountryField

from kb.dates import (
    DatePrecision,
    choices_constraint,
    format_partial_date,
    format_period,
    moment_key,
    partial_date_constraints,
    precision_field,
)
from kb.links import record_path
from kb.models import AuditedModel, CuratedModel, status_index, updated_index
from kb.search import search_document_field
from sources.markers import MARKER, marker_ids, marker_problems
from sources.models import Citation

from .normalization import normalize_name


def _end_not_before_start(model: str, start: str, end: str, label: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)}),
        name=f"{model}_{end}_not_before_{start}",
        violation_error_message=f"The {label} cannot come before the start.",
    )


def _check_search_key(record, clash_message) -> None:
    """Set `record.normalized_name` from its name; refuse a name without letters or digits, or one another record of
    its model already has (`clash_message(other)` says so)."""
    record.normalized_name = normalize_name(record.name)
    if not record.normalized_name:
        raise ValidationError({"name": "A name needs at least one letter or digit."})
    clash = type(record).objects.filter(normalized_name=record.normalized_name).exclude(pk=record.pk).first()
    if clash:
        raise ValidationError({"name": clash_message(clash)})


class GroupKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    BRANCH = "branch", "Branch or province"
    FACTION = "faction", "Faction"
    NETWORK = "network", "Network"
    MOVEMENT = "movement", "Movement"
    OTHER = "other", "Other"


class GroupStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    MERGED = "merged", "Merged"
    UNKNOWN = "unknown", "Unknown"


class Group(CuratedModel):
    """A militant organisation, branch, faction or network that the sources report on."""

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("name", "kind", "status", "summary", "founded", "dissolved", "ideology", "countries", "areas")

    name = models.CharField("canonical name", max_length=200)
    normalized_name = models.CharField("search key", max_length=200, editable=False, db_index=True)
    slug = models.SlugField(max_length=200, unique=True, help_text="Stable identifier used in URLs; do not change once published.")
    kind = models.CharField(max_length=16, choices=GroupKind.choices, default=GroupKind.ORGANISATION)
    status = models.CharField(max_length=16, choices=GroupStatus.choices, default=GroupStatus.UNKNOWN)
    founded = models.DateField("founded", null=True, blank=True)
    founded_precision = precision_field("founding date precision")
    dissolved = models.DateField("dissolved", null=True, blank=True)
    dissolved_precision = precision_field("dissolution date precision")
    summary = models.TextField(blank=True, help_text="A short neutral summary; cite it.")
    ideology = models.CharField(max_length=200, blank=True)
    countries = CountryField("countries of operation", multiple=True, blank=True)
    areas = models.CharField("areas of operation", max_length=500, blank=True, help_text="As the sources describe them.")

    wikidata_id = models.CharField(
        "Wikidata QID", max_length=20, blank=True, validators=[RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata QID looks like Q12345.")]
    )
    gtd_name = models.CharField("GTD group name", max_length=200, blank=True)
    mitre_attack_id = models.CharField(
        "MITRE ATT&CK group id",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^G[0-9]{4}$", "An ATT&CK group id looks like G0001.")],
    )
    ucdp_actor_id = models.PositiveIntegerField("UCDP actor id", null=True, blank=True)

    class Meta:
        verbose_name = "group"
        verbose_name_plural = "groups"
        ordering = [Lower("name"), "id"]  # "al-Qaeda" among the A's, whatever the database collation
        permissions = [("publish_group", "Can publish or unpublish groups")]
        # Search by any spelling: LIKE '%key%' and pg_trgm's % operator both use a trigram index.
        indexes = [
            status_index("group"),
            GinIndex(fields=["normalized_name"], opclasses=["gin_trgm_ops"], name="group_search_key_trgm"),
            updated_index("group"),  # the groups changed last (`groups.selectors.recently_updated_groups`)
            # The lists of what belongs to groups, in their groups' order by name (affiliations, roles, size estimates,
            # designations, sections): a first page read group by group in this order, not every row joined and
            # sorted (`/api/v1/affiliations/` at GTD scale: 32 → 1 ms for its page's statement).
            models.Index(fields=["name", "id"], name="group_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name"],
                name="group_name_unique",
                violation_error_message="Another group already has this name, or a spelling of it.",
            ),
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="group_wikidata_id_unique",
                violation_error_message="Another group already has this Wikidata QID.",
            ),
            models.UniqueConstraint(
                fields=["mitre_attack_id"],
                condition=~Q(mitre_attack_id=""),
                name="group_mitre_attack_id_unique",
                violation_error_message="Another group already has this ATT&CK id.",
            ),
            choices_constraint("kind", GroupKind, model="group"),
            choices_constraint("status", GroupStatus, model="group"),
            *partial_date_constraints("founded", model="group", label="founding date"),
            *partial_date_constraints("dissolved", model="group", label="dissolution date"),
            _end_not_before_start("group", "founded", "dissolved", "dissolution date"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_path("groups:group_detail", slug=self.slug)

    def version_url(self, moment) -> str:
        """The permanent address of the profile as it was at `moment`."""
        return reverse("groups:group_revision", kwargs={"slug": self.slug, "key": moment_key(moment)})

    @classmethod
    def known_as(cls, key: str) -> Q:
        """A group whose own name or a public alias has this search key."""
        return Q(normalized_name=key) | Q(Exists(Alias.objects.public().filter(group=OuterRef("pk"), normalized_name=key)))

    @classmethod
    def named(cls, name: str) -> Q:
        """A group known by this name, however it is spelled (`normalize_name`): the filters' `?group=Daesh`."""
        return cls.known_as(normalize_name(name))

    @property
    def founded_display(self) -> str:
        return format_partial_date(self.founded, self.founded_precision)

    @property
    def dissolved_display(self) -> str:
        return format_partial_date(self.dissolved, self.dissolved_precision)

    def clean(self):
        _check_search_key(self, lambda clash: f"“{clash.name}” already has this name (or a spelling of it).")
        alias = Alias.objects.filter(normalized_name=self.normalized_name).exclude(group_id=self.pk).select_related("group").first()
        if alias:
            raise ValidationError({"name": f"“{self.name}” is an alias of “{alias.group.name}”; rename or remove that alias first."})

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)


class AliasKind(models.TextChoices):
    ACRONYM = "acronym", "Acronym"
    VARIANT = "variant", "Spelling or transliteration variant"
    TRANSLATION = "translation", "Translation"
    SHORT_FORM = "short_form", "Short form"
    FORMER_NAME = "former_name", "Former name"
    SELF_DESIGNATION = "self_designation", "Self-designation"
    EXONYM = "exonym", "Exonym (name used by others)"
    PEJORATIVE = "pejorative", "Pejorative"


class Alias(CuratedModel):
    """Another name a group is known by, as a source writes it.

    Spellings that share a search key (al-Qaida, al-Qaeda) may both be recorded for one
    group; across groups a shared search key must be acknowledged by the editor.
    """

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("name", "kind", "valid_from", "valid_to")
    PUBLISHED_WITH = ("group",)

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField("name as written", max_length=200)
    normalized_name = models.CharField("search key", max_length=200, editable=False, db_index=True)
    kind = models.CharField(max_length=20, choices=AliasKind.choices, default=AliasKind.VARIANT)
    language = models.CharField(
        max_length=35,
        blank=True,
        help_text="BCP 47 language tag: en, ar, ur, ps…",
        validators=[RegexValidator(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "Use a BCP 47 tag such as en, ar or ur-Latn.")],
    )
    script = models.CharField(
        max_length=4,
        blank=True,
        help_text="ISO 15924 script code: Latn, Arab…",
        validators=[RegexValidator(r"^[A-Z][a-z]{3}$", "Use an ISO 15924 code such as Latn or Arab.")],
    )
    valid_from = models.DateField("in use from", null=True, blank=True)
    valid_from_precision = precision_field("in use from: precision")
    valid_to = models.DateField("in use until", null=True, blank=True)
    valid_to_precision = precision_field("in use until: precision")
    shared_name_acknowledged = models.BooleanField(
        "shared name acknowledged",
        default=False,
        help_text="Tick only when another group really is known by the same name; otherwise such a name is refused.",
    )

    class Meta:
        verbose_name = "alias"
        verbose_name_plural = "aliases"
        ordering = [Lower("name"), "id"]
        permissions = [("publish_alias", "Can publish or unpublish aliases")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "group",
                name="alias_name_unique_per_group",
                violation_error_message="This group already has this alias.",
            ),
            choices_constraint("kind", AliasKind, model="alias"),
            *partial_date_constraints("valid_from", model="alias", label="start of use"),
            *partial_date_constraints("valid_to", model="alias", label="end of use"),
            _end_not_before_start("alias", "valid_from", "valid_to", "end of use"),
        ]
        indexes = [
            status_index("alias"),
            models.Index(fields=["group", "kind"], name="alias_group_kind_idx"),
            models.Index(fields=["group", "updated_at"], name="alias_group_updated_idx"),  # a profile's last update
            models.Index(F("group"), Lower("name"), F("id"), name="alias_group_name_idx"),  # a group's first names, in order
            updated_index("alias", "group"),
            GinIndex(fields=["normalized_name"], opclasses=["gin_trgm_ops"], name="alias_search_key_trgm"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_name(self) -> str:
        """ "Arabic" for ar; the tag itself when Django does not know the language."""
        if not self.language:
            return ""
        try:
            return get_language_info(self.language)["name"]
        except KeyError:
            return self.language

    @property
    def period_display(self) -> str:
        return format_period(self.valid_from, self.valid_from_precision, self.valid_to, self.valid_to_precision)

    def clean(self):
        self.normalized_name = normalize_name(self.name)
        if not self.normalized_name:
            raise ValidationError({"name": "An alias needs at least one letter or digit."})
        if self.group_id:
            group = self.group
            if group.name.casefold() == self.name.casefold():
                raise ValidationError({"name": f"“{self.name}” is the group's own name, not an alias."})
            if Alias.objects.filter(group_id=self.group_id, name__iexact=self.name).exclude(pk=self.pk).exists():
                raise ValidationError({"name": f"{group.name} already has the alias “{self.name}”."})
        if not self.shared_name_acknowledged:
            others = groups_known_by(self.normalized_name, excluding_group_id=self.group_id)
            if others:
                names = ", ".join(f"“{g.name}”" for g in others)
                raise ValidationError(
                    {
                        "name": f"“{self.name}” is also a name of {names}. Tick “shared name acknowledged” "
                        "if both groups really are known by it."
                    }
                )

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)


def groups_known_by(normalized_name: str, *, excluding_group_id: int | None = None) -> list[Group]:
    """Every group whose name or one of whose aliases has this search key."""
    matches = Group.objects.filter(Q(normalized_name=normalized_name) | Q(aliases__normalized_name=normalized_name))
    if excluding_group_id is not None:
        matches = matches.exclude(pk=excluding_group_id)
    return list(matches.distinct())


class SearchKey(models.Model):
    """Each search key a group's name or an alias has had: what the name search ranks, before it reads the names.

    Names repeat their keys ("al-Qaida", "al-Qaeda", "Al Qaeda" are one key, and one name may belong to several
    groups): at GTD scale a million aliases have 160,000 keys, so ranking keys by trigram similarity reads a sixth of
    the rows that ranking names did. Kept by triggers on the names' tables (migration 0020), so every way a name is
    written, bulk imports included, adds its key. A key is never removed: one whose names were renamed or
    deleted finds no public name, which the search passes over, as it does the keys of drafts.
    """

    key = models.CharField(max_length=200, primary_key=True)

    class Meta:
        indexes = [GinIndex(fields=["key"], opclasses=["gin_trgm_ops"], name="search_key_trgm")]

    def __str__(self) -> str:
        return self.key


class AffiliationKind(models.TextChoices):
    """How the first group stands to the second; the label reads "<from> <label> <to>"."""

    BRANCH_OF = "branch_of", "branch or province of"
    FACTION_OF = "faction_of", "faction of"
    SPLINTER_FROM = "splinter_from", "splinter from"
    FORMERLY_PART_OF = "formerly_part_of", "formerly part of"
    MERGED_INTO = "merged_into", "merged into"
    PLEDGED_ALLEGIANCE_TO = "pledged_allegiance_to", "pledged allegiance to"
    SUPPORTED_BY = "supported_by", "supported by"
    INSPIRED_BY = "inspired_by", "ideologically inspired by"
    FORMED_BY_FORMER_MEMBERS_OF = "formed_by_former_members_of", "formed by former members of"
    ALLIED_WITH = "allied_with", "allied with"
    COOPERATED_WITH = "cooperated_with", "cooperated with"
    AFFILIATED_WITH = "affiliated_with", "affiliated with"
    RIVAL_OF = "rival_of", "rival of"


SYMMETRIC_AFFILIATION_KINDS = frozenset(
    {AffiliationKind.ALLIED_WITH, AffiliationKind.COOPERATED_WITH, AffiliationKind.AFFILIATED_WITH, AffiliationKind.RIVAL_OF}
)

# How a directed relationship reads from the second group's side.
INVERSE_AFFILIATION_LABELS = {
    AffiliationKind.BRANCH_OF: "has as branch or province",
    AffiliationKind.FACTION_OF: "has as faction",
    AffiliationKind.SPLINTER_FROM: "has as splinter group",
    AffiliationKind.FORMERLY_PART_OF: "formerly included",
    AffiliationKind.MERGED_INTO: "absorbed",
    AffiliationKind.PLEDGED_ALLEGIANCE_TO: "received a pledge of allegiance from",
    AffiliationKind.SUPPORTED_BY: "supported",
    AffiliationKind.INSPIRED_BY: "ideologically inspired",
    AffiliationKind.FORMED_BY_FORMER_MEMBERS_OF: "saw former members form",
}


class Confidence(models.TextChoices):
    REPORTED = "reported", "Reported"
    CONFIRMED = "confirmed", "Confirmed"
    ALLEGED = "alleged", "Alleged"
    DISPUTED = "disputed", "Disputed"


class Affiliation(CuratedModel):
    """A typed, dated relationship between two groups, read "<from group> <kind> <to group>"."""

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("kind", "started", "ended", "confidence", "description")
    PUBLISHED_WITH = ("from_group", "to_group")

    from_group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="affiliations_from", verbose_name="group")
    to_group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="affiliations_to", verbose_name="related group")
    kind = models.CharField("relationship", max_length=32, choices=AffiliationKind.choices)
    started = models.DateField(null=True, blank=True)
    started_precision = precision_field("start date precision")
    ended = models.DateField(null=True, blank=True)
    ended_precision = precision_field("end date precision")
    confidence = models.CharField(max_length=16, choices=Confidence.choices, default=Confidence.REPORTED)
    description = models.CharField(max_length=300, blank=True, help_text="One neutral line, attributed.")

    class Meta:
        verbose_name = "affiliation"
        verbose_name_plural = "affiliations"
        ordering = ["from_group__name", "kind", "to_group__name", "id"]
        permissions = [("publish_affiliation", "Can publish or unpublish affiliations")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_group=F("to_group")),
                name="affiliation_not_self",
                violation_error_message="A group cannot have a relationship with itself.",
            ),
            models.UniqueConstraint(
                fields=["from_group", "to_group", "kind", "started"],
                nulls_distinct=False,
                name="affiliation_unique",
                violation_error_message="This relationship between these groups, from this date, is already recorded.",
            ),
            choices_constraint("kind", AffiliationKind, model="affiliation"),
            choices_constraint("confidence", Confidence, model="affiliation"),
            *partial_date_constraints("started", model="affiliation", label="start date"),
            *partial_date_constraints("ended", model="affiliation", label="end date"),
            _end_not_before_start("affiliation", "started", "ended", "end date"),
        ]
        indexes = [
            status_index("affiliation"),
            models.Index(fields=["from_group", "updated_at"], name="affiliation_from_updated_idx"),
            models.Index(fields=["to_group", "updated_at"], name="affiliation_to_updated_idx"),
            updated_index("affiliation", "from_group", name="affiliation_updated_from_idx"),
            updated_index("affiliation", "to_group", name="affiliation_updated_to_idx"),
        ]  # for a profile's last update: the newest change to what it shows

    def __str__(self) -> str:
        return f"{self.from_group} {self.get_kind_display()} {self.to_group}"

    @property
    def period_display(self) -> str:
        return format_period(self.started, self.started_precision, self.ended, self.ended_precision)

    @property
    def is_symmetric(self) -> bool:
        return self.kind in SYMMETRIC_AFFILIATION_KINDS

    def label_from(self, group: Group) -> str:
        """The relationship as it reads from `group`'s side."""
        if group.pk == self.from_group_id or self.is_symmetric:
            return self.get_kind_display()
        return INVERSE_AFFILIATION_LABELS[self.kind]

    def other_group(self, group: Group) -> Group:
        return self.to_group if group.pk == self.from_group_id else self.from_group

    def clean(self):
        if self.from_group_id and self.to_group_id and self.is_symmetric:
            reverse_exists = (
                Affiliation.objects.filter(from_group_id=self.to_group_id, to_group_id=self.from_group_id, kind=self.kind)
                .exclude(pk=self.pk)
                .exists()
            )
            if reverse_exists:
                raise ValidationError(
                    f"“{self.get_kind_display()}” reads the same both ways and is already recorded from the other group's side."
                )


class Designation(CuratedModel):
    """A group's listing by an authority: a UN sanctions listing, a US terrorist designation, a national ban."""

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("authority", "listing", "designated")
    PUBLISHED_WITH = ("group",)

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="designations")
    authority = models.CharField(max_length=200, help_text="Who listed the group, e.g. “United Nations Security Council”.")
    listing = models.CharField(max_length=200, help_text="The listing in the source's words, e.g. “foreign terrorist organization”.")
    designated = models.DateField(null=True, blank=True)
    designated_precision = precision_field("designation date precision")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "designation"
        verbose_name_plural = "designations"
        ordering = ["group__name", "authority", "id"]
        permissions = [("publish_designation", "Can publish or unpublish designations")]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "authority", "listing"],
                name="designation_unique",
                violation_error_message="This listing of the group by this authority is already recorded.",
            ),
            *partial_date_constraints("designated", model="designation", label="designation date"),
        ]
        indexes = [
            status_index("designation"),
            models.Index(fields=["group", "updated_at"], name="designation_group_updated_idx"),
            updated_index("designation", "group"),
        ]  # for a profile's last update: the newest change to what it shows

    def __str__(self) -> str:
        return f"{self.group}: {self.listing} ({self.authority})"

    @property
    def designated_display(self) -> str:
        return format_partial_date(self.designated, self.designated_precision)


class AttackType(models.TextChoices):
    """GTD codebook `attacktype1`."""

    ASSASSINATION = "assassination", "Assassination"
    ARMED_ASSAULT = "armed_assault", "Armed assault"
    BOMBING_EXPLOSION = "bombing_explosion", "Bombing/explosion"
    HIJACKING = "hijacking", "Hijacking"
    HOSTAGE_TAKING_BARRICADE = "hostage_taking_barricade", "Hostage taking (barricade incident)"
    HOSTAGE_TAKING_KIDNAPPING = "hostage_taking_kidnapping", "Hostage taking (kidnapping)"
    FACILITY_INFRASTRUCTURE_ATTACK = "facility_infrastructure_attack", "Facility/infrastructure attack"
    UNARMED_ASSAULT = "unarmed_assault", "Unarmed assault"
    UNKNOWN = "unknown", "Unknown"


class TargetType(models.TextChoices):
    """GTD codebook `targtype1`."""

    BUSINESS = "business", "Business"
    GOVERNMENT_GENERAL = "government_general", "Government (general)"
    POLICE = "police", "Police"
    MILITARY = "military", "Military"
    ABORTION_RELATED = "abortion_related", "Abortion related"
    AIRPORTS_AIRCRAFT = "airports_aircraft", "Airports and aircraft"
    GOVERNMENT_DIPLOMATIC = "government_diplomatic", "Government (diplomatic)"
    EDUCATIONAL_INSTITUTION = "educational_institution", "Educational institution"
    FOOD_WATER_SUPPLY = "food_water_supply", "Food or water supply"
    JOURNALISTS_MEDIA = "journalists_media", "Journalists and media"
    MARITIME = "maritime", "Maritime"
    NGO = "ngo", "NGO"
    OTHER = "other", "Other"
    PRIVATE_CITIZENS_PROPERTY = "private_citizens_property", "Private citizens and property"
    RELIGIOUS_FIGURES_INSTITUTIONS = "religious_figures_institutions", "Religious figures/institutions"
    TELECOMMUNICATION = "telecommunication", "Telecommunication"
    TERRORISTS_NON_STATE_MILITIA = "terrorists_non_state_militia", "Terrorists/non-state militia"
    TOURISTS = "tourists", "Tourists"
    TRANSPORTATION = "transportation", "Transportation"
    UNKNOWN = "unknown", "Unknown"
    UTILITIES = "utilities", "Utilities"
    VIOLENT_POLITICAL_PARTY = "violent_political_party", "Violent political party"


class WeaponType(models.TextChoices):
    """GTD codebook `weaptype1`."""

    BIOLOGICAL = "biological", "Biological"
    CHEMICAL = "chemical", "Chemical"
    RADIOLOGICAL = "radiological", "Radiological"
    NUCLEAR = "nuclear", "Nuclear"
    FIREARMS = "firearms", "Firearms"
    EXPLOSIVES = "explosives", "Explosives"
    FAKE_WEAPONS = "fake_weapons", "Fake weapons"
    INCENDIARY = "incendiary", "Incendiary"
    MELEE = "melee", "Melee"
    VEHICLE = "vehicle", "Vehicle"
    SABOTAGE_EQUIPMENT = "sabotage_equipment", "Sabotage equipment"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class CountQualifier(models.TextChoices):
    """How a reported casualty figure was worded."""

    EXACT = "exact", "exactly"
    AT_LEAST = "at_least", "at least"
    MORE_THAN = "more_than", "more than"
    NEARLY = "nearly", "nearly"
    ABOUT = "about", "about"
    FEWER_THAN = "fewer_than", "fewer than"


def _count_with_qualifier(model: str, count: str) -> list[models.CheckConstraint]:
    qualifier = f"{count}_qualifier"
    return [
        models.CheckConstraint(
            condition=(Q(**{f"{count}__isnull": True}) & Q(**{qualifier: ""})) | (Q(**{f"{count}__isnull": False}) & ~Q(**{qualifier: ""})),
            name=f"{model}_{count}_qualified",
            violation_error_message=f"Give the number {count} with how the source words it (exactly, at least, more than…), "
            "or leave both empty when the source gives no number.",
        ),
        choices_constraint(qualifier, CountQualifier, model=model, blank=True),
    ]


# Lists sort attacks by date, newest first; an undated attack sorts as the oldest. Cursor pagination
# needs a key that is never null, and an index on the same expression serves every such list.
UNDATED_SORTS_AS = datetime.date(1, 1, 1)
ATTACK_DATE_SORT = Coalesce("date", Value(UNDATED_SORTS_AS))


class Attack(CuratedModel):
    """A violent event the sources report, coded with GTD's vocabularies; who did it lives in attributions."""

    NEEDS_CITATION = True

    CITABLE_FIELDS = (
        "title", "date", "end_date", "place", "coordinates", "attack_type", "target_type",
        "weapon_type", "suicide", "killed", "wounded", "description",
    )  # fmt: skip

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, help_text="Stable identifier used in URLs.")
    date = models.DateField(null=True, blank=True)
    date_precision = precision_field("date precision")
    end_date = models.DateField(null=True, blank=True, help_text="Last day, for an attack that spans days.")
    date_earliest = models.DateField(
        "earliest possible date",
        null=True,
        blank=True,
        help_text="When the sources give only a range of days (“May 27–June 5, 1970”): its first day. The date above is "
        "then the period holding the whole range (May 1970, or 1970).",
    )
    date_latest = models.DateField("latest possible date", null=True, blank=True, help_text="The last day of that range.")
    locality = models.CharField("city or locality", max_length=200, blank=True)
    district = models.CharField(max_length=200, blank=True)
    province = models.CharField("province or state", max_length=200, blank=True)
    country = CountryField(blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    attack_type = models.CharField(max_length=32, choices=AttackType.choices, default=AttackType.UNKNOWN)
    target_type = models.CharField(max_length=32, choices=TargetType.choices, default=TargetType.UNKNOWN)
    weapon_type = models.CharField(max_length=32, choices=WeaponType.choices, default=WeaponType.UNKNOWN)
    suicide = models.BooleanField("suicide attack", null=True, blank=True, help_text="Leave unknown unless a source says.")
    killed = models.PositiveIntegerField(null=True, blank=True)
    killed_qualifier = models.CharField(max_length=16, choices=CountQualifier.choices, blank=True)
    wounded = models.PositiveIntegerField(null=True, blank=True)
    wounded_qualifier = models.CharField(max_length=16, choices=CountQualifier.choices, blank=True)
    description = models.TextField(blank=True, help_text="Neutral and attributed.")
    perpetrator_description = models.CharField(
        "perpetrators as described",
        max_length=300,
        blank=True,
        help_text="Who did it, as the source describes them when it names no organisation: “Gunmen”, “Tribesmen” (GTD's "
        "generic perpetrator labels). Not an attribution to any group.",
    )

    # What the `q` filter and the site search look through (kb.search), indexed.
    search_document = search_document_field("title", "locality", "district", "province", "description")

    class Meta:
        verbose_name = "attack"
        verbose_name_plural = "attacks"
        ordering = [ATTACK_DATE_SORT.desc(), F("id").desc()]  # newest first, undated last: attack_date_sort_idx
        permissions = [("publish_attack", "Can publish or unpublish attacks")]
        constraints = [
            *partial_date_constraints("date", model="attack", label="attack date"),
            _end_not_before_start("attack", "date", "end_date", "end date"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(date_precision=DatePrecision.DAY),
                name="attack_end_date_needs_day",
                violation_error_message="An end date only makes sense when the start is known to the day.",
            ),
            models.CheckConstraint(
                condition=Q(date_earliest__isnull=True, date_latest__isnull=True)
                | Q(date__isnull=False, date_earliest__isnull=False, date_latest__gt=F("date_earliest")),
                name="attack_date_range_valid",
                violation_error_message="A range of possible dates needs a date, a first and a last day, the last after the first "
                "(a range of one day is that day: give it as the date).",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True) | Q(latitude__isnull=False, longitude__isnull=False),
                name="attack_coordinates_paired",
                violation_error_message="Give both latitude and longitude, or neither.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="attack_latitude_range",
                violation_error_message="Latitude must lie between -90 and 90.",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="attack_longitude_range",
                violation_error_message="Longitude must lie between -180 and 180.",
            ),
            *_count_with_qualifier("attack", "killed"),
            *_count_with_qualifier("attack", "wounded"),
            choices_constraint("attack_type", AttackType, model="attack"),
            choices_constraint("target_type", TargetType, model="attack"),
            choices_constraint("weapon_type", WeaponType, model="attack"),
        ]
        indexes = [
            status_index("attack"),
            models.Index(fields=["date", "id"], name="attack_date_idx"),
            models.Index(ATTACK_DATE_SORT.desc(), F("id").desc(), name="attack_date_sort_idx"),
            models.Index(fields=["country"], name="attack_country_idx"),
            GinIndex(fields=["search_document"], name="attack_search_document"),
            # A group's public attacks by id, each with its date, read from the index alone (`groups.selectors.group_attacks`).
            models.Index(fields=["id"], include=["date"], condition=Q(publication_status="published"), name="attack_published_date_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_path("groups:attack_detail", key=self.slug)

    @property
    def date_display(self) -> str:
        return format_partial_date(self.date, self.date_precision)

    @property
    def date_range_display(self) -> str:
        """ "between 27 May and 5 Jun 1970" when the sources give only a range of days; "" otherwise."""
        if self.date_earliest is None or self.date_latest is None:
            return ""
        first, last = self.date_earliest, self.date_latest
        start = f"{first.day} {first:%b}" if first.year == last.year else f"{first.day} {first:%b %Y}"
        return f"between {start} and {last.day} {last:%b %Y}"

    @property
    def place(self) -> str:
        return attack_place(self.locality, self.district, self.province, self.country.name if self.country else "")

    @property
    def killed_display(self) -> str:
        return _casualty_display(self.killed, self.killed_qualifier)

    @property
    def wounded_display(self) -> str:
        return _casualty_display(self.wounded, self.wounded_qualifier)

    @property
    def casualties_display(self) -> str:
        """ "more than 60 killed, 12 wounded"; "not reported" when the sources give no figure."""
        parts = [f"{display} {word}" for count, display, word in (
            (self.killed, self.killed_display, "killed"),
            (self.wounded, self.wounded_display, "wounded"),
        ) if count is not None]  # fmt: skip
        return ", ".join(parts) or "not reported"


def _casualty_display(count: int | None, qualifier: str) -> str:
    if count is None:
        return "not reported"
    if qualifier in ("", CountQualifier.EXACT):
        return str(count)
    return f"{CountQualifier(qualifier).label} {count}"


class AttributionKind(models.TextChoices):
    CLAIMED = "claimed", "Claimed by"
    ATTRIBUTED = "attributed", "Attributed to"
    SUSPECTED = "suspected", "Suspected"
    DISPUTED = "disputed", "Disputed"
    DENIED = "denied", "Denied by"


def attack_place(locality: str, district: str, province: str, country_name: str) -> str:
    """Where an attack happened, most precise first: "Mastung, Balochistan, Pakistan"."""
    named: list[str] = []
    for part in (locality, district, province, country_name):
        if part and part not in named:  # a district named after its town (Mastung, Mastung) reads once
            named.append(str(part))
    return ", ".join(named)


def attribution_phrase(kind: str, by: str) -> str:
    """What an attribution says before the group's name, neutrally: "Claimed by", "Attributed by Pakistani
    authorities to", "Suspected by police:"."""
    if kind == AttributionKind.CLAIMED:
        return "Claimed by"
    if kind == AttributionKind.ATTRIBUTED:
        return f"Attributed by {by} to" if by else "Attributed to"
    if kind == AttributionKind.SUSPECTED:
        return f"Suspected by {by}:" if by else "Suspected:"
    if kind == AttributionKind.DISPUTED:
        return f"Disputed by {by}:" if by else "Disputed:"
    return "Denied by"


# An attack's attributions in the order its page, the API and the exports give them (the model's order, after the attack).
ATTRIBUTION_ORDER_WITHIN_ATTACK = ("kind", "group__name", "id")


class Attribution(CuratedModel):
    """A statement that a group carried out an attack: its claim, an authority's attribution, a suspicion."""

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("kind", "attributed_by", "description")
    PUBLISHED_WITH = ("attack", "group")

    attack = models.ForeignKey(Attack, on_delete=models.CASCADE, related_name="attributions")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="attributions")
    kind = models.CharField(max_length=16, choices=AttributionKind.choices)
    attributed_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who made the attribution, e.g. “Pakistani authorities”; for a claim, the channel it came through.",
    )
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "attribution"
        verbose_name_plural = "attributions"
        ordering = ["attack", *ATTRIBUTION_ORDER_WITHIN_ATTACK]
        permissions = [("publish_attribution", "Can publish or unpublish attributions")]
        constraints = [
            models.UniqueConstraint(
                fields=["attack", "group", "kind", "attributed_by"],
                name="attribution_unique",
                violation_error_message="This attribution of the attack to the group, by the same party, is already recorded.",
            ),
            choices_constraint("kind", AttributionKind, model="attribution"),
        ]
        indexes = [
            status_index("attribution"),
            # For a profile's last update: the newest change to what it shows.
            models.Index(fields=["group", "updated_at"], name="attribution_group_updated_idx"),
            updated_index("attribution", "group"),
            # The attacks naming a group, read from the index alone (`kb.lookups.any_of`, for a profile and a filtered list).
            models.Index(
                fields=["group"], include=["attack"], condition=Q(publication_status="published"), name="attribution_group_attacks_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attack}: {self.phrase} {self.group}"

    @property
    def phrase(self) -> str:
        """Neutral wording: "Claimed by", "Attributed by Pakistani authorities to", "Suspected by police of"."""
        return attribution_phrase(self.kind, self.attributed_by)

    @property
    def role(self) -> str:
        """The same statement seen from the group's side: "Claimed", "Attributed by Pakistani authorities"."""
        by = f" by {self.attributed_by}" if self.attributed_by else ""
        if self.kind == AttributionKind.CLAIMED:
            channel = self.attributed_by if self.attributed_by.casefold() != self.group.name.casefold() else ""
            return f"Claimed ({channel})" if channel else "Claimed"
        if self.kind == AttributionKind.DENIED:
            return "Denied involvement"
        return f"{AttributionKind(self.kind).label.removesuffix(' to')}{by}"


class Person(CuratedModel):
    """Someone the sources name in a public role in a group (its leader, founder, spokesman…).

    Only the name: nothing else about a person is recorded (no birth date, nationality, photograph). A person has no
    page of their own; readers meet them on the profiles of the groups they had roles in, and only through a public
    role (`GroupRole.PUBLISHED_WITH`): a published person with no public role is shown nowhere. Unpublishing a person
    takes the name off every profile at once.
    """

    name = models.CharField("name as the sources write it", max_length=200)
    normalized_name = models.CharField("search key", max_length=200, editable=False, db_index=True)
    slug = models.SlugField(max_length=200, unique=True, help_text="Stable identifier of the person.")
    namesake_acknowledged = models.BooleanField(
        "another person of the same name",
        default=False,
        help_text="Tick only when the sources name a different person who is already recorded under this name (or a spelling "
        "of it); otherwise the name is refused and the role belongs to the person recorded.",
    )

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = [Lower("name"), "id"]
        permissions = [("publish_person", "Can publish or unpublish people")]
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name"],
                condition=Q(namesake_acknowledged=False),
                name="person_name_unique",
                violation_error_message="A person with this name (or a spelling of it) is already recorded: add the role to them, "
                "or tick “another person of the same name” if the sources mean someone else.",
            ),
        ]
        indexes = [status_index("person"), GinIndex(fields=["normalized_name"], opclasses=["gin_trgm_ops"], name="person_search_key_trgm")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.namesake_acknowledged:
            self.normalized_name = normalize_name(self.name)
            if not self.normalized_name:
                raise ValidationError({"name": "A name needs at least one letter or digit."})
            return
        _check_search_key(
            self,
            lambda clash: (
                f"“{clash.name}” is already recorded (the same name, or a spelling of it): add the role to them, or tick "
                "“another person of the same name” if the sources mean someone else."
            ),
        )

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)


class RoleKind(models.TextChoices):
    """Public roles in a group, as the sources name them; nothing about a person beyond these."""

    LEADER = "leader", "Leader"
    DEPUTY_LEADER = "deputy_leader", "Deputy leader"
    FOUNDER = "founder", "Founder"
    SPOKESMAN = "spokesman", "Spokesman"
    COMMANDER = "commander", "Commander"
    OTHER = "other", "Other public role"


def role_label(kind: str, title: str) -> str:
    """ "Leader", "Spokesman (“chief spokesman”)", or for another role its title."""
    if kind == RoleKind.OTHER:
        return title
    label = RoleKind(kind).label if kind in RoleKind.values else kind
    return f"{label} (“{title}”)" if title and title.casefold() != label.casefold() else label


class GroupRole(CuratedModel):
    """A person in a public role for a group, as a source names it: "Ali bin Sufyan, a spokesman for LeJ Al-Alami".

    One person may have roles in several groups, and several roles in one. The dates are when the role began and
    ended, each as precisely as the sources give it; a source that dates neither but names the person in the role
    gives `as_of` (usually its own publication date), and otherwise the dates are unknown.
    """

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("person", "kind", "title", "started", "ended", "as_of")
    PUBLISHED_WITH = ("group", "person")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField("role", max_length=16, choices=RoleKind.choices)
    title = models.CharField(
        "title as written",
        max_length=200,
        blank=True,
        help_text="The role in the source's words when they say more than the kind: “emir”, “chief spokesman”. Needed for "
        "“other public role”.",
    )
    started = models.DateField(null=True, blank=True)
    started_precision = precision_field("start date precision")
    ended = models.DateField(null=True, blank=True)
    ended_precision = precision_field("end date precision")
    as_of = models.DateField(
        "in the role as of",
        null=True,
        blank=True,
        help_text="When a source names the person in the role without dating it: the date the source speaks of (often its own "
        "publication date, to the month).",
    )
    as_of_precision = precision_field("“as of” precision")

    class Meta:
        verbose_name = "role"
        verbose_name_plural = "roles"
        ordering = ["group__name", "kind", "person__name", "id"]
        permissions = [("publish_grouprole", "Can publish or unpublish roles")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group", "kind", "started"],
                nulls_distinct=False,
                name="grouprole_unique",
                violation_error_message="This person's role in this group, from this date, is already recorded.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RoleKind.OTHER) | ~Q(title=""),
                name="grouprole_other_role_named",
                violation_error_message="For another public role, give its title as the source words it.",
            ),
            choices_constraint("kind", RoleKind, model="grouprole"),
            *partial_date_constraints("started", model="grouprole", label="start of the role"),
            *partial_date_constraints("ended", model="grouprole", label="end of the role"),
            *partial_date_constraints("as_of", model="grouprole", label="“as of” date"),
            _end_not_before_start("grouprole", "started", "ended", "end of the role"),
        ]
        indexes = [
            status_index("grouprole"),
            models.Index(fields=["group", "updated_at"], name="grouprole_group_updated_idx"),  # a profile's last update
            updated_index("grouprole", "group"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.role_display} of {self.group}"

    @property
    def role_display(self) -> str:
        return role_label(self.kind, self.title)

    @property
    def period_display(self) -> str:
        """ "2014 – Oct 2019", "since 2015", "as of Oct 2016", or "dates unknown"."""
        period = format_period(self.started, self.started_precision, self.ended, self.ended_precision)
        if period:
            return period
        if self.as_of is not None and self.as_of_precision != DatePrecision.UNKNOWN:
            return f"as of {format_partial_date(self.as_of, self.as_of_precision)}"
        return "dates unknown"


def size_figure(low: int | None, high: int | None, qualifier: str, counted: str) -> str:
    """ "3,000–4,000 fighters", "about 500 members", "1,200"."""
    if low is None or high is None:
        return ""
    if low == high:
        worded = CountQualifier(qualifier).label if qualifier and qualifier != CountQualifier.EXACT else ""
        figure = f"{worded} {low:,}".strip()
    else:
        figure = f"{low:,}–{high:,}"
    return f"{figure} {counted}".strip()


class SizeEstimate(CuratedModel):
    """How many members or fighters a group has, by someone's estimate at some date: a figure, or a range."""

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("low", "high", "qualifier", "counted", "as_of", "estimated_by", "description")
    PUBLISHED_WITH = ("group",)

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="size_estimates")
    low = models.PositiveIntegerField("figure (or lowest)", help_text="The figure; for a range, its lower end.")
    high = models.PositiveIntegerField("highest", help_text="For a range, its upper end; for a single figure, the figure again.")
    qualifier = models.CharField(
        max_length=16,
        choices=CountQualifier.choices,
        blank=True,
        help_text="How the source words a single figure (about, more than…); empty when it gives the figure plainly.",
    )
    counted = models.CharField(
        "what is counted", max_length=100, blank=True, help_text="In the source's word: “fighters”, “members”, “militants”."
    )
    as_of = models.DateField("as of", null=True, blank=True)
    as_of_precision = precision_field("“as of” precision")
    estimated_by = models.CharField(
        "estimated by", max_length=200, help_text="Who gave the estimate: “UN Monitoring Team”, “Pakistani officials”."
    )
    description = models.CharField(max_length=300, blank=True, help_text="One neutral line, attributed.")

    class Meta:
        verbose_name = "size estimate"
        verbose_name_plural = "size estimates"
        ordering = ["group__name", F("as_of").desc(nulls_last=True), "estimated_by", "id"]
        permissions = [("publish_sizeestimate", "Can publish or unpublish size estimates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(low__lte=F("high")),
                name="sizeestimate_low_not_above_high",
                violation_error_message="The lowest figure cannot be above the highest; for a single figure give it as both.",
            ),
            models.CheckConstraint(
                condition=~Q(estimated_by=""),
                name="sizeestimate_attributed",
                violation_error_message="Say who gave the estimate.",
            ),
            models.CheckConstraint(
                condition=Q(qualifier="") | Q(low=F("high")),
                name="sizeestimate_qualifier_for_one_figure",
                violation_error_message="A range needs no qualifier; qualify a single figure only (about, more than…).",
            ),
            models.UniqueConstraint(
                fields=["group", "estimated_by", "as_of", "low", "high"],
                nulls_distinct=False,
                name="sizeestimate_unique",
                violation_error_message="This estimate of this group, by the same party and as of the same date, is already recorded.",
            ),
            choices_constraint("qualifier", CountQualifier, model="sizeestimate", blank=True),
            *partial_date_constraints("as_of", model="sizeestimate", label="“as of” date"),
        ]
        indexes = [
            status_index("sizeestimate"),
            models.Index(fields=["group", "updated_at"], name="sizeestimate_group_updated_idx"),  # a profile's last update
            updated_index("sizeestimate", "group"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.figure_display} ({self.estimated_by})"

    @property
    def figure_display(self) -> str:
        return size_figure(self.low, self.high, self.qualifier, self.counted)

    @property
    def as_of_display(self) -> str:
        return format_partial_date(self.as_of, self.as_of_precision)


class GtdPerpetratorName(AuditedModel):
    """A perpetrator name as the Global Terrorism Database writes it (`gname`), and what the GTD import makes of it: the
    group it means, or a generic label ("Gunmen", "Separatists") that names no organisation.

    Not published data: it tells the import which group a GTD row means. Every change keeps who, when and why.
    """

    name = models.CharField("name in GTD", max_length=200, help_text="As GTD writes it: “Jaish-e-Mohammad (JeM)”.")
    normalized_name = models.CharField("search key", max_length=200, editable=False)
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="gtd_perpetrator_names",
        help_text="The group GTD means by this name; leave empty for a generic label.",
    )
    generic = models.BooleanField(
        "generic label",
        default=False,
        help_text="GTD's label for a kind of people rather than an organisation (“Gunmen”, “Tribesmen”, “Muslim extremists”): "
        "the import attributes the attack to no group and keeps the label on the attack.",
    )
    note = models.TextField(blank=True, help_text="Why this name means this group, or why it is generic.")

    class Meta:
        verbose_name = "GTD perpetrator name"
        verbose_name_plural = "GTD perpetrator names"
        ordering = [Lower("name"), "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_name"],
                name="gtdperpetratorname_unique",
                violation_error_message="This GTD name (or a spelling of it) is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(generic=True, group__isnull=True) | Q(generic=False, group__isnull=False),
                name="gtdperpetratorname_group_or_generic",
                violation_error_message="A GTD name either means a group or is a generic label, not both and not neither.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        _check_search_key(self, lambda clash: f"“{clash.name}” is already recorded (the same name, or a spelling of it).")

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)


class VersionDecision(models.TextChoices):
    WITHDRAW_VERSION = "withdraw_version", "Withdraw this version"
    KEEP_READABLE = "keep_readable", "Keep every version readable after the group is withdrawn"


class ProfileVersionDecision(models.Model):
    """A Reviewer's decision about the permanent addresses of a profile's past versions (`/groups/<slug>/as-of/…/`).

    Once a group is unpublished or deleted, its versions answer 410 Gone, unless a Reviewer keeps them readable; a
    Reviewer may also withdraw one version (a moment of the change log), which then answers 410 with the reason.
    Not a curated record: it says what the public revisions show, and names the group by id and address rather than
    by a foreign key, so it outlives a deleted group.
    """

    group_id = models.BigIntegerField("group id", help_text="The group's id; it stays when the group is deleted.")
    group_slug = models.SlugField("group address", max_length=200, help_text="The group's address when the decision was made.")
    decision = models.CharField(max_length=20, choices=VersionDecision.choices)
    moment = models.DateTimeField(
        "version", null=True, blank=True, help_text="The moment of the withdrawn version, as the change log lists it."
    )
    reason = models.TextField(help_text="Shown to readers on the page of a withdrawn version.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="decided by")
    created_at = models.DateTimeField("decided", auto_now_add=True)

    class Meta:
        verbose_name = "profile version decision"
        verbose_name_plural = "profile version decisions"
        ordering = ["group_slug", "-created_at", "id"]
        indexes = [models.Index(fields=["group_id"], name="versiondecision_group_idx")]
        constraints = [
            choices_constraint("decision", VersionDecision, model="versiondecision"),
            models.CheckConstraint(
                condition=Q(decision=VersionDecision.WITHDRAW_VERSION, moment__isnull=False)
                | Q(decision=VersionDecision.KEEP_READABLE, moment__isnull=True),
                name="versiondecision_moment_for_withdrawals",
                violation_error_message="Withdrawing a version names its moment; keeping every version readable names none.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="versiondecision_has_reason",
                violation_error_message="Give the reason for the decision.",
            ),
            models.UniqueConstraint(
                fields=["group_id", "moment"],
                condition=Q(decision=VersionDecision.WITHDRAW_VERSION),
                name="versiondecision_version_withdrawn_once",
                violation_error_message="This version is already withdrawn.",
            ),
            models.UniqueConstraint(
                fields=["group_id"],
                condition=Q(decision=VersionDecision.KEEP_READABLE),
                name="versiondecision_kept_readable_once",
                violation_error_message="Every version of this group is already kept readable.",
            ),
        ]

    def __str__(self) -> str:
        if self.decision == VersionDecision.KEEP_READABLE:
            return f"Every version of {self.group_slug} kept readable"
        moment = f" at {self.moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC" if self.moment else ""
        return f"Version of {self.group_slug}{moment} withdrawn"


class SectionTopic(models.TextChoices):
    """The sections of a profile's narrative, in the order of Stanford's Mapping Militants Project profiles."""

    OVERVIEW = "overview", "Overview"
    LEADERSHIP = "leadership", "Leadership"
    NAME_CHANGES = "name_changes", "Name changes"
    SIZE_ESTIMATES = "size_estimates", "Size estimates"
    RESOURCES = "resources", "Resources"
    GEOGRAPHY = "geography", "Geography"
    ORGANISATION = "organisation", "Organisation"
    IDEOLOGY_AND_AIMS = "ideology_and_aims", "Ideology and aims"
    TARGETS_AND_TACTICS = "targets_and_tactics", "Targets and tactics"
    MAJOR_ATTACKS = "major_attacks", "Major attacks"
    RELATIONSHIPS = "relationships", "Relationships"
    STATE_SPONSORS = "state_sponsors", "State sponsors and external influences"


# What the site search looks through in a profile section (kb.search), indexed: its heading and its text without the
# citation markers, whose "cite" and numbers are no words of the prose.
SECTION_SEARCH_WORDS = (
    "heading",
    Func(F("text"), Value(MARKER.pattern), Value(" "), Value("g"), function="regexp_replace", output_field=TextField()),
)


class GroupSection(CuratedModel):
    """A section of a group's profile in prose (its overview, its ideology and aims…), every statement attributed and
    footnoted: the text's markers (`[cite:123]`, `sources.markers`) each name a citation of this group, which readers
    see as the profile's numbered footnotes.

    The citations it names are its own (supporting the section as a whole) or those of the group's other facts: its
    record, names, relationships, designations, people in roles, size estimates and roles in attacks. It is public
    only with a public citation of its own (the citation rule), and a marker whose citation is not public is not drawn.
    """

    NEEDS_CITATION = True

    CITABLE_FIELDS = ("text",)
    PUBLISHED_WITH = ("group",)

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sections")
    topic = models.CharField(max_length=32, choices=SectionTopic.choices)
    heading = models.CharField(
        "heading",
        max_length=120,
        blank=True,
        help_text="Leave empty for the topic's own heading (“Ideology and aims”); give one only when the topic's reads badly here.",
    )
    text = models.TextField(
        help_text="Plain paragraphs separated by a blank line, no HTML or other markup. After each statement, the marker of the "
        "citation that supports it, as listed under Citations (save the section with its citations first): “… claimed the attack "
        "[cite:123].” A marker may name any citation of this group: this section's, or those of its record, names, relationships, "
        "designations, people, size estimates and attacks."
    )

    search_document = search_document_field(*SECTION_SEARCH_WORDS)  # what the site search looks through, indexed

    class Meta:
        verbose_name = "profile section"
        verbose_name_plural = "profile sections"
        ordering = ["group__name", "topic", "id"]
        permissions = [("publish_groupsection", "Can publish or unpublish profile sections")]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "topic"],
                name="groupsection_one_per_topic",
                violation_error_message="This group's profile already has a section on this topic: edit that one.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="groupsection_has_text",
                violation_error_message="A section needs its text.",
            ),
            choices_constraint("topic", SectionTopic, model="groupsection"),
        ]
        indexes = [
            status_index("groupsection"),
            models.Index(fields=["group", "updated_at"], name="groupsection_group_updated_idx"),  # a profile's last update
            updated_index("groupsection", "group"),
            GinIndex(fields=["search_document"], name="groupsection_search_document"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.heading_display}"

    @property
    def heading_display(self) -> str:
        return self.heading or (SectionTopic(self.topic).label if self.topic in SectionTopic.values else self.topic)

    @property
    def topic_order(self) -> int:
        return SectionTopic.values.index(self.topic) if self.topic in SectionTopic.values else len(SectionTopic.values)

    def get_absolute_url(self) -> str:
        return f"{self.group.get_absolute_url()}#section-{self.topic}"

    def clean(self):
        """Every marker is one a reader can follow: well formed, and naming a citation of this group."""
        problems = marker_problems(self.text)
        ids = marker_ids(self.text)
        if ids and self.group_id:
            known = set(Citation.objects.filter(Citation.of_group_q(self.group_id), pk__in=ids).values_list("pk", flat=True))
            problems += [f"[cite:{citation_id}] is not a citation of this group." for citation_id in ids if citation_id not in known]
        if problems:
            raise ValidationError({"text": problems})


# --- Theatres: the maps of a region's groups over a period --------------------------------------------------------

THEATRE_YEARS = (1800, 2100)  # the years a theatre's period may name


class Theatre(CuratedModel):
    """A region and period whose groups are read together: Afghanistan and Pakistan since 2014, say. Its map draws
    how the groups in it began, split, merged, allied and ended, year by year (`/maps/<slug>/`).

    It covers the groups listed for it (`TheatreGroup`) and every group operating in one of its countries that was active
    within its period (founded by its end, not dissolved before its start; undated groups stay in). An
    editorial frame, not a statement of fact: it cites nothing itself; the groups and relationships it draws are cited."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, help_text="Stable identifier used in URLs; do not change once published.")
    description = models.CharField(max_length=500, blank=True, help_text="One or two neutral sentences on what the map covers.")
    countries = CountryField(
        "countries covered",
        multiple=True,
        blank=True,
        help_text="Every group operating in one of them and active within the period is on the map (groups listed by hand always are).",
    )
    start_year = models.PositiveSmallIntegerField("from (year)")
    end_year = models.PositiveSmallIntegerField("until (year)", null=True, blank=True, help_text="Leave empty for a period still open.")

    class Meta:
        verbose_name = "theatre"
        verbose_name_plural = "theatres"
        ordering = [Lower("name"), "id"]
        permissions = [("publish_theatre", "Can publish or unpublish theatres")]
        indexes = [status_index("theatre")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__gte=THEATRE_YEARS[0], start_year__lte=THEATRE_YEARS[1])
                & (Q(end_year__isnull=True) | Q(end_year__gte=THEATRE_YEARS[0], end_year__lte=THEATRE_YEARS[1])),
                name="theatre_years_in_range",
                violation_error_message=f"A theatre's years lie between {THEATRE_YEARS[0]} and {THEATRE_YEARS[1]}.",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=F("start_year")),
                name="theatre_end_year_not_before_start_year",
                violation_error_message="The period cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_path("groups:theatre_detail", slug=self.slug)

    @property
    def period_display(self) -> str:
        """ "2014–2022", "since 2014"."""
        if self.end_year is None:
            return f"since {self.start_year}"
        return str(self.start_year) if self.end_year == self.start_year else f"{self.start_year}–{self.end_year}"


class TheatreGroup(CuratedModel):
    """A group a theatre's map draws, named by the editors (beside the groups of its countries, which it draws anyway)."""

    PUBLISHED_WITH = ("theatre", "group")

    # No index of its own: the unique constraint, which begins with it, serves its lookups.
    theatre = models.ForeignKey(Theatre, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="theatre_memberships")

    class Meta:
        verbose_name = "group on a theatre's map"
        verbose_name_plural = "groups on theatres' maps"
        ordering = ["theatre__name", "group__name", "id"]
        permissions = [("publish_theatregroup", "Can publish or unpublish the groups on theatres' maps")]
        indexes = [status_index("theatregroup")]
        constraints = [
            models.UniqueConstraint(
                fields=["theatre", "group"], name="theatregroup_unique", violation_error_message="This group is already on this map."
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} on the map of {self.theatre}"
