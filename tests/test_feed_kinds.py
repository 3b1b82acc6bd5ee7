"""Every kind of feed a fetch pass follows (issue #18), against a real threaded HTTP server on
127.0.0.1: RSS 1.0 (RDF), Atom, a plain sitemap and a Google News sitemap, each listing two
articles whose pages are real HTML. A pass indexes exactly those two, extracted from their
pages (title from the page, source from the feed, the entry's URL, the date from the page or
else the entry); ``entries`` reads each kind's URLs, titles, dates and authors. A page without
a date or a byline takes the entry's (RDF's dc:date included); a page that cannot be read falls
back to the entry's own text, without its markup. An entry that points at the cloud metadata
address is never requested, even when every address is allowed. Hash encoder: the unit tier."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape

import httpx
import pytest

from index import NewsIndex
from index.feeds import Fetcher, FetchError, FetchSettings
from index.feeds.parse import Entry, entries
from index.feeds.passes import FeedOutcome, fetch_pass
from index.feeds.sources import new_feed
from index.loaders.ids import url_id
from index.records import StoredArticle
from tests.conftest import settings_for
from tests.fakes import HashEncoder

pytestmark = pytest.mark.unit

SOURCE = "Island Courier"  # the feed's --source: it wins over the pages' og:site_name
SITE_NAME = "Courier Online"
NOW = datetime(2025, 11, 22, 12, 0, tzinfo=UTC)
METADATA = "http://169.254.169.254/latest/meta-data/"
CREDENTIALS = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


@dataclass(frozen=True)
class Story:
    slug: str
    headline: str  # the page's title
    teaser: str  # the feed entry's title (differs: the page's title is the one kept)
    author: str
    published: str  # the entry's publication moment, as the feed writes it
    modified: str  # the entry's last change (Atom <updated>, a sitemap's <lastmod>)
    page_date: str | None  # the page's article:published_time (a day before the entry's, to
    # tell them apart); None: an undated page
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


STORIES = {
    s.slug: s
    for s in (
        Story(
            "bridge",
            "Harbour bridge reopens after eight months of repairs",
            "Bridge reopens",
            "Ailsa Grant",
            "2025-11-21T08:30:00+01:00",
            "2025-11-21T10:00:00+01:00",
            "2025-11-20T23:10:00Z",
            (
                "The harbour bridge in Port Ellen reopened to traffic on Friday morning after "
                "eight months of repairs, ending long detours for commuters on the east side of "
                "the island.",
                "Engineers replaced corroded suspension cables and resurfaced the deck, work "
                "that ran six weeks over schedule after autumn storms flooded the contractor's "
                "yard and damaged two cranes.",
                "Council leader Morag Bell said the final bill came to 14.2 million pounds, about "
                "1.1 million more than budgeted, and that an independent review of the overrun "
                "would report to councillors in the spring.",
                "Shopkeepers on the high street welcomed the reopening. Several said trade had "
                "fallen by a third while the crossing was closed and buses were diverted "
                "through the industrial estate.",
            ),
        ),
        Story(
            "ferry",
            "Winter ferry timetable cuts Sunday sailings to the north isles",
            "Ferry cuts",
            "Callum Reid",
            "2025-11-20T17:15:00+00:00",
            "2025-11-20T18:00:00+00:00",
            "2025-11-19T18:30:00Z",
            (
                "The operator of the north isles ferry will run a single Sunday sailing from "
                "December until March, halving the service islanders rely on to reach the "
                "mainland hospital.",
                "The company blamed a shortage of qualified deck officers and the refit of its "
                "larger vessel, which is due back in service only at the start of the tourist "
                "season.",
                "Community councillors on Westray said the cut would force patients with "
                "Monday appointments to travel on Saturday and pay for two nights in a hotel.",
                "The transport minister said she had asked the operator to publish a recruitment "
                "plan within a month and would review its subsidy if the timetable was not "
                "restored.",
            ),
        ),
        Story(
            "school",
            "New primary school in Kirkhill opens a year late",
            "Kirkhill school opens",
            "Fiona Mackay",
            "2025-11-18T09:00:00Z",
            "2025-11-19T11:30:00Z",
            "2025-11-17T15:00:00Z",
            (
                "Pupils at Kirkhill Primary moved into their new building on Monday, a year "
                "later than planned, after a dispute over the heating system delayed the handover "
                "from the builder.",
                "The school has room for 420 children, twice the capacity of the Victorian "
                "building it replaces, and includes a nursery, a community library and a sports "
                "hall open in the evenings.",
                "Head teacher Anne Lorimer said staff had spent the weekend unpacking boxes and "
                "that the children were most excited about the climbing wall in the gym.",
                "The education committee will be told next week that the project cost 19 million "
                "pounds, within its revised budget, and that the old building will be sold for "
                "housing.",
            ),
        ),
        Story(
            "drought",
            "Reservoir levels fall to lowest in three decades",
            "Reservoirs low",
            "Rory Stewart-Lyle",
            "2025-11-19T16:20:00Z",
            "2025-11-20T07:05:00Z",
            None,
            (
                "Reservoirs supplying the western towns held just 38 per cent of their capacity "
                "this week, the lowest level the water authority has recorded in thirty years.",
                "The authority said a dry summer had been followed by the driest October since "
                "its records began, and that rainfall would need to be well above average "
                "through the winter to refill the lochs.",
                "Households are being asked to take shorter showers and to stop using hosepipes, "
                "although no formal ban has been imposed and tankers are not yet needed.",
                "Farmers in the glens said springs that had never failed were running dry, and "
                "some had begun carting water to livestock on the higher ground.",
            ),
        ),
        Story(
            "hospital",
            "Emergency department waits improve for third month",
            "A&E waits",
            "Priya Nair",
            "2025-11-17T12:00:00Z",
            "2025-11-17T12:40:00Z",
            "2025-11-17T11:50:00Z",
            (
                "Seven in ten patients at the county hospital's emergency department were seen "
                "within four hours last month, the third monthly improvement in a row, according "
                "to figures released by the health board.",
                "The board credited a new assessment unit that treats minor injuries away from "
                "the main department, and extra weekend discharges that freed beds on the medical "
                "wards.",
                "Nurses' representatives said the figures hid long waits for the frailest "
                "patients, some of whom spent more than twelve hours on trolleys before a ward "
                "bed was found.",
                "The health secretary is due to visit the hospital next month to open the "
                "refurbished children's ward, which was closed for most of the summer.",
            ),
        ),
        Story(
            "festival",
            "Folk festival draws record crowds to Stromness",
            "Festival record",
            "Euan Flett",
            "2025-11-16T21:00:00Z",
            "2025-11-22T09:10:00Z",
            None,
            (
                "More than eleven thousand people attended the Stromness folk festival over "
                "four days, the organisers said, a record for an event that began in a church "
                "hall forty years ago.",
                "Fiddlers from Shetland, Cape Breton and Norway played to full houses, and a late "
                "session in the lifeboat shed ran until the harbour master asked the players to "
                "let the crew sleep.",
                "Hotel owners said every room in the town had been booked for months, and the "
                "ferry company added an extra crossing on the final evening to carry visitors "
                "home.",
                "The organisers are now looking for a larger main venue, because the town hall "
                "turned away several hundred people from the closing concert.",
            ),
        ),
        Story(
            "windfarm",
            "Ministers approve offshore wind farm off Caithness coast",
            "Wind farm approved",
            "Hamish Sutherland",
            "2025-11-21T06:45:00+00:00",
            "2025-11-21T07:30:00+00:00",
            "2025-11-20T21:00:00Z",
            (
                "Ministers have approved a 60-turbine wind farm twelve miles off the Caithness "
                "coast, a project its developers say will power four hundred thousand homes "
                "once it is complete.",
                "Fishing associations had objected that the site covers grounds used by creel "
                "boats from Wick and Scrabster, and the consent requires the developer to fund "
                "a compensation scheme.",
                "Construction is expected to begin in two years, with turbine foundations "
                "assembled at the old fabrication yard in Nigg, where the developer says about "
                "three hundred jobs will be created.",
                "Environmental groups welcomed the decision but asked for monitoring of seabird "
                "colonies on the nearby cliffs, where kittiwake numbers have fallen sharply.",
            ),
        ),
        Story(
            "strike",
            "Rail workers vote to strike over rostering changes",
            "Rail strike vote",
            "Morven Dunn",
            "2025-11-20T13:10:00+00:00",
            "2025-11-20T15:25:00+00:00",
            None,
            (
                "Conductors and signallers on the northern rail network have voted to strike "
                "after the operator proposed new rosters that the union says would cut rest days "
                "between night shifts.",
                "The union said eight in ten members who took part backed walkouts, on a turnout "
                "of just over sixty per cent, comfortably above the legal threshold for action.",
                "No dates have been set. The operator said it was disappointed and that the new "
                "rosters were needed to run the extra services promised in the timetable change.",
                "Passenger groups warned that commuters in the Highlands had already endured "
                "months of cancellations caused by a shortage of drivers.",
            ),
        ),
    )
}


def page_url(base: str, slug: str) -> str:
    return f"{base}/news/{slug}"


def page(story: Story) -> bytes:
    meta = f'<meta property="og:site_name" content="{SITE_NAME}">'
    if story.page_date:  # an undated page has no byline either (wire copy)
        meta += f'<meta property="article:published_time" content="{story.page_date}">'
        meta += f'<meta name="author" content="{story.author}">'
    body = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{story.headline}</title>{meta}</head><body>"
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<article><h1>{story.headline}</h1>{body}</article>"
        "<footer><p>Island Courier Ltd, registered in Kirkwall.</p></footer></body></html>"
    ).encode()


def rdf(base: str, stories: list[Story]) -> bytes:
    seq = "".join(f'<rdf:li rdf:resource="{page_url(base, s.slug)}"/>' for s in stories)
    items = "".join(
        f'<item rdf:about="{page_url(base, s.slug)}"><title>{escape(s.teaser)}</title>'
        f"<link>{page_url(base, s.slug)}</link><description>{escape(s.paragraphs[0])}"
        f"</description><dc:date>{s.published}</dc:date><dc:creator>{s.author}</dc:creator>"
        f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in s.paragraphs)}]]>"
        "</content:encoded></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f'<channel rdf:about="{base}/"><title>{SOURCE}</title><link>{base}/</link>'
        f"<description>News from the islands</description><items><rdf:Seq>{seq}</rdf:Seq>"
        f"</items></channel>{items}</rdf:RDF>"
    ).encode()


def atom(base: str, stories: list[Story]) -> bytes:
    """Each entry's first link is an enclosure: the alternate one is the article."""
    items = "".join(
        f"<entry><title>{escape(s.teaser)}</title><id>urn:courier:{s.slug}</id>"
        f'<link rel="enclosure" type="audio/mpeg" href="{base}/audio/{s.slug}.mp3"/>'
        f'<link rel="alternate" type="text/html" href="{page_url(base, s.slug)}"/>'
        f"<published>{s.published}</published><updated>{s.modified}</updated>"
        f"<author><name>{s.author}</name></author>"
        f"<summary>{escape(s.paragraphs[0])}</summary></entry>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>{SOURCE}</title><id>urn:courier</id><link rel="self" href="{base}/courier.atom"/>'
        f"<updated>2025-11-22T09:00:00Z</updated>{items}</feed>"
    ).encode()


