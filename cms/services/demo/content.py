"""The demo publication as a corpus: sections, categories, authors and articles.

A policy institute with a blog about the Korean peninsula ("The Peninsula"), a series
of policy briefs and an events page. Built as a corpus and loaded through the same
importer as any other, so the demo exercises the real write path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from cms.services.corpus import Corpus
from cms.services.demo.articles import ARTICLES, DemoArticle
from cms.services.text import slugify

SECTIONS = [
    ("The Peninsula", "the-peninsula",
     "The institute's blog: short analysis of North and South Korea, their neighbours and the alliance, "
     "by our fellows and guests."),
    ("Policy Briefs", "policy-briefs",
     "Sourced briefs of a few pages on security, trade, technology and society, written for officials and "
     "their staff."),
    ("Events", "events", "Talks, panels and conferences at the institute, with summaries and recordings."),
]  # fmt: skip
CATEGORIES = [
    ("North Korea", "north-korea"),
    ("Security", "security"),
    ("Diplomacy", "diplomacy"),
    ("Economy and Trade", "trade"),
    ("Technology", "technology"),
    ("Energy and Climate", "energy-climate"),
    ("Society", "society"),
]
AUTHORS = [
    ("Min-jun Park", "min-jun-park", "Institute for Peninsula Studies",
     "Min-jun Park is a senior fellow for security studies. He follows North Korea's missile programme and "
     "the alliance between South Korea and the United States, and spent twelve years as an analyst at the "
     "Ministry of National Defense in Seoul."),
    ("Sarah Whitfield", "sarah-whitfield", "Pacific Economics Forum",
     "Sarah Whitfield writes about trade policy and supply chains in Northeast Asia. Before joining the "
     "Pacific Economics Forum, she covered ports and shipping for a business daily in Singapore."),
    ("Ji-woo Kim", "ji-woo-kim", "Seoul Policy Lab",
     "Ji-woo Kim covers semiconductors and technology policy. She spent five years designing memory chips "
     "before moving into policy research, and holds a doctorate in electrical engineering."),
    ("Daniel Okafor", "daniel-okafor", "",
     "Daniel Okafor served as a diplomat in Seoul, Tokyo and at the United Nations in New York. He writes on "
     "alliances, sanctions and the workings of the Security Council."),
    ("Hana Suzuki", "hana-suzuki", "Tokyo Climate Institute",
     "Hana Suzuki studies the energy transition in Japan and Korea, with a focus on offshore wind, the grid "
     "and the effect of hotter summers on farming. She spent six years planning transmission lines for a "
     "Japanese utility."),
    ("Élodie Martin", "elodie-martin", "Institute for Peninsula Studies",
     "Élodie Martin edits The Peninsula. She reported from Seoul for a French news agency for eight years "
     "and still writes on relations between the two Koreas."),
    ("Tomás Rivera", "tomas-rivera", "Institute for Peninsula Studies",
     "Tomás Rivera is the institute's data journalist. He builds the charts and datasets behind many of our "
     "briefs, and writes on consumers, prices and public opinion."),
    ("Grace Lee", "grace-lee", "Institute for Peninsula Studies",
     "Grace Lee directs the institute's programme on society and demography. Her research covers housing, "
     "the birth rate and the lives of North Korean defectors in the South."),
]  # fmt: skip


def _body(article: DemoArticle) -> str:
    first, *rest = (f"<p>{escape(p, quote=False)}</p>" for p in article.paragraphs)
    quote = f"<blockquote><p>{escape(article.quote, quote=False)}</p></blockquote>" if article.quote else ""
    return "\n".join(part for part in (first, quote, *rest) if part)


def demo_corpus(*, images: list[dict[str, Any]], now: datetime | None = None) -> Corpus:
    """The corpus around ``images`` (corpus records whose ids are gallery keys); articles are
    dated back from ``now``, newest first."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    section_ids = {slug: i for i, (_, slug, _) in enumerate(SECTIONS, 1)}
    category_ids = {slug: i for i, (_, slug) in enumerate(CATEGORIES, 1)}
    author_ids = {slug: i for i, (_, slug, _, _) in enumerate(AUTHORS, 1)}
    articles: list[dict[str, Any]] = []
    corpus = Corpus(
        sections=[
            {"id": i, "name": n, "slug": s, "description": d} for i, (n, s, d) in enumerate(SECTIONS, 1)
        ],
        categories=[{"id": i, "name": n, "slug": s} for i, (n, s) in enumerate(CATEGORIES, 1)],
        authors=[
            {"id": i, "name": n, "slug": s, "bio": b, "affiliation": a}
            for i, (n, s, a, b) in enumerate(AUTHORS, 1)
        ],
        images=images,
        articles=articles,
    )
    for number, article in enumerate(ARTICLES, 1):
        # Newest first, two or three days apart, at varied times of day.
        published: datetime | None = now - timedelta(days=number * 2 + number % 3, hours=(number * 7) % 24)
        status = article.status
        if status == "scheduled":
            status, published = "published", now + timedelta(days=7)  # public in a week, by the clock alone
        elif status == "draft":
            published = None
        articles.append(
            {
                "id": number,
                "title": article.title,
                "slug": slugify(article.title),
                "summary": article.summary,
                "body": _body(article),
                "published_at": published.isoformat() if published else None,
                "status": status,
                "section_id": section_ids[article.section],
                "category_id": category_ids[article.category],
                "author_ids": [author_ids[a] for a in article.authors],
                "lead_image_id": article.image,
            }
        )
    return corpus
