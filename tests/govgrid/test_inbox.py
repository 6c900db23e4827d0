import pytest

from govgrid.tasks import deliver_notification


@pytest.mark.django_db
def test_inbox_badge_and_page_mark_read(client, dispatcher, worker):
    deliver_notification([dispatcher.pk], "event.dispatch", "案件 1 已派遣", "", "/cases/1/", "k1")
    deliver_notification([dispatcher.pk], "event.dispatch", "案件 1 已派遣", "", "/cases/1/", "k1")  # a retry
    client.force_login(dispatcher)
    assert '<span class="unread">1</span>' in client.get("/").content.decode()
    page = client.get("/inbox/").content.decode()
    assert page.count("案件 1 已派遣") == 1 and "note-unread" in page
    assert 'class="unread"' not in client.get("/").content.decode()
    client.force_login(worker)
    assert "案件 1 已派遣" not in client.get("/inbox/").content.decode()
