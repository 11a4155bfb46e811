"""`cms demo`: a small, varied publication to explore the API with.

Generated here (deterministically) rather than shipped, and loaded through the
same importer as any corpus, so it exercises the real write path.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from cms.services.corpus import Corpus

SECTIONS = [
    ("The Peninsula", "the-peninsula", "Commentary and analysis on the Korean Peninsula and the region."),
    ("Policy Briefs", "policy-briefs", "Short, sourced briefs on security, trade and society."),
    ("Events", "events", "Talks, panels and conferences, with recordings and summaries."),
]
CATEGORIES = [
    ("Security", "security"),
    ("Trade", "trade"),
    ("Technology", "technology"),
    ("Energy and Climate", "energy-climate"),
    ("Society", "society"),
    ("Diplomacy", "diplomacy"),
]
AUTHORS = [
    ("Min-jun Park", "Senior fellow for security studies.", "Institute for Peninsula Studies"),
    ("Sarah Whitfield", "Writes on trade policy and supply chains.", "Pacific Economics Forum"),
    ("Ji-woo Kim", "Covers semiconductors and technology policy.", "Seoul Policy Lab"),
    ("Daniel Okafor", "Former diplomat; writes on alliances.", ""),
    ("Hana Suzuki", "Energy transition researcher.", "Tokyo Climate Institute"),
    ("Élodie Martin", "Editor of The Peninsula blog.", "Institute for Peninsula Studies"),
    ("Tomás Rivera", "Data journalist.", ""),
    ("Grace Lee", "Program director for society and demography.", "Institute for Peninsula Studies"),
]
# Varied licences on purpose: each renders a different credit and carries different rights.
IMAGES: list[dict[str, Any]] = [
    {
        "title": "Container ships at Busan",
        "creator": "Mariusz Kluzniak",
        "source_name": "Flickr",
        "source_url": "https://www.flickr.com/photos/kluzniak/12345",
        "license": 4,
    },
    {
        "title": "Seoul skyline at dusk",
        "creator": "Jane Example",
        "source_name": "Wikimedia Commons",
        "source_url": "https://commons.wikimedia.org/wiki/File:Seoul_skyline.jpg",
        "license": "CC-BY-SA-4.0",
        "creator_url": "https://commons.wikimedia.org/wiki/User:JaneExample",
    },
    {
        "title": "Semiconductor wafer",
        "creator": "Chip Works",
        "source_name": "Flickr",
        "source_url": "https://www.flickr.com/photos/chipworks/2222",
        "license": 2,
    },
    {
        "title": "Wind farm off Jeju",
        "creator": "Unknown photographer",
        "source_name": "Unsplash",
        "source_url": "https://unsplash.com/photos/wind-farm",
        "license": "CC0-1.0",
    },
    {
        "title": "Panmunjom, 1953",
        "creator": "",
        "source_name": "National Archives",
        "source_url": "https://catalog.archives.gov/id/1",
        "license": "CC-PDM-1.0",
    },
    {
        "title": "Joint exercise",
        "creator": "U.S. Department of Defense",
        "source_name": "DVIDS",
        "source_url": "https://www.dvidshub.net/image/1",
        "license": "US-GOV",
    },
    {
        "title": "Portrait at the summit",
        "creator": "Presidential Office",
        "source_name": "Flickr",
        "source_url": "https://www.flickr.com/photos/president/3333",
        "license": 3,
    },
    {
        "title": "Market in Daegu",
        "creator": "Lee Photo Agency",
        "source_name": "Lee Photo Agency",
        "source_url": "https://example.org/agency/daegu",
        "license": "ARR",
    },
    {
        "title": "Harbour cranes",
        "creator": "Seojun Cho",
        "source_name": "Flickr",
        "source_url": "https://www.flickr.com/photos/seojun/4444",
        "license": "https://creativecommons.org/licenses/by/4.0/",
    },
    {
        "title": "Rice terraces",
        "creator": "Mi-rae Song",
        "source_name": "Flickr",
        "source_url": "https://www.flickr.com/photos/mirae/5555",
        "license": 5,
        "focal_point": [0.3, 0.6],
    },
]
TOPICS = {
    "security": ["deterrence", "missile tests", "the alliance", "joint exercises", "denuclearization talks"],
    "trade": ["tariffs", "export controls", "supply chains", "the won", "shipbuilding orders"],
    "technology": ["semiconductors", "chip subsidies", "artificial intelligence", "batteries", "5G networks"],
    "energy-climate": ["offshore wind", "nuclear power", "carbon pricing", "LNG imports", "heat waves"],
    "society": ["the birth rate", "housing prices", "youth employment", "an ageing population", "migration"],
    "diplomacy": [
        "the trilateral summit",
        "sanctions",
        "envoys",
        "the UN Security Council",
        "inter-Korean dialogue",
    ],
}
SENTENCES = [
    "Officials in Seoul say {a} will shape policy through the end of the decade.",
    "The debate over {a} has sharpened since {b} returned to the agenda.",
    "Analysts expect {a} to matter more for the region than {b}.",
    "New data on {a} complicate the story most readers know about {b}.",
    "Critics argue that {a} is being used to avoid hard choices on {b}.",
    "Few expected {a} to move markets; fewer still predicted its effect on {b}.",
]


def demo_corpus(*, now: datetime | None = None, articles: int = 48) -> Corpus:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(20240601)
    corpus = Corpus(
        sections=[
            {"id": i, "name": n, "slug": s, "description": d} for i, (n, s, d) in enumerate(SECTIONS, 1)
        ],
        categories=[{"id": i, "name": n, "slug": s} for i, (n, s) in enumerate(CATEGORIES, 1)],
        authors=[
            {
                "id": i,
                "name": n,
                "slug": _slug(n),
                "bio": f"{n.split()[0]} is a writer. {b}",
                "affiliation": a,
            }
            for i, (n, b, a) in enumerate(AUTHORS, 1)
        ],
        images=[
            {"id": i, "width": 1600, "height": 1067, "filename": f"demo-{i:02d}.jpg", **image}
            for i, image in enumerate(IMAGES, 1)
        ],
    )
    for number in range(1, articles + 1):
        category_id = rng.randrange(len(CATEGORIES)) + 1
        topics = TOPICS[CATEGORIES[category_id - 1][1]]
        a, b = rng.sample(topics, 2)
        title = f"What {a} means for {b}" if number % 3 else f"{a[0].upper()}{a[1:]} and {b}: five questions"
        paragraphs = [
            " ".join(
                rng.choice(SENTENCES).format(a=rng.choice(topics), b=rng.choice(topics)) for _ in range(4)
            )
            for _ in range(rng.randint(3, 6))
        ]
        body = "\n".join(f"<p>{p}</p>" for p in paragraphs[:-1])
        body += f"\n<h2>Why it matters</h2>\n<blockquote>{paragraphs[-1]}</blockquote>"
        published_at: datetime | None = now - timedelta(days=number * 3, hours=rng.randint(0, 23))
        status = "published"
        if number % 16 == 0:
            status, published_at = "draft", None  # never published
        elif number == 5:
            published_at = now + timedelta(days=7)  # scheduled: public in a week
        corpus.articles.append(
            {
                "id": number,
                "title": title,
                "slug": f"{_slug(title)}-{number}",
                "summary": paragraphs[0].split(". ")[0] + ".",
                "body": body,
                "published_at": published_at.isoformat() if published_at else None,
                "status": status,
                "section_id": 1 if number % 2 else rng.choice([2, 3]),
                "category_id": category_id,
                "author_ids": rng.sample(
                    range(1, len(AUTHORS) + 1), 1 + (number % 5 == 0) + (number % 7 == 0)
                ),
                "lead_image_id": None if number % 6 == 0 else rng.randrange(len(IMAGES)) + 1,
            }
        )
    return corpus


def _slug(text: str) -> str:
    from cms.services.text import slugify

    return slugify(text)
