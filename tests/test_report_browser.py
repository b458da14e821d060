"""The HTML report as people see it: loaded as a file:// page in Debian's headless chromium (driven by Playwright's
Python package with the system browser; nothing is downloaded), at desktop and phone widths, with JavaScript on so
that we would notice if anything in the report ran.

Checked on a scan of three samples plus a document whose source and evidence carry hostile markup: no horizontal
overflow, every evidence quote visible, nothing executed, no request leaves the file, WCAG contrast >= 4.5:1 for
every text (zero-count badges and muted text included), a heading per question, a table of contents.
Full-page screenshots go to reports/screenshots/ (or a temporary folder when that cannot be written).
"""
from __future__ import annotations

import re
import shutil

import pytest

from termsgap import engine, report
from termsgap.vendors import complete
from termsgap.models import DocumentResult, Evidence, Finding, Verdict

from conftest import SAMPLES, screenshot_dir

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                                         "(apt-get install chromium; scripts/setup.sh does it)")

SCANNED = ("borealis-chat-terms.html", "cinder-customisation-terms.md", "eastbrook-ai-addendum.md")
WIDTHS = {"desktop": (1280, 800), "phone": (400, 800)}
HOSTILE = ('<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> '
           '<a href="javascript:window.__pwned=1">open the terms</a>')
HOSTILE_SOURCE = f"uploads/{HOSTILE}/terms.pdf"
HOSTILE_QUOTE = f"The provider may keep prompts {HOSTILE} for as long as it likes."
MIN_CONTRAST = 4.5


def hostile_document() -> DocumentResult:
    quote = Evidence(quote=HOSTILE_QUOTE, page=2, section=f"4 Retention > {HOSTILE}", clause="4.1")
    return DocumentResult(source=HOSTILE_SOURCE, sha256="c" * 64, pages=3, findings=(
        Finding(question="retention.prompts-outputs", title="Retention of prompts and outputs", answer="indefinite",
                verdict=Verdict.GAP, confidence=0.9, evidence=(quote,), rationale=f"Kept {HOSTILE}.",
                remediation="Ask for a retention limit."),
    ))


@pytest.fixture(scope="module")
def result(policy):
    scanned = engine.scan([SAMPLES / name for name in SCANNED], policy)
    with_hostile = scanned.model_copy(update={"documents": scanned.documents + (hostile_document(),), "vendors": ()})
    return complete(with_hostile)  # a vendor per document, the hostile one included


@pytest.fixture(scope="module")
def report_url(result, tmp_path_factory):
    (path,) = report.write_reports(result, tmp_path_factory.mktemp("html"), ["html"])
    return path.as_uri()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # the system chromium, never a downloaded one (no `playwright install`)
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


class Loaded:
    def __init__(self, page, width, requests, dialogs, errors):
        self.page, self.width, self.requests, self.dialogs, self.errors = page, width, requests, dialogs, errors


@pytest.fixture(scope="module", params=list(WIDTHS), ids=list(WIDTHS))
def loaded(request, browser, report_url, tmp_path_factory):
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=True)
    requests, dialogs, errors = [], [], []

    def route(r):
        requests.append(r.request.url)
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: requests.append(req.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report_url, wait_until="load")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    shot = screenshot_dir(tmp_path_factory) / f"report-{request.param}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    yield Loaded(page, width, requests, dialogs, errors)
    context.close()


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def all_quotes(result) -> list[str]:
    """Every quote of every vendor finding: the deciding evidence, tiers, closest sentences, other readings."""
    quotes = []
    for v in result.vendors:
        for vf in v.findings:
            f = vf.finding
            quotes += [e.quote for e in f.evidence + f.candidates]
            quotes += [e.quote for s in f.scoped for e in s.evidence]
            quotes += [e.quote for o in vf.others for e in o.evidence]
    return quotes


# --------------------------------------------------------------------------- layout

