"""Demo pictures at sea and in port: a container terminal, an offshore wind farm,
warships on exercise, harbour cranes."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from cms.services.demo.painting import Size, band, glow, gradient, grain, polar


def port(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    horizon = int(h * 0.62)
    im = gradient(size, (43, 58, 103), (244, 162, 97))
    glow(im, (int(w * 0.72), horizon), h // 4, (255, 214, 150))
    band(im, horizon, (29, 53, 87), (11, 29, 51))
    draw = ImageDraw.Draw(im)
    for x in range(int(w * 0.08), w, int(w * 0.17)):  # gantry cranes
        top = horizon - int(h * rng.uniform(0.32, 0.42))
        draw.rectangle((x, top, x + w // 90, horizon), fill=(27, 27, 31))
        draw.rectangle((x - w // 40, top, x + w // 12, top + h // 60), fill=(27, 27, 31))
    palette = [(192, 57, 43), (40, 116, 166), (241, 196, 15), (39, 174, 96), (230, 126, 34), (127, 140, 141)]
    box_w, box_h = w // 40, h // 36
    for row in range(4):
        for column in range(int(w * 0.55) // box_w):
            if rng.random() < 0.85:
                x, y = int(w * 0.05) + column * box_w, horizon - (row + 1) * box_h
                draw.rectangle((x, y, x + box_w - 2, y + box_h - 2), fill=rng.choice(palette))
    hull = [
        (int(w * 0.52), horizon + h // 30),
        (int(w * 0.97), horizon + h // 30),
        (int(w * 0.93), horizon + h // 9),
        (int(w * 0.55), horizon + h // 9),
    ]
    draw.polygon(hull, fill=(20, 24, 33))
    return grain(im, 18)


def wind_farm(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    horizon = int(h * 0.66)
    im = gradient(size, (126, 178, 221), (226, 238, 246))
    band(im, horizon, (58, 110, 150), (22, 58, 92))
    draw = ImageDraw.Draw(im)
    for index in range(9):
        x = int(w * (0.06 + index * 0.11 + rng.uniform(-0.02, 0.02)))
        tall = int(h * rng.uniform(0.25, 0.5))
        hub = (x, horizon - tall)
        draw.line((x, horizon, *hub), fill=(245, 247, 250), width=max(2, w // 500))
        turn = rng.uniform(0, 120)
        for angle in (0, 120, 240):
            draw.line(
                (*hub, *polar(hub, tall * 0.45, turn + angle)), fill=(245, 247, 250), width=max(2, w // 700)
            )
    return grain(im, 10)


def warships(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    horizon = int(h * 0.55)
    im = gradient(size, (150, 160, 172), (205, 210, 214))
    band(im, horizon, (84, 98, 112), (40, 52, 66))
    draw = ImageDraw.Draw(im)
    for index, scale in enumerate((1.0, 0.6, 0.4)):
        left = int(w * (0.1 + index * 0.3))
        length, deck = int(w * 0.3 * scale), horizon + int(h * 0.06 * scale) - index * 4
        grey = 62 + index * 18
        draw.polygon(
            [
                (left, deck),
                (left + length, deck),
                (left + int(length * 0.92), deck + int(h * 0.06 * scale)),
                (left + int(length * 0.05), deck + int(h * 0.06 * scale)),
            ],
            fill=(grey, grey + 4, grey + 8),
        )
        draw.rectangle(
            (left + int(length * 0.35), deck - int(h * 0.09 * scale), left + int(length * 0.55), deck),
            fill=(grey, grey + 4, grey + 8),
        )
        draw.line(
            (
                left + int(length * 0.45),
                deck - int(h * 0.09 * scale),
                left + int(length * 0.45),
                deck - int(h * 0.16 * scale),
            ),
            fill=(grey, grey, grey),
            width=3,
        )
    return grain(im, 16)


def cranes(size: Size, rng: random.Random) -> Image.Image:
    w, h = size
    ground = int(h * 0.86)
    im = gradient(size, (69, 123, 157), (241, 250, 238))
    band(im, ground, (60, 64, 70), (30, 32, 36))
    draw = ImageDraw.Draw(im)
    for left, scale in ((0.12, 1.0), (0.58, 0.75)):
        x, top = int(w * left), ground - int(h * 0.7 * scale)
        leg = int(w * 0.26 * scale)
        colour = (214, 40, 40) if scale == 1.0 else (247, 127, 0)
        for offset in (0, leg):
            draw.rectangle((x + offset, top, x + offset + w // 45, ground), fill=colour)
        draw.rectangle((x - int(w * 0.08), top, x + leg + int(w * 0.2 * scale), top + h // 50), fill=colour)
        for rung in range(top + h // 12, ground, h // 10):
            draw.line((x, rung, x + leg, rung + h // 24), fill=colour, width=4)
    return grain(im, 12)
