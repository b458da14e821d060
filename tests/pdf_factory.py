"""Small test PDFs made here (WeasyPrint from HTML + CSS, Pillow for a scanned page, a hand-made encrypted file).

All text is invented for the tests ("Acme AI" terms); nothing is copied from real vendor documents.
"""
from __future__ import annotations

import base64
import io
import logging

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def html_pdf(html: str) -> bytes:
    import weasyprint
    return weasyprint.HTML(string=html).write_pdf()


LONG_WORDS = ("indemnification telecommunications internationalisation characteristically "
              "incomprehensibility responsibilities organisational extraordinarily")

# --------------------------------------------------------------------------- two columns, justified, hyphenated

TWO_COLUMN_CLAUSES = [
    ("1.1", "Acme AI will not use Customer Prompts to train its models unless the Customer opts in "
            "in writing."),
    ("1.2", "Outputs generated for the Customer belong to the Customer, and Acme AI keeps no copy "
            "of them beyond the retention window described below."),
    ("1.3", "Acme AI deletes Customer Prompts thirty days after receipt, except where a longer "
            "period is required by applicable law."),
    ("1.4", "Subprocessors engaged by Acme AI are bound by written obligations no less protective "
            "than these terms."),
    ("1.5", "The Customer may request an export of its data at any time during the subscription."),
    ("1.6", "Security incidents affecting Customer Data are reported to the Customer within "
            "seventy-two hours of discovery."),
    ("1.7", "Acme AI may update these terms with thirty days of notice by e-mail to the account owner."),
    ("1.8", "Nothing in these terms limits the statutory rights of data subjects."),
]


def two_column_pdf() -> bytes:
    paras = []
    for num, text in TWO_COLUMN_CLAUSES:
        # long words in a narrow justified column make the typesetter hyphenate
        paras.append(f"<p>{num} {text} Notwithstanding the {LONG_WORDS} provisions, the "
                     f"{LONG_WORDS} clauses continue to apply.</p>")
    html = f"""<html lang="en"><head><style>
      @page {{ size: Letter; margin: 0.8in 0.7in; @bottom-center {{ content: "Acme AI Terms - Page "
               counter(page) " of " counter(pages); font-size: 8pt; }} }}
      body {{ font-family: serif; font-size: 10pt; line-height: 1.3; }}
      .cols {{ columns: 2; column-gap: 0.35in; text-align: justify; hyphens: auto; }}
      p {{ margin: 0 0 6pt 0; }}
      h1 {{ font-size: 18pt; text-align: center; }}
    </style></head><body>
      <h1>Acme AI Data Terms</h1>
      <div class="cols">
        <h2 style="font-size: 12pt">1. Data Use</h2>
        {''.join(paras)}
      </div></body></html>"""
    return html_pdf(html)


# --------------------------------------------------------------------------- running header and footer

CONTINUED_START = "The retention clause continues across the page break"
CONTINUED_END = "and this sentence closes the long paragraph."


def header_footer_pdf(pages: int = 4) -> bytes:
    filler = ("Acme AI processes Customer Data only to provide the service, to keep it secure, and to "
              "meet its legal duties. ")
    body = []
    n = 1
    for sec in range(1, pages + 1):
        body.append(f"<h2>{sec}. Section {sec}</h2>")
        for k in range(1, 6):
            body.append(f"<p>{sec}.{k} {filler * 3}</p>")
            n += 1
    # a long paragraph that has to break across a page
    long_para = f"<p>{CONTINUED_START}. " + ("Acme AI stores prompts in the region the Customer selects. " * 90) + \
        f"{CONTINUED_END}</p>"
    body.insert(len(body) // 2, long_para)
    html = f"""<html lang="en"><head><style>
      @page {{ size: A4; margin: 1in;
               @top-center {{ content: "CONFIDENTIAL - Acme AI Terms"; font-size: 8pt; }}
               @bottom-left {{ content: "https://acme.example/terms"; font-size: 8pt; }}
               @bottom-right {{ content: counter(page) "/" counter(pages); font-size: 8pt; }} }}
      body {{ font-family: sans-serif; font-size: 11pt; }}
      h2 {{ font-size: 14pt; }}
    </style></head><body><h1>Acme AI Terms</h1>{''.join(body)}</body></html>"""
    return html_pdf(html)


# --------------------------------------------------------------------------- ruled table

SUBPROCESSORS = [
    ("Nimbus Cloud Ltd", "Hosting and storage of Customer Data", "Ireland"),
    ("Parcel Mail Inc", "Transactional e-mail delivery", "United States"),
    ("Lumen Support GmbH", "Customer support ticketing and chat", "Germany"),
]


def table_pdf() -> bytes:
    rows = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in SUBPROCESSORS)
    html = f"""<html><head><style>
      body {{ font-family: sans-serif; font-size: 10pt; }}
      table {{ border-collapse: collapse; width: 100%; }}
      td, th {{ border: 1px solid black; padding: 3pt; vertical-align: top; }}
    </style></head><body>
      <h2>Annex 2: Subprocessors</h2>
      <p>Acme AI uses the following subprocessors to provide the service.</p>
      <table><tr><th>Name</th><th>Purpose</th><th>Location</th></tr>{rows}</table>
      <p>Acme AI will give thirty days of notice before adding a subprocessor.</p>
    </body></html>"""
    return html_pdf(html)


# --------------------------------------------------------------------------- scanned (image-only) pages