OVERFLOW_JS = """() => {
  const vw = window.innerWidth;
  const scroller = el => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll') {
        const r = a.getBoundingClientRect();
        if (r.left >= -1 && r.right <= vw + 1) return true;
      }
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((r.right > vw + 1 || r.left < -1) && !scroller(el))
      wide.push(`${name(el)} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
  }
  // text that runs out of its own box is not an element: measure every text node
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((r.right > vw + 1 || r.left < -1) && !scroller(n))
      wide.push(`text "${n.textContent.trim().slice(0, 40)}" in ${name(n.parentElement)} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, wide: wide};
}"""


def test_no_horizontal_overflow(loaded):
    got = loaded.page.evaluate(OVERFLOW_JS)
    assert got["innerWidth"] == loaded.width
    assert got["scrollWidth"] <= got["innerWidth"], f"page is {got['scrollWidth']} px wide at {loaded.width} px"
    assert not got["wide"], f"{len(got['wide'])} elements wider than the viewport: {got['wide'][:15]}"


QUOTES_JS = """() => [...document.querySelectorAll('blockquote')].map(el => {
  const r = el.getBoundingClientRect();
  return {text: el.textContent, width: r.width, height: r.height, left: r.left, right: r.right,
          visible: el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}),
          clipped: el.scrollWidth > el.clientWidth + 1};
})"""


def test_every_evidence_quote_is_visible(loaded, result):
    quotes = loaded.page.evaluate(QUOTES_JS)
    vw = loaded.width
    hidden = [q["text"][:60] for q in quotes
              if not (q["visible"] and q["width"] > 0 and q["height"] > 0 and q["left"] >= 0 and q["right"] <= vw
                      and not q["clipped"])]
    assert not hidden, f"{len(hidden)} of {len(quotes)} quotes not fully visible at {vw} px: {hidden[:5]}"
    shown = [norm(q["text"]) for q in quotes]
    expected = all_quotes(result)
    assert len(expected) > 20  # the scan found evidence to show
    missing = [q for q in expected if not any(norm(q)[:80] in s for s in shown)]
    assert not missing, f"{len(missing)} evidence quotes are not on the page: {missing[:3]}"


# --------------------------------------------------------------------------- safety

def test_hostile_text_is_shown_and_nothing_runs(loaded, report_url):
    page = loaded.page
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert not loaded.dialogs and not loaded.errors
    body = page.inner_text("body")
    assert HOSTILE in norm(body)  # shown as text, not markup
    dom = page.evaluate("""() => ({
      scripts: document.scripts.length,
      handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
                  .filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)),
      hrefs: [...document.querySelectorAll('[href], [src], [action], [formaction]')]
               .map(el => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action') || el.getAttribute('formaction')),
      images: document.images.length,
    })""")
    assert dom["scripts"] == 0 and dom["images"] == 0 and not dom["handlers"], dom
    assert all(h.startswith("#") for h in dom["hrefs"]), [h for h in dom["hrefs"] if not h.startswith("#")]
    # follow every link: none may leave the page or run anything
    page.evaluate("() => document.querySelectorAll('a[href]').forEach(a => a.click())")
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert page.url.split("#")[0] == report_url


def test_no_request_leaves_the_file(loaded):
    outside = [u for u in loaded.requests if not u.startswith(("file:", "data:"))]
    assert not outside, f"the report asked for {outside}"
    assert any(u.startswith("file:") for u in loaded.requests)  # the route saw the page itself


# --------------------------------------------------------------------------- accessibility

