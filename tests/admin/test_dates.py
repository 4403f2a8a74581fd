"""The admin writes dates so that no one reads March as April: `4 Mar 2022`, `4 Mar 2022, 17:05`, and ISO in date boxes."""

import datetime

import pytest

from kb.dates import DatePrecision
from sources.models import Source
from tests.admin.page_forms import form_data
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2022, 3, 4, 17, 5, tzinfo=datetime.UTC)


@pytest.fixture
def source():
    source = SourceFactory(title="Attack in Quetta", published=MOMENT.date(), published_precision=DatePrecision.DAY)
    Source.objects.filter(pk=source.pk).update(updated_at=MOMENT)
    return source


def test_lists_show_dates_and_times_spelt_out(admin_client, source):
    page = admin_client.get("/admin/sources/source/").content.decode()
    assert "4 Mar 2022, 17:05" in page  # last updated
    assert "Attack in Quetta (4 Mar 2022)" in page
    assert "04/03/2022" not in page and "p.m." not in page


def test_the_change_form_shows_iso_and_reads_it(admin_client, source):
    url = f"/admin/sources/source/{source.pk}/change/"
    response = admin_client.get(url)
    assert 'value="2022-03-04"' in response.content.decode()
    data = {**form_data(response), "published": "2022-03-05", "change_reason": "Right day"}
    assert admin_client.post(url, data).status_code == 302
    source.refresh_from_db()
    assert source.published == datetime.date(2022, 3, 5)


def test_an_ambiguous_date_is_refused(admin_client, source):
    url = f"/admin/sources/source/{source.pk}/change/"
    data = {**form_data(admin_client.get(url)), "published": "05/03/2022", "change_reason": "Right day"}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "published" in response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.published == datetime.date(2022, 3, 4)


def test_history_shows_times_spelt_out(admin_client, source):
    source.history.update(history_date=MOMENT)
    page = admin_client.get(f"/admin/sources/source/{source.pk}/history/").content.decode()
    assert "4 Mar 2022, 17:05" in page and "04/03/2022" not in page
