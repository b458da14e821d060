"""HTML: lxml; headings, paragraphs, list items (with the numbers an ordered list shows) and table rows in
document order; page chrome (script, style, nav, header, footer, aside) dropped.

The page is parsed incrementally and the chrome is dropped as each element closes, so a 50 MB page that is mostly
menus and scripts keeps only its text in memory; what stays is bounded (MAX_ELEMENTS elements, MAX_DEPTH levels of
nesting, both checked while parsing). The encoding is the one BeautifulSoup would pick (byte-order mark, declared
charset, a guess, UTF-8, windows-1252).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Union

from lxml import etree

from ..models import Block, Document
from . import InputError
from .numbering import alpha, roman
from .layout import BULLET_RE, clean

DROP = {"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "svg", "form", "button",
        "iframe", "object", "head", "title", "meta", "link", "select", "dialog", "menu"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
LISTS = {"ul", "ol"}
# elements whose content is a block of its own
BLOCKS = {"p", "li", "table", "pre", "blockquote", "dd", "dt", "figcaption", "caption", "address", "summary",
          "div", "section", "article", "main", "body", "details", "figure", "dl", "center", "fieldset", "hr",
          "tr", "thead", "tbody", "tfoot", "td", "th", "html"} | set(HEADINGS) | LISTS

#: elements nested deeper than this are refused (the reader walks the tree recursively; real pages stay under 100)
MAX_DEPTH = 400
#: elements kept (after the chrome is dropped) at most; a 2,000-page contract needs about 100,000
MAX_ELEMENTS = 1_000_000
_CHUNK = 1 << 20
DROPPED = "termsgap-dropped"  # chrome emptied while parsing: its content is gone, the text after it (tail) stays

Element = etree._Element
Node = Union[str, Element]


def _decode(data: bytes) -> bytes:
    """The page as UTF-8, decoded as BeautifulSoup would decode it, without NUL characters (libxml2 stops at
    one)."""
    from bs4.dammit import EncodingDetector

    detector = EncodingDetector(data, is_html=True)
    text = None
    for enc in (e for e in detector.encodings if e):
        try:
            text = detector.markup.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        text = detector.markup.decode("utf-8", "replace")
    return text.replace("\x00", "").encode("utf-8", "replace")


def _parse(path: Path, data: bytes) -> Element:
    """The page's root element, chrome, comments and hidden elements already dropped; InputError beyond the
    bounds."""
    parser = etree.HTMLPullParser(events=("start", "end"), encoding="utf-8", remove_comments=True,
                                  remove_pis=True, huge_tree=True, no_network=True)
    markup = _decode(data)
    depth = kept = dropping = 0  # open elements, elements kept, open elements being dropped

    def handle(events) -> None:
        nonlocal depth, kept, dropping
        for event, el in events:
            chrome = el.tag in DROP or el.get("hidden") is not None
            if event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(path, f"HTML nested too deeply (over {MAX_DEPTH} levels)")
                if chrome:
                    dropping += 1
                elif not dropping:
                    kept += 1
                    if kept > MAX_ELEMENTS:
                        raise InputError(path, f"HTML has more than {MAX_ELEMENTS} elements")
                continue
            depth -= 1
            if chrome:
                dropping -= 1
                el.clear(keep_tail=True)
                el.tag = DROPPED
            elif dropping:  # inside the chrome: gone with its text as soon as it closes
                el.getparent().remove(el)

    try:
        for i in range(0, len(markup), _CHUNK):
            parser.feed(markup[i:i + _CHUNK])
            handle(parser.read_events())
        root = parser.close()
        handle(parser.read_events())  # the elements still open at the end
    except etree.LxmlError as exc:  # lxml raises a variety of parser errors; "no element found" for no markup
        if not kept:
            raise InputError(path, "no text found")
        raise InputError(path, f"cannot parse HTML ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")
    if root is None:
        raise InputError(path, "no text found")
    return root


def extract(path: Path, data: bytes, sha256: str) -> Document:
    root = _parse(path, data)
    body = root.find("body")
    blocks: list[Block] = []
    _walk(body if body is not None else root, blocks, depth=0)
    if not blocks:
        raise InputError(path, "no text found")
    return Document(source=str(path), sha256=sha256, format="html", pages=1, blocks=tuple(blocks))


def _children(node: Element) -> Iterator[Node]:
    """Text and child elements in document order (lxml keeps the text after an element as its tail)."""
    if node.text:
        yield node.text
    for ch in node:
        if isinstance(ch.tag, str):
            yield ch
        if ch.tail:
            yield ch.tail


def _text(node: Element, skip: frozenset[str] = frozenset()) -> str:
    """Inline text of a node; <br> is a space; nested block children named in `skip` are left out."""
    return clean(_raw(node, skip))


def _raw(node: Element, skip: frozenset[str] = frozenset()) -> str:
    parts: list[str] = []

    def rec(n: Element) -> None:
        for ch in _children(n):
            if isinstance(ch, str):
                parts.append(ch)
            elif ch.tag == "br":
                parts.append(" ")
            elif ch.tag in skip:
                continue
            else:
                if ch.tag in BLOCKS:
                    parts.append(" ")
                rec(ch)
                if ch.tag in BLOCKS:
                    parts.append(" ")

    rec(node)
    return "".join(parts)


def _ol_marker(ol: Element, index: int) -> str:
    try:
        start = int(ol.get("start", 1))
    except ValueError:
        start = 1
    n = start + index
    kind = ol.get("type", "1")
    if kind == "a":
        return alpha(n).lower() + "."
    if kind == "A":
        return alpha(n) + "."
    if kind in ("i", "I"):
        r = roman(n)
        return (r.lower() if kind == "i" else r) + "."
    return f"{n}."


def _walk(node: Element, blocks: list[Block], depth: int) -> None:
    inline: list[Node] = []

    def flush_inline() -> None:
        if inline:
            txt = clean("".join(x if isinstance(x, str) else " " if x.tag == "br" else _raw(x) for x in inline))
            if txt:
                blocks.append(Block(text=txt, kind="paragraph"))
            inline.clear()

    for ch in _children(node):
        if isinstance(ch, str):
            inline.append(ch)
            continue
        name = ch.tag
        if name not in BLOCKS:
            inline.append(ch)
            continue
        flush_inline()
        if name in HEADINGS:
            t = _text(ch)
            if t:
                blocks.append(Block(text=t, kind="heading", level=HEADINGS[name]))
        elif name in ("p", "pre", "dt", "dd", "figcaption", "caption", "address", "summary"):
            t = _text(ch)
            if t:
                blocks.append(Block(text=t, kind="paragraph"))
        elif name in LISTS:
            _list(ch, blocks, depth)
        elif name == "li":     # stray li outside a list
            _item(ch, blocks, depth, "")
        elif name == "table":
            _table(ch, blocks)
        elif name == "hr":
            continue
        else:
            _walk(ch, blocks, depth)
    flush_inline()


def _list(lst: Element, blocks: list[Block], depth: int) -> None:
    index = 0
    for li in lst.iterchildren("li"):
        marker = _ol_marker(lst, index) if lst.tag == "ol" else ""
        index += 1
        _item(li, blocks, depth, marker)


def _item(li: Element, blocks: list[Block], depth: int, marker: str) -> None:
    nested = [c for c in li if c.tag in LISTS | {"table"}]
    has_blocks = any(c.tag in ("p", "div") for c in li)
    if has_blocks:
        # a "loose" item: its first paragraph carries the marker, the rest follow as their own blocks
        sub: list[Block] = []
        _walk(li, sub, depth + 1)
        first = True
        for b in sub:
            if first and b.kind == "paragraph":
                t = BULLET_RE.sub("", b.text, count=1)
                blocks.append(Block(text=f"{marker} {t}".strip(), kind="list_item", level=depth))
                first = False
            else:
                blocks.append(b)
        return
    t = BULLET_RE.sub("", _text(li, skip=frozenset(LISTS | {"table"})), count=1)
    if t:
        blocks.append(Block(text=f"{marker} {t}".strip(), kind="list_item", level=depth))
    for n in nested:
        if n.tag in LISTS:
            _list(n, blocks, depth + 1)
        else:
            _table(n, blocks)


def _table(table: Element, blocks: list[Block]) -> None:
    for tr in table.iter("tr"):
        if next(tr.iterancestors("table"), None) is not table:
            continue
        cells = tuple(_text(c) for c in tr.iterchildren("td", "th"))
        if any(cells):
            blocks.append(Block(text=" | ".join(cells), kind="table_row", cells=cells))