CONTRAST_JS = """() => {
  const parse = c => {
    const m = c.match(/^rgba?\\(([^)]+)\\)$/);
    if (!m) throw new Error('cannot read colour ' + c);
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const mix = (a, b, t) => [0, 1, 2].map(i => a[i] * t + b[i] * (1 - t)).concat([1]);
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  // colours as painted: backgrounds from the root down, then the opacity groups the element sits in
  const painted = (el, colour) => {
    const chain = [];
    for (let a = el; a; a = a.parentElement) chain.unshift(a);
    let bg = [255, 255, 255, 1];
    const groups = [];
    for (const a of chain) {
      const s = getComputedStyle(a);
      if (s.backgroundImage !== 'none') throw new Error('background image on ' + a.tagName + ': contrast unknown');
      const op = parseFloat(s.opacity);
      if (op < 1) groups.push([bg, op]);
      bg = over(parse(s.backgroundColor), bg);
    }
    let fg = over(parse(colour), bg);
    for (const [back, op] of groups.reverse()) { fg = mix(fg, back, op); bg = mix(bg, back, op); }
    return [fg, bg];
  };
  const low = [];
  let checked = 0, badges = 0, zeroBadges = 0;
  const check = (el, colour, what) => {
    const [fg, bg] = painted(el, colour);
    const r = ratio(fg, bg);
    checked++;
    if (r < %(min)s) low.push(`${what}: ${r.toFixed(2)}:1 (rgb ${fg.slice(0, 3).map(Math.round)} on ${bg.slice(0, 3).map(Math.round)})`);
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
    const label = `${el.tagName.toLowerCase()}.${el.className} "${(text || el.textContent).trim().slice(0, 30)}"`;
    if (text) check(el, getComputedStyle(el).color, label);
    for (const pseudo of ['::before', '::after']) {
      const s = getComputedStyle(el, pseudo);
      if (s.content && s.content !== 'none' && s.content !== 'normal' && s.content !== '""' && s.display !== 'none')
        check(el, s.color, label + pseudo);
    }
    if (el.matches('.badge')) { badges++; if (el.closest('.zero')) zeroBadges++; }
  }
  return {low, checked, badges, zeroBadges};
}""" % {"min": MIN_CONTRAST}


def test_text_contrast_meets_wcag_aa(loaded):
    got = loaded.page.evaluate(CONTRAST_JS)
    assert got["checked"] > 200 and got["badges"] > 20
    assert got["zeroBadges"] >= 1  # the samples leave at least one verdict at zero: its badge is checked too
    assert not got["low"], f"{len(got['low'])} texts under {MIN_CONTRAST}:1: {got['low'][:12]}"


def test_every_question_has_a_heading(loaded, result):
    headings = [norm(t) for t in loaded.page.eval_on_selector_all("h2, h3, h4", "els => els.map(e => e.textContent)")]
    questions = {f.question: f.title for d in result.documents for f in d.findings}
    assert len(questions) >= 19
    missing = [q for q, title in questions.items()
               if not any(q in h or (title and title in h) for h in headings)]
    assert not missing, f"questions without a heading: {missing}"
    # and each finding carries its own heading, so a screen reader can jump from question to question
    bare = loaded.page.eval_on_selector_all(
        ".finding", "els => els.filter(e => !e.querySelector('h2, h3, h4')).map(e => e.id)")
    n_findings = loaded.page.eval_on_selector_all(".finding", "els => els.length")
    assert n_findings >= len(questions)  # each question is shown as a finding (class "finding") at least once
    assert not bare, f"findings without a heading: {bare[:5]}"


def test_table_of_contents_links_resolve(loaded):
    toc = loaded.page.evaluate("""() => [...document.querySelectorAll('nav')].map(nav =>
        [...nav.querySelectorAll('a[href]')].map(a => {
          const href = a.getAttribute('href');
          return {href, ok: href.startsWith('#') && !!document.getElementById(decodeURIComponent(href.slice(1)))};
        }))""")
    assert toc and max(len(links) for links in toc) >= 2, "no table of contents (a <nav> with links)"
    links = [link for nav in toc for link in nav]
    assert all(link["ok"] for link in links), [link["href"] for link in links if not link["ok"]]
    targets = {link["href"][1:] for link in links}
    sections = loaded.page.eval_on_selector_all("body > section[id], main > section[id]", "els => els.map(e => e.id)")
    assert len(sections) >= 2
    assert set(sections) <= targets, f"sections missing from the contents: {set(sections) - targets}"
