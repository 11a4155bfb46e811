from __future__ import annotations

from tests.conftest import GraphQLClient
from tests.factories import Seeder


def test_front_page_lists_published_articles_over_real_http(seed: Seeder, live_gql: GraphQLClient) -> None:
    section = seed.section("The Peninsula")
    author = seed.author("Jane Example")
    image = seed.image(license=4, creator="Mariusz Kluzniak")
    seed.article("First", section_id=section, author_ids=[author], lead_image_id=image)
    data = live_gql.data(
        "{ articles(first: 5) { totalCount edges { node { title section { name } authors { name }"
        " leadImage { credit { line license { code } } } } } } }"
    )
    assert data["articles"]["totalCount"] == 1
    node = data["articles"]["edges"][0]["node"]
    assert node["section"] == {"name": "The Peninsula"}
    assert node["authors"] == [{"name": "Jane Example"}]
    assert node["leadImage"]["credit"] == {
        "line": "Image from Mariusz Kluzniak's photostream on Flickr (CC BY 2.0)",
        "license": {"code": "CC-BY-2.0"},
    }
