"""HTML to PDF through WeasyPrint, imported lazily.

WeasyPrint needs Debian's pango (libpango-1.0-0, libpangoft2-1.0-0) and the report needs
the CJK font of ``fonts-noto-cjk``; without them the service still runs and says in
Chinese what is missing instead of printing boxes (tofu).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

FONT_FAMILY = "Noto Sans CJK SC"
#: What a PDF of the report embeds when the font is there (its PostScript name).
FONT_NAME = "Noto-Sans-CJK-SC"
NO_WEASYPRINT = (
    "无法生成 PDF：WeasyPrint 或其依赖的系统库（pango）未安装；"
    "请 pip install weasyprint 并 apt-get install libpango-1.0-0 libpangoft2-1.0-0。"
    "可先打开网页版报告，用浏览器打印。"
)
NO_FONT = (
    f"无法生成 PDF：缺少中文字体 {FONT_FAMILY}（Debian 软件包 fonts-noto-cjk），"
    "生成的 PDF 会把汉字显示为方框；请 apt-get install fonts-noto-cjk。"
)


class PdfUnavailable(Exception):
    """The PDF cannot be made here; the message says why, in Chinese."""


def _weasyprint() -> Any:
    try:
        with warnings.catch_warnings():
            # Without Debian's libharfbuzz-subset0 WeasyPrint warns that a future
            # version will need it; this one embeds whole fonts instead (larger PDFs).
            warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
            import weasyprint
    except (ImportError, OSError) as error:  # OSError: pango's shared libraries missing
        raise PdfUnavailable(NO_WEASYPRINT) from error
    return weasyprint


@lru_cache(maxsize=1)
def pdf_problem() -> str | None:
    """Why a PDF cannot be made here (WeasyPrint, pango or the CJK font missing), or None.

    Renders two characters in the report's font and looks at the font WeasyPrint
    embedded: fontconfig silently substitutes another font when the one asked for is
    absent, which is how tofu happens.
    """
    try:
        weasyprint = _weasyprint()
    except PdfUnavailable as missing:
        return str(missing)
    document = weasyprint.HTML(
        string=f'<p lang="zh-CN" style="font-family:\'{FONT_FAMILY}\'">认可</p>'
    ).render()
    document.write_pdf()
    names = [
        bytes(getattr(font, "name", b"")).decode("latin-1") for font in document.fonts.values()
    ]
    return None if any(FONT_NAME in name for name in names) else NO_FONT


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of ``html``; raises PdfUnavailable when WeasyPrint or the font is missing."""
    problem = pdf_problem()
    if problem is not None:
        raise PdfUnavailable(problem)
    pdf: bytes = _weasyprint().HTML(string=html, base_url=base_url).write_pdf()
    return pdf
