"""The organisation tree counts the members the list behind each number shows: the organisation's
own, and with every organisation under it."""

import re

import pytest

from party.models import PartyMember

pytestmark = pytest.mark.django_db


def counts(page: str, org) -> tuple[int, int]:
    row = re.search(rf'<tr data-org="{org.pk}">(.*?)</tr>', page, re.S).group(1)
    own = re.search(r'data-count="own"><a[^>]*>(\d+)</a>', row).group(1)
    total = re.search(r'data-count="total"><a[^>]*>(\d+)</a>', row).group(1)
    return int(own), int(total)


def listed(client, query: str) -> int:
    page = client.get(f"/party/members/?{query}").content.decode()
    return len(re.findall(r'<tr data-member="', page))


def test_each_number_matches_the_list_it_opens(client, organiser, make_member, tree):
    for n in range(4):
        make_member(f"b{n}")  # 新华第1网格党支部
    make_member("x1", org=tree["xinhua"])
    make_member("y1", org=tree["xinyi_branch"])
    gone = make_member("gone")
    PartyMember.objects.filter(pk=gone.pk).update(active=False)  # no service deactivates members yet
    client.force_login(organiser)
    page = client.get("/party/orgs/").content.decode()
    assert counts(page, tree["branch"]) == (5, 5)  # 4 + the inactive one, as the list shows
    assert counts(page, tree["xinhua"]) == (1, 6)
    assert counts(page, tree["xinyi"]) == (0, 1)
    assert counts(page, tree["top"]) == (0, 7)
    for key in ("branch", "xinhua", "xinyi", "top"):
        org = tree[key]
        own, total = counts(page, org)
        assert listed(client, f"org={org.pk}") == own, key
        assert listed(client, f"org={org.pk}&sub=1") == total, key
