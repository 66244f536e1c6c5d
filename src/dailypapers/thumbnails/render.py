"""Page 1 of a PDF as WebP images at the card's width and twice it (retina screens), with
PDFium (pypdfium2's wheel carries it). Nothing here touches the network or the disk."""

from dataclasses import dataclass
from io import BytesIO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

CARD_WIDTH = 160
WIDTHS = (CARD_WIDTH, 2 * CARD_WIDTH)
# Pages taller or wider than this ratio are not pages a reader would recognise (and a
# 1 x 100,000 pt page would make a huge bitmap): skipped.
MAX_ASPECT = 4.0
WEBP_QUALITY = 80


class Unusable(ValueError):
    """The PDF cannot give a thumbnail; the message is the reason recorded."""


@dataclass(frozen=True)
class Drawn:
    width: int
    height: int
    webp: bytes


def first_page(pdf: bytes) -> list[Drawn]:
    """One image per width of WIDTHS, smallest first; Unusable if the PDF will not do."""
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as error:
        raise Unusable(_pdfium_reason(pdf, error)) from None
    try:
        page = document[0]
        points_wide, points_high = page.get_size()  # after the page's own /Rotate
        if min(points_wide, points_high) <= 0 or not (
            1 / MAX_ASPECT <= points_high / points_wide <= MAX_ASPECT
        ):
            raise Unusable(f"page 1 is {points_wide:g} x {points_high:g} pt")
        image = page.render(scale=max(WIDTHS) / points_wide, may_draw_forms=False).to_pil()
        page.close()
    except pdfium.PdfiumError as error:
        raise Unusable(f"page 1 could not be drawn ({error})") from None
    finally:
        document.close()
    return [_webp(image, width, round(width * points_high / points_wide)) for width in WIDTHS]


def _webp(image: Image.Image, width: int, height: int) -> Drawn:
    if (width, height) != image.size:
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.convert("RGB").save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return Drawn(width, height, out.getvalue())


def _pdfium_reason(pdf: bytes, error: pdfium.PdfiumError) -> str:
    """Why PDFium would not open a document. Its error code is the last one set in the
    process: a document without pages fails to open without setting one, so the code is
    believed only when the file does have an /Encrypt dictionary."""
    if error.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY) and (
        b"/Encrypt" in pdf
    ):
        return "the PDF is encrypted"
    return "the PDF is broken or has no pages"
