import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sources.models import Citation, Source
from tests.factories import AliasFactory, AttackFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class TestVerbatimQuotes:
    def test_a_verbatim_quote_is_accepted(self):
        citation = Citation(source=SourceFactory(), group=GroupFactory(), quote="It was also claimed by the Islamic State group")
        citation.full_clean()

    def test_curly_and_straight_quotes_and_whitespace_are_folded(self):
        citation = Citation(source=SourceFactory(), group=GroupFactory(), quote='known as  "Daesh" to its critics')
        citation.full_clean()

    def test_a_paraphrase_is_rejected_with_a_message_that_says_so(self):
        source = SourceFactory(title="Police academy raid")
        citation = Citation(source=source, group=GroupFactory(), quote="It was also claimed by the Islamic State militia")
        with pytest.raises(ValidationError) as error:
            citation.full_clean()
        text = messages(error.value)
        assert "does not appear verbatim in the text of “Police academy raid”" in text
        assert "differs after that" in text
        assert list(error.value.message_dict) == ["quote"]

    def test_changing_case_is_not_verbatim(self):
        citation = Citation(source=SourceFactory(), group=GroupFactory(), quote="it was also claimed by the islamic state group")
        with pytest.raises(ValidationError):
            citation.full_clean()

    def test_editing_a_sources_text_may_not_break_its_citations(self):
        citation = CitationFactory()
        source = citation.source
        source.text = "A completely different article."
        with pytest.raises(ValidationError) as error:
            source.full_clean()
        assert "would break 1 citation(s)" in messages(error.value)


class TestCitationTargets:
    def test_exactly_one_fact_is_cited(self):
        with pytest.raises(ValidationError) as error:
            Citation(source=SourceFactory(), quote="It was also claimed").full_clean()
        assert "supports exactly one fact" in messages(error.value)

        both = Citation(source=SourceFactory(), quote="It was also claimed", group=GroupFactory(), attack=AttackFactory())
        with pytest.raises(ValidationError) as error:
            both.full_clean()
        assert "choose only one of: group, attack" in messages(error.value)

    def test_the_database_enforces_one_target(self):
        with pytest.raises(IntegrityError, match="citation_exactly_one_target"), transaction.atomic():
            Citation.objects.create(source=SourceFactory(), quote="It was also claimed")

    def test_field_must_belong_to_the_cited_record(self):
        citation = Citation(source=SourceFactory(), alias=AliasFactory(), quote="It was also claimed", field="founded")
        with pytest.raises(ValidationError) as error:
            citation.full_clean()
        assert "Alias citations can support: name, kind, valid_from, valid_to" in messages(error.value)
        Citation(source=citation.source, group=GroupFactory(), quote="It was also claimed", field="founded").full_clean()

    def test_target_property(self):
        attack = AttackFactory()
        assert CitationFactory(group=None, attack=attack).target == attack

    def test_a_cited_source_cannot_be_deleted(self):
        citation = CitationFactory()
        with pytest.raises(Exception, match="protected"):
            citation.source.delete()


class TestSources:
    def test_url_is_canonical_and_unique(self):
        source = SourceFactory(url="HTTPS://Example.com/story/?utm_campaign=x#comments")
        assert source.url == "https://example.com/story"
        duplicate = SourceFactory.build(url="https://example.com/story/")
        with pytest.raises(ValidationError) as error:
            duplicate.full_clean()
        assert "A source with this URL is already recorded" in messages(error.value)

    def test_sources_without_url_may_coexist(self):
        SourceFactory(url="")
        SourceFactory.build(url="").full_clean()

    def test_text_is_required(self):
        with pytest.raises(ValidationError) as error:
            SourceFactory.build(text="").full_clean()
        assert "text" in error.value.message_dict

    def test_reliability_is_an_admiralty_grade(self):
        with pytest.raises(ValidationError):
            SourceFactory.build(reliability="Z").full_clean()
        SourceFactory.build(reliability="B").full_clean()

    def test_str_names_title_and_date(self):
        import datetime

        source = SourceFactory.build(title="Pak militant group", published=datetime.date(2016, 10, 26), published_precision="day")
        assert str(source) == "Pak militant group (26 Oct 2016)"
        assert Source._meta.ordering[-1] == "id"
