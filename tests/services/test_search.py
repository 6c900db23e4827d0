"""Catalogue search from everyday words: aliases, keywords and names, on both backends."""

import pytest

from services.models import ServiceItem
from services.selectors import item_search
from services.text import fold

pytestmark = pytest.mark.django_db


def codes(items):
    return [i.code for i in items]


def test_the_migration_seeds_a_real_catalogue():
    items = ServiceItem.objects.filter(active=True)
    assert 40 <= items.count() <= 60
    assert items.filter(proxy_allowed=True).count() > 30 and items.filter(proxy_allowed=False).exists()
    assert all(i.materials for i in items), "every item lists its materials"
    assert {"MZ001", "MZ004", "SB001", "YB002", "HJ001", "JS001", "JY001", "CL001"} <= set(
        items.values_list("code", flat=True)
    )


@pytest.mark.parametrize(
    ("words", "code"),
    [
        ("高龄补贴", "MZ004"),  # alias of 高龄津贴申领
        ("老人补贴", "MZ004"),
        ("吃低保", "MZ001"),
        ("准生证", "JS001"),  # the old word for 生育登记
        ("暂住证", "HJ001"),
        ("新农合", "YB001"),
        ("交医保", "YB002"),
        ("讨薪", "JY006"),
        ("身份证 丢了", "HJ003"),  # two terms, both must match
        ("老人证", "QT001"),
        # asked the way people ask: the words of asking are not what is looked for
        ("我要办低保", "MZ001"),
        ("怎么办理低保", "MZ001"),
        ("请问老年证需要什么材料", "QT001"),
    ],
)
def test_an_alias_finds_the_item(words, code):
    assert codes(item_search(query=words))[0] == code


def test_a_name_match_ranks_before_alias_and_keyword_matches():
    found = codes(item_search(query="养老"))
    by_name = {"SB001", "SB002", "SB003", "SB006", "SB007"}  # 养老 in their names
    assert set(found[: len(by_name)]) == by_name
    assert "MZ005" in found[len(by_name) :]  # only its alias 养老服务补贴 matches


def test_every_term_must_match():
    assert codes(item_search(query="残疾 护理")) == ["CL003"]
    assert item_search(query="残疾 结婚") == []


def test_full_width_letters_spaces_and_case_are_folded():
    assert fold("ＳＢ 001（社保）") == "sb001社保"
    assert codes(item_search(query="ｓｂ００１")) == ["SB001"]


def test_a_sentence_finds_items_by_its_two_character_pieces():
    assert codes(item_search(query="我想给孩子上户口"))[0] == "HJ004"
    assert "HJ001" in codes(item_search(query="我要办个居住证"))


def test_nonsense_finds_nothing_and_empty_lists_everything():
    assert item_search(query="火星移民签证") == []
    assert len(item_search(query="")) == ServiceItem.objects.filter(active=True).count()


def test_inactive_items_and_category_and_proxy_filters():
    ServiceItem.objects.filter(code="MZ004").update(active=False)
    assert "MZ004" not in codes(item_search(query="高龄"))
    assert set(i.category for i in item_search(category="disability")) == {"disability"}
    assert all(i.proxy_allowed for i in item_search(query="身份证", proxy_only=True))
    assert "HJ002" not in codes(item_search(query="身份证", proxy_only=True))


def test_editing_an_item_rebuilds_its_search_text():
    item = ServiceItem.objects.get(code="QT004")
    item.aliases = "小电驴上牌"
    item.save(update_fields=["aliases"])
    assert codes(item_search(query="小电驴")) == ["QT004"]


def test_api_search(client):
    body = client.get("/api/v1/services/items/", {"q": "高龄补贴"}).json()
    assert body[0]["code"] == "MZ004" and body[0]["proxy_allowed"] is True and body[0]["materials"]
    assert client.get("/api/v1/services/items/", {"category": "nope"}).status_code == 400
    assert client.get("/api/v1/services/items/MZ004/").json()["where"] == ["county", "township", "community"]
    assert client.get("/api/v1/services/items/NOPE/").status_code == 404


def test_catalogue_page_shows_matches(client):
    page = client.get("/services/", {"q": "高龄补贴"})
    assert page.status_code == 200
    assert b'data-code="MZ004"' in page.content and b'data-count="1"' in page.content
    assert client.get("/services/items/MZ004/").status_code == 200
    assert b'id="ask-proxy"' in client.get("/services/items/MZ004/").content
    assert b'id="proxy-not-allowed"' in client.get("/services/items/HJ002/").content
    assert client.get("/services/items/NOPE/").status_code == 404
