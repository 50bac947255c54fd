"""Posters and share cards: their QR decodes (zxing-cpp, at print resolution) to the link."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
import zxingcpp
from PIL import Image

from surveyapp.field import images, services
from surveyapp.models import Assessment, CollectionLink

PUBLIC = "https://renke.example.cn"


def decode(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in found]


SHEET = images.LinkSheet(
    county="砚山县",
    school="砚山县第一中学",
    instrument="社会卷",
    audience="家长",
    url=f"{PUBLIC}/s/Abc-123_xyzQrStU",
    closes="2026年12月20日",
)


def test_poster_is_a4_at_300_dpi_and_its_qr_decodes(cjk_font: None) -> None:
    page = images.poster(SHEET)
    assert page.size == (2480, 3508)
    assert decode(page) == [SHEET.url]
    # the QR is at least 12 cm wide on paper: scannable from a metre
    code = images.qr_image(SHEET.url, round(images.POSTER_QR_MM / 25.4 * images.DPI))
    assert code.width / images.DPI * 25.4 >= images.POSTER_QR_MM - 5


def test_poster_pdf_is_one_a4_page_whose_image_decodes(cjk_font: None) -> None:
    pdf = images.poster_pdf(SHEET)
    assert pdf.startswith(b"%PDF")
    assert b"/Count 1" in pdf  # one page
    assert b"/MediaBox [ 0 0 595.2 841.92 ]" in pdf  # 210 × 297 mm in points
    # The page image, extracted from the PDF (Pillow writes it as one JPEG stream).
    start = pdf.index(b"\xff\xd8")
    end = pdf.rindex(b"\xff\xd9") + 2
    with Image.open(io.BytesIO(pdf[start:end])) as page:
        assert page.size == (2480, 3508)
        assert decode(page) == [SHEET.url]


def test_share_card_size_and_qr(cjk_font: None) -> None:
    with Image.open(io.BytesIO(images.share_card(SHEET))) as card:
        assert card.size == images.CARD == (1080, 1350)
        assert decode(card) == [SHEET.url]
    message = images.share_message(SHEET)
    assert SHEET.url in message and "匿名" in message and "2026年12月20日" in message


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENKE_CJK_FONT", "/nonexistent/font.ttc")
    images.font.cache_clear()
    try:
        with pytest.raises(images.FontMissing, match="fonts-noto-cjk"):
            images.poster(SHEET)
    finally:
        monkeypatch.delenv("RENKE_CJK_FONT")
        images.font.cache_clear()


def test_zip_names_say_which_link(
    make_assessment: Callable[..., Assessment],
    make_link: Callable[..., CollectionLink],
    cjk_font: None,
) -> None:
    assessment = make_assessment()
    school = assessment.county.schools[0]
    parents = make_link(assessment, "social", "家长", school)
    county = make_link(assessment, "staff")
    data = services.posters_zip([parents, county], PUBLIC, "Asia/Shanghai")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        stem = f"{school.name}-家长-社会卷"
        assert {f"海报/{stem}.pdf", f"分享图/{stem}.png", f"二维码/{stem}.png"} <= names
        assert f"二维码/{assessment.county.name}全县-全部群体-校长教师卷.svg" in names
        with Image.open(io.BytesIO(archive.read(f"二维码/{stem}.png"))) as code:
            assert decode(code) == [f"{PUBLIC}/s/{parents.token}"]
