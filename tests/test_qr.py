"""QR codes decode back to their links, and always point at RENKE_PUBLIC_URL.

Decoding is done by zxing-cpp, an independent reader. PNGs are read as they are. SVGs
are rasterised by :func:`render_svg` below: cairosvg is not installed here, so the
path (``M``/``H``/``V``/``L``/``Z`` commands, absolute or relative, as qrcode writes
them) is parsed and its polygons filled with Pillow. Any other SVG construct fails the
test rather than being silently ignored.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renke.cli import main
from surveyapp import create_app, db, qr
from surveyapp.demo import seed_demo
from surveyapp.models import Assessment, CollectionLink, User

SVG = "{http://www.w3.org/2000/svg}"
PIXELS_PER_MODULE = 8
PUBLIC = "https://renke.example.cn"


def decode(image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in ``image``, as text."""
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in found]


def decode_png(data: bytes) -> list[str]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    with Image.open(io.BytesIO(data)) as image:
        return decode(image)


def render_svg(data: bytes) -> Image.Image:
    """Rasterise qrcode's path SVG: dark polygons on a white canvas, quiet zone included."""
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    left, top, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert width == height and width > 0
    shapes = [element for element in root.iter() if element.tag != f"{SVG}svg"]
    assert [element.tag for element in shapes] == [f"{SVG}path"], "unexpected SVG elements"
    [path] = shapes
    assert path.get("fill", "#000000").lower() in {"#000000", "#000", "black"}
    assert path.get("fill-opacity", "1") == "1"

    scale = PIXELS_PER_MODULE
    canvas = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(canvas)
    for polygon in path_polygons(path.attrib["d"]):
        # Every shape is dark, so overlap at shared edges is harmless (nonzero fill).
        draw.polygon([((x - left) * scale, (y - top) * scale) for x, y in polygon], fill=0)
    return canvas


def path_polygons(d: str) -> list[list[tuple[float, float]]]:
    """The closed polygons of an SVG path made of straight lines only."""
    tokens = re.findall(r"[MmHhVvLlZz]|-?\d*\.?\d+(?:[eE][-+]?\d+)?", d)
    leftover = re.sub(r"[MmHhVvLlZz]|-?\d*\.?\d+(?:[eE][-+]?\d+)?|[\s,]", "", d)
    assert not leftover, f"unsupported path commands: {leftover[:20]!r}"
    polygons: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    x = y = 0.0
    command = ""
    position = 0

    def number() -> float:
        nonlocal position
        value = float(tokens[position])
        position += 1
        return value

    while position < len(tokens):
        if tokens[position].isalpha():
            command = tokens[position]
            position += 1
        if command in "Zz":
            if current:
                polygons.append(current)
                x, y = current[0]
            current = []
            command = ""
            continue
        relative = command.islower()
        kind = command.upper()
        if kind in "ML":
            dx, dy = number(), number()
            x, y = (x + dx, y + dy) if relative else (dx, dy)
            if kind == "M":
                if current:
                    polygons.append(current)
                current = [(x, y)]
                command = "l" if relative else "L"  # implicit lineto after moveto
                continue
        elif kind == "H":
            value = number()
            x = x + value if relative else value
        elif kind == "V":
            value = number()
            y = y + value if relative else value
        else:
            raise AssertionError(f"path data before any command: {tokens[position]!r}")
        current.append((x, y))
    if current:
        polygons.append(current)
    return polygons


@pytest.mark.parametrize(
    "url",
    [
        "https://renke.example.cn/s/Abc-123_xyzQ",
        "http://192.168.1.23:5000/s/" + "T" * 16,
        "https://问卷.example.cn/s/中文路径",  # non-ASCII survives the round trip
    ],
)
def test_png_and_svg_decode_to_their_url(url: str) -> None:
    assert decode_png(qr.qr_png(url)) == [url]
    assert decode(render_svg(qr.qr_svg(url))) == [url]


