"""PDFs the thumbnail tests draw, made here (fpdf2 writes them; pypdfium2 turns a page):
each first page has a black square in its top-left corner, so a drawing can be checked."""

from io import BytesIO

import pypdfium2 as pdfium
from fpdf import FPDF


def _pdf(pages: int = 1, orientation: str = "portrait") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="pt", format="A4")
    pdf.set_font("helvetica", size=14)
    for number in range(1, pages + 1):
        pdf.add_page()
        if number == 1:
            pdf.rect(0, 0, pdf.w / 4, pdf.w / 4, style="F")
        pdf.set_xy(pdf.w / 3, pdf.h / 2)
        pdf.cell(text=f"Page {number}")
    return pdf


def one_page() -> bytes:
    return bytes(_pdf().output())


def paper_like(title: str, authors: str, abstract: str) -> bytes:
    """A first page laid out like a paper's: title, authors, abstract, two columns of text."""
    pdf = FPDF(unit="pt", format="Letter")
    pdf.set_margins(72, 72)
    pdf.add_page()
    pdf.set_font("times", "B", 17)
    pdf.multi_cell(0, 21, title, align="C")
    pdf.set_font("times", size=11)
    pdf.ln(6)
    pdf.multi_cell(0, 14, authors, align="C")
    pdf.ln(14)
    pdf.set_font("times", "B", 11)
    pdf.multi_cell(0, 14, "Abstract", align="C")
    pdf.set_font("times", size=10)
    pdf.set_x(100)
    pdf.multi_cell(pdf.w - 200, 12.5, abstract, align="J")
    top, column = pdf.get_y() + 16, (pdf.w - 144 - 18) / 2
    body = (abstract + " ") * 6
    for left in (72, 72 + column + 18):
        pdf.set_xy(left, top)
        pdf.multi_cell(column, 12, body[:2200], align="J", max_line_height=12)
    return bytes(pdf.output())


def many_pages(pages: int = 12) -> bytes:
    return bytes(_pdf(pages).output())


def landscape() -> bytes:
    return bytes(_pdf(orientation="landscape").output())


def rotated() -> bytes:
    """A portrait page whose /Rotate is 90: readers show it landscape."""
    document = pdfium.PdfDocument(one_page())
    document[0].set_rotation(90)
    out = BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


def encrypted() -> bytes:
    pdf = _pdf()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    return bytes(pdf.output())


def truncated() -> bytes:
    return one_page()[:200]


def zero_pages() -> bytes:
    """A well-formed PDF whose page tree is empty (written by hand: the libraries refuse)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
