"""Demo pictures on land: a skyline, a wafer, an armistice village, a portrait, a market,
rice terraces, an old street, and a chart with a transparent background."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFont, ImageOps

from cms.services.demo.painting import Size, band, glow, gradient, grain, sepia


def skyline(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    ground = int(h * 0.78)
    im = gradient(size, (15, 28, 63), (242, 140, 107))
    draw = ImageDraw.Draw(im)
    tower_x = int(w * 0.75)
    draw.ellipse((int(w * 0.55), ground - h // 5, int(w * 0.95), ground + h // 5), fill=(30, 42, 56))
    draw.rectangle(
        (tower_x - w // 200, ground - h // 2, tower_x + w // 200, ground - h // 6), fill=(36, 40, 52)
    )
    draw.ellipse(
        (tower_x - w // 60, ground - h // 2, tower_x + w // 60, ground - int(h * 0.46)), fill=(36, 40, 52)
    )
    x = 0
    while x < w:
        bw, bh = rng.randint(w // 40, w // 16), rng.randint(h // 8, int(h * 0.55))
        shade = rng.randint(18, 40)
        draw.rectangle((x, ground - bh, x + bw, ground), fill=(shade, shade + 6, shade + 18))
        for _ in range(bh * bw // 1800):  # lit windows
            wx, wy = rng.randint(x + 3, x + bw - 6), rng.randint(ground - bh + 4, ground - 6)
            draw.rectangle((wx, wy, wx + 4, wy + 5), fill=(255, 214, 120))
        x += bw + rng.randint(2, w // 80)
    band(im, ground, (52, 48, 80), (14, 20, 38))
    return grain(im, 14)


def wafer(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    im = Image.new("RGB", size, (14, 15, 20))
    disc = ImageOps.colorize(Image.radial_gradient("L").resize(size), (120, 200, 220), (96, 48, 140))
    grid = ImageDraw.Draw(disc)
    for offset in range(0, w, w // 24):  # the dies
        grid.line((offset, 0, offset, h), fill=(30, 30, 44), width=2)
        grid.line((0, offset, w, offset), fill=(30, 30, 44), width=2)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((w // 20, h // 20, w - w // 20, h - h // 20), fill=255)
    im.paste(disc, (0, 0), mask)
    ImageDraw.Draw(im).rectangle((w // 2 - w // 30, h - h // 18, w // 2 + w // 30, h), fill=(14, 15, 20))
    return im


def armistice_village(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    ground = int(h * 0.6)
    im = gradient(size, (170, 170, 165), (225, 222, 214))
    band(im, ground, (150, 142, 128), (96, 90, 80))
    draw = ImageDraw.Draw(im)
    for index in range(5):  # the huts, end on
        left = int(w * (0.08 + index * 0.18))
        top = ground - int(h * 0.16)
        draw.rectangle((left, top, left + int(w * 0.13), ground + h // 40), fill=(70 + index * 8, 74, 70))
        draw.polygon(
            [(left - w // 80, top), (left + int(w * 0.065), top - h // 12), (left + int(w * 0.14), top)],
            fill=(52, 52, 50),
        )
        draw.rectangle((left + w // 25, top + h // 20, left + w // 14, ground), fill=(30, 30, 30))
    draw.line((0, ground + h // 12, w, ground + h // 12), fill=(232, 230, 222), width=max(3, h // 120))
    for _ in range(14):  # people
        x, y = rng.randint(0, w), ground + rng.randint(h // 10, h // 3)
        draw.ellipse((x, y - h // 30, x + w // 90, y - h // 50), fill=(40, 38, 34))
        draw.rectangle((x, y - h // 50, x + w // 90, y + h // 30), fill=(40, 38, 34))
    return grain(sepia(im), 30)


def portrait(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    im = gradient(size, (217, 226, 236), (130, 154, 177))
    glow(im, (int(w * 0.3), int(h * 0.25)), w // 2, (240, 244, 248))
    draw = ImageDraw.Draw(im)
    cx = w // 2
    draw.ellipse((cx - int(w * 0.42), int(h * 0.66), cx + int(w * 0.42), int(h * 1.3)), fill=(31, 42, 68))
    draw.polygon(
        [(cx - w // 14, int(h * 0.66)), (cx + w // 14, int(h * 0.66)), (cx, int(h * 0.8))],
        fill=(236, 236, 232),
    )
    draw.polygon(
        [(cx - w // 40, int(h * 0.68)), (cx + w // 40, int(h * 0.68)), (cx, int(h * 0.86))],
        fill=(150, 32, 44),
    )
    draw.rectangle((cx - w // 14, int(h * 0.5), cx + w // 14, int(h * 0.68)), fill=(204, 160, 126))
    draw.ellipse((cx - int(w * 0.17), int(h * 0.2), cx + int(w * 0.17), int(h * 0.56)), fill=(224, 184, 153))
    draw.chord(
        (cx - int(w * 0.18), int(h * 0.17), cx + int(w * 0.18), int(h * 0.42)), 180, 360, fill=(35, 30, 28)
    )
    return grain(im, 8)


def market(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    im = gradient(size, (252, 228, 190), (160, 112, 78))
    draw = ImageDraw.Draw(im)
    stripes = [
        ((214, 48, 49), (250, 240, 230)),
        ((9, 132, 227), (250, 240, 230)),
        ((0, 148, 50), (253, 203, 110)),
    ]
    stall_w = w // 4
    for index in range(4):
        left, top = index * stall_w, int(h * 0.22)
        first, second = stripes[index % len(stripes)]
        for stripe in range(8):
            x = left + stripe * stall_w // 8
            draw.polygon(
                [
                    (x, top),
                    (x + stall_w // 8, top),
                    (x + stall_w // 8 + w // 60, top + h // 6),
                    (x + w // 60, top + h // 6),
                ],
                fill=first if stripe % 2 else second,
            )
        draw.rectangle((left + w // 60, int(h * 0.62), left + stall_w - w // 60, h), fill=(120, 82, 50))
        fruit = [(243, 156, 18), (211, 84, 0), (39, 174, 96), (192, 57, 43)][index]
        for _ in range(60):
            x, y, r = (
                rng.randint(left + w // 40, left + stall_w - w // 40),
                rng.randint(int(h * 0.56), int(h * 0.7)),
                h // 40,
            )
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fruit, outline=(90, 50, 20))
    for index in range(7):  # lanterns
        x = int(w * (0.07 + index * 0.14))
        draw.ellipse((x - w // 60, h // 20, x + w // 60, h // 20 + h // 12), fill=(231, 76, 60))
    return grain(im, 14)


def terraces(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    im = gradient(size, (190, 224, 240), (240, 244, 220))
    draw = ImageDraw.Draw(im)
    greens = [(106, 153, 78), (167, 201, 87), (56, 102, 65), (140, 180, 90), (200, 220, 140)]
    for step in range(14):
        top = int(h * (0.18 + step * 0.06))
        bulge = int(w * rng.uniform(0.15, 0.35))
        draw.ellipse((-bulge, top, w + bulge, top + int(h * 0.5)), fill=greens[step % len(greens)])
        draw.arc(
            (-bulge, top, w + bulge, top + int(h * 0.5)),
            180,
            360,
            fill=(214, 230, 236),
            width=max(2, h // 200),
        )
    return grain(im, 10)


def old_street(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    vanish = (int(w * 0.55), int(h * 0.42))
    im = gradient(size, (200, 200, 196), (120, 116, 108))
    draw = ImageDraw.Draw(im)
    draw.polygon([(0, h), (w, h), vanish], fill=(150, 140, 122))
    for side in (-1, 1):
        for index in range(6):
            near = 1 - index / 7
            x = vanish[0] + side * int(w * 0.55 * near)
            roof = vanish[1] - int(h * 0.22 * near)
            draw.rectangle(
                (
                    min(x, x - side * int(w * 0.09 * near)),
                    roof,
                    max(x, x - side * int(w * 0.09 * near)),
                    vanish[1] + int(h * 0.5 * near),
                ),
                fill=(90 + index * 10, 84 + index * 10, 74 + index * 9),
            )
    for _ in range(20):  # passers-by
        depth = rng.uniform(0.2, 1.0)
        x = vanish[0] + int(rng.uniform(-0.3, 0.3) * w * depth)
        y = vanish[1] + int(h * 0.55 * depth)
        draw.rectangle((x, y - int(h * 0.08 * depth), x + int(w * 0.012 * depth) + 1, y), fill=(36, 34, 30))
    return grain(sepia(im), 34)


def export_chart(size: Size, rng: random.Random) -> Image.Image:
    """A bar chart on a transparent background, as a PNG with alpha (a newsroom's own graphic)."""
    w, h = size
    im = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    values = [62, 64, 99, 127, 94, 101, 128, 130, 86, 112]  # memory-chip exports, $bn, 2015-2024
    font = ImageFont.load_default(size=max(12, h // 30))
    left, bottom, top = int(w * 0.08), int(h * 0.88), int(h * 0.08)
    slot = (w - left - int(w * 0.04)) // len(values)
    for index, value in enumerate(values):
        x = left + index * slot
        y = bottom - int((bottom - top) * value / 140)
        draw.rounded_rectangle(
            (x + slot // 6, y, x + slot - slot // 6, bottom), radius=6, fill=(0, 110, 160, 235)
        )
        draw.text(
            (x + slot // 2, bottom + h // 60),
            str(2015 + index),
            fill=(60, 60, 60, 255),
            font=font,
            anchor="ma",
        )
        draw.text((x + slot // 2, y - h // 60), str(value), fill=(0, 80, 120, 255), font=font, anchor="md")
    draw.line((left, bottom, w - int(w * 0.03), bottom), fill=(60, 60, 60, 255), width=3)
    return im
