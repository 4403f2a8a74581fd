"""kb.links.record_path: the address reverse() gives, built from one reversed template a view."""

from urllib.parse import quote

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from kb.links import quoted_key, record_path


@pytest.mark.parametrize(
    ("view_name", "kwargs"),
    [
        ("groups:group_detail", {"slug": "islamic-state"}),
        ("groups:attack_detail", {"key": "2016"}),
        ("sources:source_detail", {"key": "dawn-2015-khorasan"}),
        ("api:group-detail", {"slug": "tehrik-e-taliban-pakistan"}),
        ("api:alias-detail", {"pk": 7}),
    ],
)
def test_the_same_address_as_reverse(view_name, kwargs):
    assert record_path(view_name, **kwargs) == reverse(view_name, kwargs=kwargs)


def test_the_script_prefix_is_followed():
    set_script_prefix("/kb/")
    try:
        expected = reverse("groups:group_detail", kwargs={"slug": "iskp"})
        assert record_path("groups:group_detail", slug="iskp") == expected == "/kb/groups/iskp/"
    finally:
        clear_script_prefix()
    assert record_path("groups:group_detail", slug="iskp") == "/groups/iskp/"


def test_a_key_cannot_leave_its_place():
    assert record_path("groups:group_detail", slug="../admin/?x=1") == "/groups/..%2Fadmin%2F%3Fx%3D1/"


@pytest.mark.parametrize(
    "key", ["islamic-state", "2016", 7, "a.b_c~d", "", "../admin/?x=1", "ansar al-furqan", "داعش", "tehrik-é", "a/b", "100%", "x\n"]
)
def test_a_key_is_quoted_as_urllib_quotes_it_whether_or_not_it_needs_it(key):
    assert quoted_key(key) == quote(str(key), safe="")
