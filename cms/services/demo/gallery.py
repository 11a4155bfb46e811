"""The demo's images: what each shows, who is credited, and under which licence.

The licences are varied on purpose, since each one renders a different credit and
carries different rights: CC BY, BY-SA, BY-NC and BY-NC-ND, CC0, the Public Domain
Mark, a US Government work, a Flickr Commons image and one used with permission.
The people and pages credited are invented, like the pictures, which are drawn by
``painting.paint`` when `cms demo` runs. The alt texts describe what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from cms.services.demo import harbours, scenes
from cms.services.demo.painting import Scene, Size, paint
from cms.services.images import ImageFields
from cms.services.text import slugify

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class DemoImage:
    key: int  # its id in the demo corpus; the record's external ref is "demo:<key>"
    scene: Scene
    size: Size
    format: str
    title: str
    alt: str
    creator: str
    source_name: str
    source_url: str
    license: str  # an SPDX code, a Flickr licence id or a deed URL, as editors give them
    creator_url: str = ""
    focal_point: tuple[float, float] | None = None

    @property
    def filename(self) -> str:
        return f"demo-{self.key:02d}-{slugify(self.title, max_length=60)}.{_EXTENSIONS[self.format]}"

    def data(self) -> bytes:
        return paint(self.scene, self.size, self.format, seed=self.key)

    def fields(self) -> ImageFields:
        return ImageFields(
            title=self.title,
            alt=self.alt,
            creator=self.creator,
            creator_url=self.creator_url,
            source_name=self.source_name,
            source_url=self.source_url,
            license=self.license,
            focal_point=self.focal_point,
            # The demo library is a public gallery: a frontend can list it before any story runs.
            public=True,
        )


GALLERY = [
    DemoImage(
        1, harbours.port, (1600, 1067), "JPEG", "Container ships at Busan New Port",
        "Gantry cranes and rows of red, blue and yellow containers on a quay at dusk, "
        "with the dark hull of a ship at the water's edge",
        "Ha-eun Seo", "Flickr", "https://www.flickr.com/photos/haeun-seo/53120471180", "4",
        creator_url="https://www.flickr.com/photos/haeun-seo/", focal_point=(0.3, 0.55),
    ),
    DemoImage(
        2, scenes.skyline, (1920, 1080), "JPEG", "Seoul skyline at dusk",
        "Office towers with lit windows against an orange evening sky, "
        "a broadcast tower on a hill behind them",
        "Daniel Brooks", "Wikimedia Commons",
        "https://commons.wikimedia.org/wiki/File:Seoul_skyline_at_dusk.jpg", "CC-BY-SA-4.0",
        creator_url="https://commons.wikimedia.org/wiki/User:Daniel_Brooks",
    ),
    DemoImage(
        3, scenes.wafer, (1000, 1000), "WEBP", "A 300 mm silicon wafer",
        "A round silicon wafer divided into a grid of square chips, shading from teal to violet",
        "Chip Works", "Flickr", "https://www.flickr.com/photos/chipworks/52967310446", "2",
    ),
    DemoImage(
        4, harbours.wind_farm, (2400, 900), "JPEG", "Offshore wind farm near Jeju",
        "A row of white wind turbines standing in a calm sea under a pale blue sky",
        "Jae-won Lim", "Unsplash", "https://unsplash.com/photos/wind-farm-jeju-q3k9Xw", "CC0-1.0",
    ),
    DemoImage(
        5, scenes.armistice_village, (1000, 750), "JPEG", "Panmunjom, 1953",
        "A sepia photograph of five wooden huts in a row, people standing on open ground in front of them",
        "", "U.S. National Archives", "https://catalog.archives.gov/id/542190", "CC-PDM-1.0",
    ),
    DemoImage(
        6, harbours.warships, (1600, 900), "JPEG", "Joint naval exercise in the Yellow Sea",
        "Three grey warships in line on a grey sea, the nearest one large, "
        "the others smaller in the distance",
        "U.S. Navy", "DVIDS", "https://www.dvidshub.net/image/8123456", "US-GOV",
    ),
    DemoImage(
        7, scenes.portrait, (960, 1200), "JPEG", "A delegate at the trilateral summit",
        "Head-and-shoulders portrait of a man with short dark hair in a navy suit and red tie, "
        "against a pale blue background",
        "Kang Min-seo", "Flickr", "https://www.flickr.com/photos/kangminseo/53088812914", "3",
        focal_point=(0.5, 0.32),
    ),
    DemoImage(
        8, scenes.market, (1400, 933), "JPEG", "Seomun Market, Daegu",
        "Market stalls under red, blue and green striped awnings, with crates of oranges, tangerines, "
        "limes and apples, and red lanterns overhead",
        "Lee Photo Agency", "Lee Photo Agency", "https://example.org/lee-photo-agency/seomun-market", "ARR",
    ),
    DemoImage(
        9, harbours.cranes, (1080, 1350), "JPEG", "Harbour cranes at Incheon",
        "Two ship-to-shore cranes, one red and one orange, rising above a dark quay into a clear sky",
        "Seo-jun Cho", "Flickr", "https://www.flickr.com/photos/seojuncho/53201127735",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    DemoImage(
        10, scenes.terraces, (1600, 1067), "JPEG", "Rice terraces in spring",
        "Curving bands of rice terraces in many shades of green, stepping up a hillside under a light sky",
        "Mi-rae Song", "Flickr", "https://www.flickr.com/photos/miraesong/52411230887", "5",
        focal_point=(0.3, 0.6),
    ),
    DemoImage(
        11, scenes.old_street, (1200, 800), "JPEG", "Jongno, Seoul, around 1904",
        "A sepia photograph of a wide street lined with low buildings, people walking down its middle",
        "The Library of Congress", "Flickr",
        "https://www.flickr.com/photos/library_of_congress/2163512870", "7",
    ),
    DemoImage(
        12, scenes.export_chart, (1200, 800), "PNG",
        "Chart: South Korea's memory-chip exports, 2015-2024 (illustrative)",
        "Bar chart of memory-chip exports in billions of US dollars: 62 in 2015, rising to 127 in 2018, "
        "a peak of 130 in 2022, 86 in 2023 and 112 in 2024",
        "Tomás Rivera", "Institute for Peninsula Studies", "https://example.org/data/memory-chip-exports",
        "CC-BY-4.0",
    ),
]  # fmt: skip