def sitemap(base: str, stories: list[Story]) -> bytes:
    urls = "".join(
        f"<url><loc>{page_url(base, s.slug)}</loc><lastmod>{s.modified}</lastmod>"
        "<changefreq>hourly</changefreq></url>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def news_sitemap(base: str, stories: list[Story]) -> bytes:
    urls = "".join(
        f"<url><loc>{page_url(base, s.slug)}</loc><news:news><news:publication>"
        f"<news:name>{SOURCE}</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{s.published}</news:publication_date>"
        f"<news:title>{escape(s.teaser)}</news:title></news:news></url>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    ).encode()


def metadata_rss(base: str, stories: list[Story]) -> bytes:
    """RSS 2.0 with two articles and two entries at the metadata address: one without text,
    one whose description is all a pass could index."""
    links = [
        (page_url(base, stories[0].slug), stories[0].teaser, stories[0].paragraphs[0]),
        (METADATA, "Instance metadata", ""),
        (CREDENTIALS, "Credentials", "<p>Temporary credentials rotate every six hours.</p>"),
        (page_url(base, stories[1].slug), stories[1].teaser, stories[1].paragraphs[0]),
    ]
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description>{escape(text)}</description></item>"
        for link, title, text in links
    )
    return f'<rss version="2.0"><channel><title>{SOURCE}</title>{items}</channel></rss>'.encode()


Render = Callable[[str, list[Story]], bytes]


@dataclass(frozen=True)
class Kind:
    name: str
    path: str
    render: Render
    slugs: tuple[str, str]  # the first page is dated; the second is not (but the RDF one)
    # the publication date an undated page gets from its entry (a sitemap's <lastmod> is
    # when the page changed, not when it was published: no date)
    undated_published: str | None


KINDS = [
    # both RDF pages are dated: test_an_undated_page_takes_its_rdf_entrys_dc_date
    Kind("rdf", "/courier.rdf", rdf, ("bridge", "ferry"), None),
    Kind("atom", "/courier.atom", atom, ("school", "drought"), "2025-11-19"),
    Kind("sitemap", "/sitemap.xml", sitemap, ("hospital", "festival"), None),
    Kind("news-sitemap", "/news-sitemap.xml", news_sitemap, ("windfarm", "strike"), "2025-11-20"),
]
FEEDS: dict[str, tuple[Render, tuple[str, ...]]] = {
    **{k.path: (k.render, k.slugs) for k in KINDS},
    "/undated.rdf": (rdf, ("drought",)),
    "/metadata.xml": (metadata_rss, ("bridge", "school")),
    "/gone.rdf": (lambda base, stories: rdf(base + "/gone", stories), ("ferry",)),  # 404 pages
}


class Site(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []  # every path requested, in order
    base: ClassVar[str] = ""  # http://127.0.0.1:port
    lock: ClassVar[threading.Lock] = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with Site.lock:
            Site.seen.append(self.path)
        base = Site.base
        slug = self.path.removeprefix("/news/")
        if self.path in FEEDS:
            render, slugs = FEEDS[self.path]
            self._send(render(base, [STORIES[s] for s in slugs]), "application/xml")
        elif self.path.startswith("/news/") and slug in STORIES:
            self._send(page(STORIES[slug]), "text/html; charset=utf-8")
        else:
            self._send(b"not here", "text/plain", 404)

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def base() -> Iterator[str]:
    Site.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    Site.base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield Site.base
    server.shutdown()
    server.server_close()


@pytest.fixture()
def index(tmp_path: Path) -> Iterator[NewsIndex]:
    opened = NewsIndex.open(
        settings_for(tmp_path / "index").index, embedder=HashEncoder(), create=True
    )
    yield opened
    opened.close()


@pytest.fixture()
def fetcher() -> Iterator[Fetcher]:
    opened = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1", fetch_host_interval_s=0))
    yield opened
    opened.close()


def one_pass(index: NewsIndex, fetcher: Fetcher, url: str) -> FeedOutcome:
    index.catalog.feeds.add(new_feed(url, "30m", SOURCE, "127.0.0.1"))
    (outcome,) = fetch_pass(index, fetcher, NOW)
    return outcome


def stored(index: NewsIndex, url: str) -> StoredArticle:
    article = index.catalog.articles.article(url_id(url))
    assert article is not None, f"{url} was not indexed"
    return article


def origin(index: NewsIndex, url: str) -> str:
    state = index.catalog.articles.article_state(url_id(url))
    assert state is not None, f"{url} was not indexed"
    return str(state["origin"])


def by_url(found: list[Entry]) -> dict[str, Entry]:
    return {e.url: e for e in found}


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_a_pass_indexes_each_kinds_two_articles_from_their_pages(
    kind: Kind, base: str, index: NewsIndex, fetcher: Fetcher
) -> None:
    outcome = one_pass(index, fetcher, base + kind.path)
    assert (outcome.status, outcome.entries, outcome.new, outcome.from_entry) == ("ok", 2, 2, 0)
    assert (outcome.summary.added, outcome.summary.failed, outcome.error) == (2, 0, None)
    assert index.catalog.articles.counts()["articles"] == 2
    for story in (STORIES[s] for s in kind.slugs):
        published = story.page_date[:10] if story.page_date else kind.undated_published
        article = stored(index, page_url(base, story.slug))
        meta = article.meta
        assert (meta.title, meta.source) == (story.headline, SOURCE)
        assert not meta.title_is_fallback
        assert meta.url == page_url(base, story.slug) and meta.published_at == published
        assert article.text == story.text  # the story, without navigation or footer
        assert article.chunks >= 1 and article.copy_of is None
        fetched = f"{meta.url} (fetched {NOW.isoformat()} from feed {base}{kind.path})"
        assert origin(index, page_url(base, story.slug)) == fetched
    dated = STORIES[kind.slugs[0]]
    assert stored(index, page_url(base, dated.slug)).meta.authors == (dated.author,)
    (feed,) = index.catalog.feeds.followed()
    assert (feed.last_status, feed.last_error, feed.failures) == ("ok", None, 0)
    pages = sorted(p for p in Site.seen if p.startswith("/news/"))
    assert pages == sorted(f"/news/{s}" for s in kind.slugs)  # each page fetched once


def test_rdf_entries() -> None:
    stories = [STORIES["bridge"], STORIES["ferry"]]
    found = by_url(entries(rdf("https://courier.example", stories), "https://courier.example/"))
    assert list(found) == [page_url("https://courier.example", s.slug) for s in stories]
    bridge = found["https://courier.example/news/bridge"]
    assert (bridge.title, bridge.authors) == ("Bridge reopens", ("Ailsa Grant",))
    # feedparser files dc:date as the entry's update: it is its publication date too (UTC)
    assert (bridge.published, bridge.updated) == ("2025-11-21T07:30:00Z", "2025-11-21T07:30:00Z")
    assert all(p in bridge.summary for p in STORIES["bridge"].paragraphs)  # content:encoded
    ferry = found["https://courier.example/news/ferry"]
    assert (ferry.title, ferry.authors) == ("Ferry cuts", ("Callum Reid",))
    assert ferry.published == "2025-11-20T17:15:00Z"


def test_atom_entries() -> None:
    stories = [STORIES["school"], STORIES["drought"]]
    found = by_url(entries(atom("https://courier.example", stories), "https://courier.example/"))
    assert list(found) == [page_url("https://courier.example", s.slug) for s in stories]
    school = found["https://courier.example/news/school"]  # the alternate link, not the mp3
    assert (school.title, school.authors) == ("Kirkhill school opens", ("Fiona Mackay",))
    assert (school.published, school.updated) == ("2025-11-18T09:00:00Z", "2025-11-19T11:30:00Z")
    assert school.summary == STORIES["school"].paragraphs[0]
    drought = found["https://courier.example/news/drought"]
    assert (drought.title, drought.authors) == ("Reservoirs low", ("Rory Stewart-Lyle",))
    assert (drought.published, drought.updated) == ("2025-11-19T16:20:00Z", "2025-11-20T07:05:00Z")


def test_sitemap_entries() -> None:
    stories = [STORIES["hospital"], STORIES["festival"]]
    body = sitemap("https://courier.example", stories)
    found = entries(body, "https://courier.example/sitemap.xml")
    assert [(e.url, e.title, e.published, e.updated, e.authors) for e in found] == [
        ("https://courier.example/news/hospital", "", None, "2025-11-17", ()),
        ("https://courier.example/news/festival", "", None, "2025-11-22", ()),
    ]


def test_news_sitemap_entries() -> None:
    stories = [STORIES["windfarm"], STORIES["strike"]]
    body = news_sitemap("https://courier.example", stories)
    found = entries(body, "https://courier.example/news-sitemap.xml")
    assert [(e.url, e.title, e.published, e.authors) for e in found] == [
        ("https://courier.example/news/windfarm", "Wind farm approved", "2025-11-21", ()),
        ("https://courier.example/news/strike", "Rail strike vote", "2025-11-20", ()),
    ]


def test_an_undated_page_takes_its_rdf_entrys_dc_date(
    base: str, index: NewsIndex, fetcher: Fetcher
) -> None:
    """RSS 1.0 dates its items with dc:date only (feedparser files it as their update)."""
    outcome = one_pass(index, fetcher, base + "/undated.rdf")
    assert (outcome.status, outcome.summary.added) == ("ok", 1)
    assert stored(index, page_url(base, "drought")).meta.published_at == "2025-11-19"


def test_a_page_without_a_byline_takes_its_entrys_author(
    base: str, index: NewsIndex, fetcher: Fetcher
) -> None:
    """Like its date: the page's own byline first, else the entry's author."""
    one_pass(index, fetcher, base + "/courier.atom")
    assert stored(index, page_url(base, "drought")).meta.authors == ("Rory Stewart-Lyle",)


def test_an_entrys_own_text_is_indexed_without_its_markup(
    base: str, index: NewsIndex, fetcher: Fetcher
) -> None:
    """A page that cannot be read (404) falls back to the entry's content:encoded, which is
    HTML: its paragraphs are kept, its tags are not."""
    outcome = one_pass(index, fetcher, base + "/gone.rdf")
    assert (outcome.status, outcome.summary.added, outcome.from_entry) == ("ok", 1, 1)
    assert stored(index, f"{base}/gone/news/ferry").text == STORIES["ferry"].text


def test_an_entry_at_the_metadata_address_is_never_requested(
    base: str, index: NewsIndex, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[httpx.URL] = []
    send = httpx.Client.send

    def recording(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        sent.append(request.url)
        return send(self, request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "send", recording)
    outcome = one_pass(index, fetcher, base + "/metadata.xml")
    assert (outcome.status, outcome.entries, outcome.new) == ("ok", 4, 4)
    assert (outcome.summary.added, outcome.from_entry) == (3, 1)
    for slug in ("bridge", "school"):
        assert stored(index, page_url(base, slug)).text == STORIES[slug].text
    assert index.catalog.articles.article(url_id(METADATA)) is None  # no page and no entry text
    # the other one had text of its own: that is indexed, saying why its page was not read
    credentials = stored(index, CREDENTIALS)
    assert credentials.text == "Temporary credentials rotate every six hours."  # no <p>
    why = origin(index, CREDENTIALS)
    assert why.startswith(f"{CREDENTIALS} (feed entry text: page not read: ")
    assert "169.254.169.254, a link-local or metadata address" in why
    assert not any(u.host == "169.254.169.254" for u in sent)
    assert not any("meta-data" in p for p in Site.seen)
    assert {u.host for u in sent} == {"127.0.0.1"}

    # refused before any connection, even when the whole link-local range is allowed
    permissive = Fetcher(FetchSettings(fetch_allow_hosts="127.0.0.1,169.254.0.0/16"))
    try:
        for url in (METADATA, CREDENTIALS):
            with pytest.raises(FetchError, match="link-local or metadata") as refused:
                permissive.get(url)
            assert (refused.value.kind, refused.value.url) == ("blocked", url)
    finally:
        permissive.close()
    assert not any(u.host == "169.254.169.254" for u in sent)
