"""Posters and share cards drawn with Pillow: one renderer for PNG, PDF and the ZIP.

A poster is an A4 page at 300 dpi with a QR 12 cm wide: a phone reads a code from about
ten times its width, so 12 cm scans from a metre with margin. Text is set in Noto Sans
CJK (Debian ``fonts-noto-cjk``); without the font the service refuses clearly rather
than print boxes (``RENKE_CJK_FONT`` names another file).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DPI = 300
A4 = (2480, 3508)  # 210 × 297 mm at 300 dpi
CARD = (1080, 1350)  # WeChat shows a 4:5 picture whole in a chat
POSTER_QR_MM = 120
INK = (17, 24, 39)
MUTED = (75, 85, 99)
ACCENT = (180, 35, 24)


class FontMissing(RuntimeError):
    """The CJK font file is not installed."""


@dataclass(frozen=True)
class LinkSheet:
    """What a poster or a share card says about one link."""

    county: str
    school: str | None
    instrument: str  # 社会卷 | 校长教师卷 | 学生卷
    audience: str  # who it is for, e.g. 家长 or 家长、人大代表、政协委员、其他群众
    url: str
    closes: str | None  # the closing date as shown, e.g. 2026年12月20日

    @property
    def short_url(self) -> str:
        return self.url.split("://", 1)[-1]

    @property
    def title(self) -> str:
        return f"{self.county}义务教育优质均衡发展社会认可度调查"


INVITATION = "请用微信扫描二维码填写问卷，约 3 分钟，每人只填一次。"
ANONYMITY = "匿名调查：不问姓名、电话，不记录您的手机号码和网络地址。"


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    path = os.environ.get("RENKE_CJK_FONT", DEFAULT_FONT)
    if not Path(path).is_file():
        raise FontMissing(
            f"找不到中文字体文件 {path}：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk），"
            "或用环境变量 RENKE_CJK_FONT 指定字体文件"
        )
    return ImageFont.truetype(path, size)


def qr_image(url: str, width: int) -> Image.Image:
    """The link's QR as a black-and-white image close to ``width`` pixels, whole modules."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    small = Image.new("1", (len(matrix), len(matrix)), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    module = max(1, width // len(matrix))
    return small.resize((module * len(matrix),) * 2, Image.Resampling.NEAREST)


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if face.getlength(line + char) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def _centred(
    draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill: tuple[int, int, int], width: int
) -> int:
    """Draw ``text`` centred, wrapped to ``width``; the y below it."""
    face = font(size)
    for line in _wrap(text, face, int(width * 0.88)):
        draw.text((width // 2, y), line, font=face, fill=fill, anchor="ma")
        y += int(size * 1.35)
    return y


def poster(sheet: LinkSheet) -> Image.Image:
    """The A4 poster of one link, at 300 dpi."""
    width, height = A4
    page = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(page)
    y = _centred(draw, 220, f"{sheet.county}义务教育优质均衡发展", 112, INK, width)
    y = _centred(draw, y, "社会认可度调查", 112, INK, width)
    where = sheet.school or f"{sheet.county}（全县）"
    y = _centred(draw, y + 50, where, 96, INK, width)
    y = _centred(draw, y + 20, f"{sheet.instrument} · 请{sheet.audience}填写", 80, MUTED, width)
    code = qr_image(sheet.url, round(POSTER_QR_MM / 25.4 * DPI))
    page.paste(code.convert("RGB"), ((width - code.width) // 2, y + 60))
    y += 60 + code.height + 40
    y = _centred(draw, y, sheet.short_url, 60, INK, width)
    y = _centred(draw, y + 60, INVITATION, 72, INK, width)
    y = _centred(draw, y + 30, ANONYMITY, 60, MUTED, width)
    if sheet.closes:
        _centred(draw, y + 40, f"截止日期：{sheet.closes}", 72, ACCENT, width)
    _centred(draw, height - 200, f"{sheet.county}人民政府教育督导室", 56, MUTED, width)
    return page


def poster_png(sheet: LinkSheet) -> bytes:
    buffer = io.BytesIO()
    poster(sheet).save(buffer, "PNG", dpi=(DPI, DPI), optimize=True)
    return buffer.getvalue()


def poster_pdf(sheet: LinkSheet) -> bytes:
    """One A4 page: the 300-dpi poster, which prints as sharp as type at this size."""
    buffer = io.BytesIO()
    poster(sheet).save(buffer, "PDF", resolution=DPI, quality=92)
    return buffer.getvalue()


def share_card(sheet: LinkSheet) -> bytes:
    """A 1080×1350 PNG to post in a class parent group: title, county, QR, one line."""
    width, height = CARD
    card = Image.new("RGB", CARD, "white")
    draw = ImageDraw.Draw(card)
    y = _centred(draw, 60, f"{sheet.county}义务教育优质均衡发展", 54, INK, width)
    y = _centred(draw, y, "社会认可度调查", 54, INK, width)
    where = sheet.school or f"{sheet.county}（全县）"
    y = _centred(draw, y + 10, f"{where} · {sheet.instrument} · {sheet.audience}", 40, MUTED, width)
    code = qr_image(sheet.url, 760)
    card.paste(code.convert("RGB"), ((width - code.width) // 2, y + 20))
    y += 20 + code.height + 10
    line = "长按识别二维码填写，约 3 分钟，匿名"
    if sheet.closes:
        line += f"，{sheet.closes}截止"
    _centred(draw, min(y, height - 110), line, 36, INK, width)
    buffer = io.BytesIO()
    card.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def share_message(sheet: LinkSheet) -> str:
    """The text to paste beside the card into a parent group."""
    closes = f"{sheet.closes}前" if sheet.closes else "调查期间"
    return (
        f"【{sheet.title}】各位{sheet.audience.replace('、', '、各位')}：{sheet.county}正在开展"
        f"义务教育优质均衡发展社会认可度调查，请长按图片识别二维码，或打开 {sheet.url} 填写，"
        f"约 3 分钟。匿名填写，不问姓名和电话，每人只填一次，{closes}有效。感谢您的支持！"
    )
