"""The documentation builds without a single warning (notebooks executed), offline, and reads well.

One build (module fixture) serves every check of the built site: no page loads
anything from the network (script, stylesheet, image, font, @import: the site
must work from a laptop on a bench), formulas are rendered by a MathJax copy
inside the site, and no docstring example is rendered outside a code block.
"""

import html
import pathlib
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return out


def test_sphinx_build_is_warning_free(site):
    assert (site / "index.html").exists()
    assert (site / "api.html").exists()
    assert (site / "design-files.html").exists()


# -- what a page loads ---------------------------------------------------------------------------
#: <link rel=...> values that only point somewhere (navigation), rather than load a resource.
_NAVIGATION_RELS = {"index", "search", "next", "prev", "previous", "up", "canonical", "author", "license",
                    "help", "alternate", "bookmark", "external", "nofollow", "noopener", "noreferrer"}
#: Attributes through which an element loads what they name.
_LOADING_ATTRS = {
    "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"), "iframe": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "embed": ("src",), "object": ("data",),
    "input": ("src",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
}
_CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")\s]+)""", re.I)


def _is_remote(url: str) -> bool:
    """A URL fetched over the network: with a scheme and host, or protocol-relative."""
    url = url.strip()
    return url.startswith("//") or bool(re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I))


def _css_urls(text: str):
    for match in _CSS_URL.finditer(text):
        yield match.group(1) or match.group(2)


class _Loads(HTMLParser):
    """Collect every URL a page loads: element attributes, inline styles and <style> blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if not rels <= _NAVIGATION_RELS and attrs.get("href"):
                self.urls.append(("link " + " ".join(sorted(rels)), attrs["href"]))
        for name in _LOADING_ATTRS.get(tag, ()):
            value = attrs.get(name)
            if value:
                for part in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((f"{tag} {name}", part.strip().split(" ")[0]))
        if attrs.get("style"):
            self.urls += [(f"{tag} style", u) for u in _css_urls(attrs["style"])]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("style", u) for u in _css_urls(data)]


def test_the_checker_sees_remote_resources():
    # The check itself must be able to fail: each way a page can load from the network is caught.
    page = """<html><head>
      <link rel="stylesheet" href="https://cdn.example.org/theme.css">
      <link rel="preload" as="font" href="//fonts.example.org/a.woff2">
      <link rel="next" href="https://example.org/next.html">
      <script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
      <style>@import url("https://fonts.googleapis.com/css?family=Lato"); p { color: red }</style>
      </head><body><img src="http://example.org/a.png"><div style="background: url(//x.org/b.png)"></div>
      <a href="https://toml.io">a link is not a load</a><script src="_static/local.js"></script></body></html>"""
    parser = _Loads()
    parser.feed(page)
    remote = [url for _, url in parser.urls if _is_remote(url)]
    assert remote == ["https://cdn.example.org/theme.css", "//fonts.example.org/a.woff2",
                      "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
                      "https://fonts.googleapis.com/css?family=Lato", "http://example.org/a.png", "//x.org/b.png"]
    assert list(_css_urls('@import "../basic.css"; src: url(fonts/a.woff2)')) == ["../basic.css", "fonts/a.woff2"]


def test_no_page_loads_anything_from_the_network(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    remote = []
    for page in pages:
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        remote += [(str(page.relative_to(site)), what, url) for what, url in parser.urls if _is_remote(url)]
    for sheet in sorted(site.rglob("*.css")):
        remote += [(str(sheet.relative_to(site)), "css", url)
                   for url in _css_urls(sheet.read_text(encoding="utf-8", errors="replace")) if _is_remote(url)]
    assert remote == []


def test_math_renders_from_a_copy_inside_the_site(site):
    page = (site / "api.html").read_text(encoding="utf-8")
    assert "\\begin{pmatrix}" in page  # the API page has formulas ...
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]*mathjax[^\"]*)\"", page, re.I)
    assert scripts, "no MathJax script on a page with formulas"
    for src in scripts:  # ... and the renderer they load is a file of the site
        assert not _is_remote(src)
        assert (site / src.split("?")[0]).is_file(), src


# -- docstring examples render as code -----------------------------------------------------------
class _PromptsOutsideCode(HTMLParser):
    """Text holding a doctest prompt that is not inside a <pre> block."""

    _VOID = {"br", "img", "link", "meta", "input", "hr", "wbr", "col", "area", "base", "source", "track", "embed"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.found = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self._VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if ">>>" in data and "pre" not in self.open:
            self.found.append(data.strip()[:80])


def test_the_prompt_checker_sees_bullets():
    parser = _PromptsOutsideCode()
    parser.feed("<ul><li><p><strong>&gt;&gt;&gt; Space(100).abcd</strong></p></li></ul>"
                "<div class='highlight'><pre><span>&gt;&gt;&gt; </span>fine</pre></div>")
    assert parser.found == [">>> Space(100).abcd"]


def test_every_docstring_example_renders_as_code(site):
    page = (site / "api.html").read_text(encoding="utf-8")
    assert page.count("&gt;&gt;&gt;") > 100  # the API page carries the docstrings' examples
    parser = _PromptsOutsideCode()
    parser.feed(page)
    assert parser.found == []
    # the Space example is a code block, not a parameter bullet
    space = page[page.index('id="optics.core.elements.Space"'):]
    space = space[:space.index('id="optics.core.elements.ThinLens"')]
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", b)) for b in re.findall(r"<pre>(.*?)</pre>", space, re.S)]
    assert any(">>> Space(100).abcd" in b for b in blocks), blocks


# -- the design-file guide ----------------------------------------------------------------------
def test_the_design_file_guide_names_every_key():
    from optics.design import _GAP_KEYS, _LIST_KEYS, _RELAY_KEYS, _TOP_KEYS, _part_keys
    from optics.microscope.parts import part_kinds

    guide = (ROOT / "docs" / "design-files.md").read_text(encoding="utf-8")
    keys = {*_TOP_KEYS, *_LIST_KEYS, *_RELAY_KEYS, *_GAP_KEYS}
    for kind in part_kinds():
        keys |= set(_part_keys(kind))
    missing = sorted(k for k in keys if f"| `{k}` |" not in guide)
    assert missing == []
    for table in ("[objective]", "[[scanners]]", "[[relays]]", "[scan_lens]", "[tube_lens]", "[etl]", "[etl_relay]"):
        assert f"`{table}`" in guide


def test_the_design_file_guide_includes_every_shipped_example():
    guide = (ROOT / "docs" / "design-files.md").read_text(encoding="utf-8")
    shipped = sorted(p.name for p in (ROOT / "optics" / "designs").glob("*.toml"))
    included = sorted(re.findall(r"\{literalinclude\} \.\./optics/designs/(\S+\.toml)", guide))
    assert included == shipped