def test_svg_renderer_is_faithful() -> None:
    """The hand-made SVG rasteriser draws the same modules as the PNG, not a lookalike."""
    url = "https://renke.example.cn/s/faithful-check"
    svg = qr.qr_svg(url)
    count = int(float(ET.fromstring(svg).attrib["viewBox"].split()[2]))
    with Image.open(io.BytesIO(qr.qr_png(url))) as png:
        assert png.width % count == 0
        png_modules = modules(png.convert("L"), png.width // count)
    svg_modules = modules(render_svg(svg), PIXELS_PER_MODULE)
    assert svg_modules == png_modules
    assert any(any(row) for row in svg_modules)
    assert decode(render_svg(qr.qr_svg(url + "x"))) == [url + "x"]


def modules(image: Image.Image, size: int) -> list[list[bool]]:
    """Sample the centre of each module: True where dark."""
    count = image.width // size
    return [
        [
            image.getpixel((col * size + size // 2, row * size + size // 2)) < 128
            for col in range(count)
        ]
        for row in range(count)
    ]


def test_link_url_joins_public_url_and_token() -> None:
    assert qr.link_url("https://renke.example.cn/", "tok") == "https://renke.example.cn/s/tok"
    assert qr.link_url("https://renke.example.cn", "tok") == "https://renke.example.cn/s/tok"


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """A migrated, seeded SQLite database that `renke` finds through the environment.

    Returns the demo assessment's id and how many collection links it has.
    """
    url = f"sqlite:///{tmp_path / 'renke.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RENKE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("RENKE_PUBLIC_URL", PUBLIC + "/")  # the trailing slash is dropped
    monkeypatch.setenv("SECRET_KEY", "qr-test-secret-key")
    db.upgrade(url)
    app = create_app()
    try:
        with app.app_context():
            session = db.session()
            assessment_id = seed_demo(session, responses=False).id
            session.commit()
            link_count = session.scalar(
                select(func.count())
                .select_from(CollectionLink)
                .where(CollectionLink.assessment_id == assessment_id)
            )
    finally:
        app.extensions["renke.engine"].dispose()
    assert link_count, "the demo made no links"
    return assessment_id, link_count


def test_renke_links_writes_qr_files_that_decode(
    cli_database: tuple[int, int], tmp_path: Path
) -> None:
    assessment_id, link_count = cli_database
    folder = tmp_path / "qr"
    result = CliRunner().invoke(
        main, ["links", str(assessment_id), "--format", "json", "--qr", str(folder)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == link_count
    assert len({row["url"] for row in rows}) == len(rows)
    for row in rows:
        assert re.fullmatch(re.escape(PUBLIC) + r"/s/[A-Za-z0-9_-]{16}", row["url"]), row
        png = folder / f"link-{row['id']}.png"
        svg = folder / f"link-{row['id']}.svg"
        assert decode_png(png.read_bytes()) == [row["url"]], png
        assert decode(render_svg(svg.read_bytes())) == [row["url"]], svg
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"link-{row['id']}.{kind}" for row in rows for kind in ("png", "svg")
    )


def test_renke_links_unknown_assessment(cli_database: tuple[int, int], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["links", str(cli_database[0] + 999), "--qr", str(tmp_path / "q")]
    )
    assert result.exit_code != 0
    assert "找不到评估" in result.output
    assert not (tmp_path / "q").exists()


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_qr_route_ignores_the_request_host(
    kind: str,
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    assessment = seed_demo(session, responses=False)
    user = make_user("qr-evaluator", county=assessment.county)
    session.commit()
    login(user)
    link = session.scalars(
        select(CollectionLink)
        .where(CollectionLink.assessment_id == assessment.id)
        .order_by(CollectionLink.id)
    ).first()
    assert link is not None
    expected = f"{client.application.config['RENKE_PUBLIC_URL']}/s/{link.token}"
    assert "10.9.8.7" not in expected

    # The signed-in session cookie, carried over to the other host the request names.
    cookie_name = client.application.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(cookie_name)
    assert cookie is not None
    client.set_cookie(cookie_name, cookie.value, domain="10.9.8.7")

    response = client.get(
        f"/a/{assessment.id}/links/{link.id}/qr.{kind}", base_url="http://10.9.8.7:8080"
    )

    assert response.request.host == "10.9.8.7:8080"
    assert response.status_code == 200
    assert response.mimetype == ("image/png" if kind == "png" else "image/svg+xml")
    body = response.get_data()
    found = decode_png(body) if kind == "png" else decode(render_svg(body))
    assert found == [expected]


def test_qr_route_needs_sign_in(client: FlaskClient, session: Session) -> None:
    assessment: Assessment = seed_demo(session, responses=False)
    session.commit()
    link = session.scalars(
        select(CollectionLink).where(CollectionLink.assessment_id == assessment.id)
    ).first()
    assert link is not None
    response = client.get(f"/a/{assessment.id}/links/{link.id}/qr.png")
    assert response.status_code in (302, 401, 403)
    assert not response.get_data().startswith(b"\x89PNG")