def text_png(text: str = "Acme AI will not use Customer Prompts to train its models.") -> bytes:
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (1200, 300), "white")
    d = ImageDraw.Draw(img)
    d.text((40, 120), text, fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def scanned_pdf(with_text_page: bool = False) -> bytes:
    uri = "data:image/png;base64," + base64.b64encode(text_png()).decode()
    pages = []
    if with_text_page:
        pages.append("<p>Acme AI keeps Customer Prompts for thirty days.</p>")
    pages.append(f'<img src="{uri}" style="width: 100%">')
    pages.append(f'<img src="{uri}" style="width: 100%">')
    body = '<div style="page-break-after: always"></div>'.join(f"<div>{p}</div>" for p in pages)
    return html_pdf(f"<html><body>{body}</body></html>")


# --------------------------------------------------------------------------- a hand-made encrypted PDF

def encrypted_pdf() -> bytes:
    """A one-page PDF whose trailer names a Standard security handler (RC4, 40 bit) with a user password.

    The O and U entries are not derived from any password, so no password (the empty one included) opens it:
    readers must report that a password is required. Written by hand because no PDF writer that can encrypt
    (pikepdf, pypdf) is a dependency of the project.
    """
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
        b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Encrypt 5 0 R "
            f"/ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


# --------------------------------------------------------------------------- other PDF producers (optional tools)
#
# Chromium and LibreOffice are not installed in CI: these helpers return None when the tool is missing, and the
# tests that use them skip.

def _tool(*names: str):
    import shutil
    return next((p for p in map(shutil.which, names) if p), None)


def chromium_pdf(html: str, header_footer: bool = True):
    """Chromium headless print-to-PDF of `html` (with its default date/title header and URL/page footer unless
    header_footer is False), or None when Chromium is not installed."""
    import subprocess
    import tempfile
    from pathlib import Path
    exe = _tool("chromium", "chromium-browser", "google-chrome")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp}/profile",
               f"--print-to-pdf={out}", src.as_uri()]
        if not header_footer:
            cmd.insert(-1, "--no-pdf-header-footer")
        subprocess.run(cmd, capture_output=True, timeout=120)
        return out.read_bytes() if out.exists() and out.stat().st_size else None


def libreoffice_pdf(docx_bytes: bytes):
    """LibreOffice Writer's PDF export of a Word file, or None when LibreOffice is not installed."""
    import os
    import subprocess
    import tempfile
    from pathlib import Path
    exe = _tool("soffice", "libreoffice")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "terms.docx"
        src.write_bytes(docx_bytes)
        env = dict(os.environ, HOME=tmp)         # a private profile
        subprocess.run([exe, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       capture_output=True, timeout=180, env=env)
        out = Path(tmp) / "terms.pdf"
        return out.read_bytes() if out.exists() and out.stat().st_size else None


BROWSER_ITEMS = [
    "Acme AI keeps request logs for fourteen days.",
    "Support staff read a conversation only when the Customer opens a ticket about it.",
    "Model weights tuned on Customer files are never offered to other tenants.",
]


def browser_html(pages: int = 3) -> str:
    """A plain page of invented terms long enough for several printed pages, with a disc-bullet list."""
    filler = ("The Customer decides which workspace members may upload files, and Acme AI applies those "
              "choices to every connected tool without exception. ")
    secs = []
    for k in range(1, pages * 3 + 1):
        secs.append(f"<h2>{k}. Topic number {k}</h2><p>{filler * 4}</p>")
    items = "".join(f"<li>{t}</li>" for t in BROWSER_ITEMS)
    secs.insert(2, f"<h3>What we promise</h3><ul>{items}</ul>")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Acme AI Workspace Terms</title>"
            f"</head><body><h1>Acme AI Workspace Terms</h1>{''.join(secs)}</body></html>")


HYPHEN_WORDS = ("administrators responsibilities configuration notwithstanding infrastructure "
                "interoperability accountability")


def word_docx(two_columns: bool = True) -> bytes:
    """A Word file (python-docx) with headings in Word's own heading style, justified text in two columns with
    automatic hyphenation, a running header and a "Page N of M" footer."""
    import io as _io
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = Document()
    doc.styles["Normal"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    doc.settings.element.append(OxmlElement("w:autoHyphenation"))
    sec = doc.sections[0]
    if two_columns:
        cols = sec._sectPr.find(qn("w:cols"))
        if cols is None:
            cols = OxmlElement("w:cols")
            sec._sectPr.append(cols)
        cols.set(qn("w:num"), "2")
    sec.header.paragraphs[0].text = "Acme AI - Workspace Terms"
    foot = sec.footer.paragraphs[0]
    foot.add_run("Page ")
    for instr in ("PAGE", None, "NUMPAGES"):
        if instr is None:
            foot.add_run(" of ")
            continue
        run = foot.add_run()
        for kind, text in (("begin", None), (None, instr), ("end", None)):
            el = OxmlElement("w:fldChar" if kind else "w:instrText")
            if kind:
                el.set(qn("w:fldCharType"), kind)
            else:
                el.text = f" {text} "
            run._r.append(el)
    for k in range(1, 7):
        doc.add_heading(f"Section {k}: Workspace rules", level=3)
        for j in range(1, 4):
            doc.add_paragraph(f"{k}.{j} The {HYPHEN_WORDS} of the Customer remain with the Customer, and Acme AI "
                              f"keeps the {HYPHEN_WORDS} records only as long as the contract lasts.")
    buf = _io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
