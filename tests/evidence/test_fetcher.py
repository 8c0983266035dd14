"""The SSRF-safe fetcher against real HTTP(S) servers on loopback (no mocked transport)."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate

import httpx
import pytest

from shared.config import Settings
from shared.evidence.fetcher import (
    FetchedPage,
    FetchError,
    SafeFetcher,
    address_problem,
    is_public_address,
    new_http_client,
)
from tests.support.web import Exchange, Handler, WebServer, hang, serve, stream, trickle

UA = "factcheck-test/1.0 (+https://example.org/bot)"
ARTICLE = b"<html><head><title>Hello</title></head><body><p>Hello, world.</p></body></html>"


@pytest.fixture
def web6() -> Iterator[WebServer]:
    try:
        with serve("::1") as server:
            yield server
    except OSError:
        pytest.skip("no IPv6 loopback here")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client() as client:
        yield client


def fake_resolver(table: dict[str, list[str]], calls: list[tuple[str, int]] | None = None):
    """A resolver answering from `table` (unknown names fail like real DNS) and logging its calls."""

    async def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append((host, port))
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


def make_fetcher(client: httpx.AsyncClient, *, allow_hosts=("127.0.0.1",), resolver=None, **overrides):
    options = {
        "max_bytes": 100_000,
        "timeout": 2.0,
        "connect_timeout": 1.0,
        "max_redirects": 3,
        "user_agent": UA,
        "retry_backoff": 0.05,  # keeps retrying tests fast
        **overrides,
    }
    return SafeFetcher(client, allow_hosts=allow_hosts, resolver=resolver, **options)


def fetch_settings(**overrides) -> Settings:
    """Settings for SafeFetcher.from_settings: loopback allowed, a generous time cap."""
    values = {"fetch_allow_hosts": ["127.0.0.1"], "fetch_user_agent": UA, "fetch_timeout_seconds": 5.0, **overrides}
    return Settings(_env_file=None, **values)


async def refused(fetcher: SafeFetcher, url: str) -> FetchError:
    # The outer timeout only turns a fetcher that never gives up into a failure instead of a hang.
    with pytest.raises(FetchError) as caught:
        async with asyncio.timeout(15):
            await fetcher.fetch(url)
    return caught.value


# A normal fetch.


async def test_fetches_an_allowed_loopback_page(web: WebServer, client: httpx.AsyncClient) -> None:
    web.route("/article", ARTICLE)

    page = await make_fetcher(client).fetch(web.url("/article"))

    assert page == FetchedPage(web.url("/article"), 200, "text/html", ARTICLE, "utf-8")
    assert page.text().startswith("<html>")
    [request] = web.requests
    assert request.path == "/article"
    assert request.headers["host"] == f"127.0.0.1:{web.port}"
    assert request.headers["user-agent"] == UA
    assert "text/html" in request.headers["accept"]


async def test_decompresses_gzip(web: WebServer, client: httpx.AsyncClient) -> None:
    web.route("/gz", gzip.compress(ARTICLE), headers={"Content-Encoding": "gzip"})

    page = await make_fetcher(client).fetch(web.url("/gz"))

    assert page.body == ARTICLE
    assert "gzip" in web.requests[0].headers["accept-encoding"]


async def test_keeps_no_cookies_between_fetches(web: WebServer, client: httpx.AsyncClient) -> None:
    web.route("/set", ARTICLE, headers={"Set-Cookie": "session=secret; Path=/"})
    web.route("/next", ARTICLE)
    fetcher = make_fetcher(client)

    await fetcher.fetch(web.url("/set"))
    await fetcher.fetch(web.url("/next"))

    assert "cookie" not in web.requests[1].headers


# Addresses that are not public are refused before any connection is made.


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/", "blocked: 127.0.0.1 is a loopback address"),
        ("http://0.0.0.0:{port}/", "blocked: 0.0.0.0 is an unspecified address"),
        ("http://10.0.0.1:{port}/", "blocked: 10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "blocked: 169.254.169.254 is a link-local address"),
        ("http://[::ffff:127.0.0.1]:{port}/", "blocked: ::ffff:127.0.0.1 is a loopback address"),
        ("http://100.64.1.1:{port}/", "blocked: 100.64.1.1 is a shared (carrier-grade NAT) address"),
        (
            "http://intranet.example:{port}/",
            "blocked: intranet.example resolves to 10.1.2.3, which is a private address",
        ),
        (
            "http://evil.example:{port}/",
            "blocked: evil.example resolves to 127.0.0.1, which is a loopback address",
        ),
        # One public answer is not enough: every address must be public.
        (
            "http://mixed.example:{port}/",
            "blocked: mixed.example resolves to 127.0.0.1, which is a loopback address",
        ),
        ("http://nosuch.invalid/", "could not resolve host: nosuch.invalid"),
    ],
)
async def test_default_settings_refuse_non_public_addresses(
    web: WebServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    monkeypatch.delenv("FACTCHECK_FETCH_ALLOW_HOSTS", raising=False)
    settings = Settings(_env_file=None)
    assert settings.fetch_allow_hosts == []
    resolver = fake_resolver(
        {
            "intranet.example": ["10.1.2.3"],
            "evil.example": ["127.0.0.1"],
            "mixed.example": ["93.184.216.34", "127.0.0.1"],
        }
    )
    fetcher = SafeFetcher.from_settings(client, settings, resolver=resolver)
    web.route("/", ARTICLE)

    error = await refused(fetcher, url.format(port=web.port))

    assert error.reason == reason
    assert web.requests == []


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f.1"])
async def test_system_resolver_answers_are_checked(web: WebServer, client: httpx.AsyncClient, host: str) -> None:
    # No resolver injected: the operating system resolves these (from /etc/hosts or numerically).
    fetcher = make_fetcher(client, allow_hosts=())
    web.route("/", ARTICLE)

    error = await refused(fetcher, f"http://{host}:{web.port}/")

    assert error.reason.startswith(("blocked: ", "could not resolve host: "))
    assert web.requests == []


async def test_ipv6_loopback_is_refused(web6: WebServer, client: httpx.AsyncClient) -> None:
    web6.route("/", ARTICLE)

    error = await refused(make_fetcher(client, allow_hosts=()), web6.url("/"))

    assert error.reason == "blocked: ::1 is a loopback address"
    assert web6.requests == []


async def test_allow_list_matches_ipv6_in_brackets(web6: WebServer, client: httpx.AsyncClient) -> None:
    web6.route("/", ARTICLE)

    page = await make_fetcher(client, allow_hosts=["[::1]"]).fetch(web6.url("/"))

    assert page.body == ARTICLE
    assert web6.requests[0].headers["host"] == f"[::1]:{web6.port}"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/html,hi"])
async def test_only_http_and_https(client: httpx.AsyncClient, url: str) -> None:
    error = await refused(make_fetcher(client), url)

    assert error.reason == f"not http(s): {url}"


# Pinning: the connection goes to the address that was checked.


async def test_connects_to_the_resolved_address_and_sends_the_name(web: WebServer, client: httpx.AsyncClient) -> None:
    calls: list[tuple[str, int]] = []
    resolver = fake_resolver({"pinned.example": ["127.0.0.1"]}, calls)
    fetcher = make_fetcher(client, allow_hosts={"PINNED.example"}, resolver=resolver)
    web.route("/pinned", ARTICLE)
    url = f"http://pinned.example:{web.port}/pinned"

    page = await fetcher.fetch(url)

    assert page.url == url
    assert [r.headers["host"] for r in web.requests] == [f"pinned.example:{web.port}"]
    assert calls == [("pinned.example", web.port)]  # resolved once, and that answer was used


# Redirects are followed by hand, each hop checked again.


async def test_follows_relative_and_absolute_redirects(web: WebServer, client: httpx.AsyncClient) -> None:
    web.redirect("/dir/a", "b?x=1", status=301)
    web.redirect("/dir/b", "/final", status=307)
    web.route("/final", ARTICLE)

    page = await make_fetcher(client).fetch(web.url("/dir/a"))

    assert page.url == web.url("/final")
    assert [r.path for r in web.requests] == ["/dir/a", "/dir/b?x=1", "/final"]


async def test_redirect_to_metadata_address_is_refused_at_the_hop(web: WebServer, client: httpx.AsyncClient) -> None:
    web.redirect("/start", "http://169.254.169.254/latest/meta-data/")

    error = await refused(make_fetcher(client), web.url("/start"))

    assert error.reason == "blocked: 169.254.169.254 is a link-local address"
    assert error.url == "http://169.254.169.254/latest/meta-data/"
    assert [r.path for r in web.requests] == ["/start"]


async def test_redirect_to_a_name_is_resolved_and_checked(web: WebServer, client: httpx.AsyncClient) -> None:
    web.redirect("/start", f"http://evil.example:{web.port}/inside")
    fetcher = make_fetcher(client, resolver=fake_resolver({"evil.example": ["127.0.0.1"]}))

    error = await refused(fetcher, web.url("/start"))

    assert error.reason == "blocked: evil.example resolves to 127.0.0.1, which is a loopback address"
    assert [r.path for r in web.requests] == ["/start"]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("file:///etc/passwd", "not http(s): file:///etc/passwd"),
        ("ftp://example.org/x", "not http(s): ftp://example.org/x"),
        ("javascript:alert(1)", "redirect to an invalid or non-http(s) URL"),
    ],
)
async def test_redirect_to_another_scheme_is_refused(
    web: WebServer, client: httpx.AsyncClient, location: str, reason: str
) -> None:
    web.redirect("/start", location)

    error = await refused(make_fetcher(client), web.url("/start"))

    assert error.reason == reason
    assert [r.path for r in web.requests] == ["/start"]


async def test_redirect_loop_stops_at_the_hop_limit(web: WebServer, client: httpx.AsyncClient) -> None:
    web.redirect("/loop", "/loop")

    error = await refused(make_fetcher(client, max_redirects=3), web.url("/loop"))

    assert error.reason == "too many redirects (3)"
    assert len(web.requests) == 4  # the first request and three redirects followed


# Slow, huge and unwanted responses.


async def test_trickling_server_hits_the_total_timeout(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/slow", trickle(interval=0.2))
    began = time.monotonic()

    error = await refused(make_fetcher(client, timeout=1.0), web.url("/slow"))

    assert error.reason == "timed out after 1.0 s"
    assert time.monotonic() - began < 5  # it ended; generous bound, no tight timing


async def test_silent_server_hits_the_total_timeout(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/silent", hang())

    error = await refused(make_fetcher(client, timeout=0.5), web.url("/silent"))

    assert error.reason == "timed out after 0.5 s"


def zeros(total: int, chunk: int = 64 * 1024):
    def chunks() -> Iterator[bytes]:
        block = b"\0" * chunk
        for _ in range(total // chunk):
            yield block

    return chunks


async def test_huge_body_stops_at_the_cap(web: WebServer, client: httpx.AsyncClient) -> None:
    fifty_mb = 50 * 1024 * 1024
    sent: list[int] = []
    web.handle("/huge", stream(zeros(fifty_mb), sent=sent))

    error = await refused(make_fetcher(client, max_bytes=100_000), web.url("/huge"))

    assert error.reason == "too large: more than 100000 bytes"
    for _ in range(100):  # the server notices the hang-up on its next writes
        if sent:
            break
        await asyncio.sleep(0.05)
    assert sent and sent[0] < fifty_mb


async def test_declared_length_over_the_cap_is_refused_before_reading(
    web: WebServer, client: httpx.AsyncClient
) -> None:
    # The body never comes: only the Content-Length check can end this before the timeout.
    def announce_then_hang(ex: Exchange) -> None:
        ex.start(headers={"Content-Length": str(50 * 1024 * 1024)})
        while ex.sleep(0.1):
            pass

    web.handle("/announced", announce_then_hang)

    error = await refused(make_fetcher(client, max_bytes=100_000, timeout=5.0), web.url("/announced"))

    assert error.reason == "too large: more than 100000 bytes"


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """100 MB of zeros, gzip-compressed in chunks (about 100 KB on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(100)]
    parts.append(compressor.flush())
    return b"".join(parts)


async def test_gzip_bomb_stops_at_the_cap(web: WebServer, client: httpx.AsyncClient, gzip_bomb: bytes) -> None:
    assert len(gzip_bomb) < 1_000_000  # well under the cap on the wire: only decompressed bytes exceed it
    web.route("/bomb", gzip_bomb, headers={"Content-Encoding": "gzip"})

    tracemalloc.start()
    try:
        error = await refused(make_fetcher(client, max_bytes=1_000_000), web.url("/bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert error.reason == "too large: more than 1000000 bytes"
    # Not just stopped, but cheaply: inflating whole network reads would peak near 100 MB here.
    assert peak < 20_000_000


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
async def test_deflate_both_flavours(web: WebServer, client: httpx.AsyncClient, wbits: int) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    web.route("/d", compressor.compress(ARTICLE) + compressor.flush(), headers={"Content-Encoding": "deflate"})

    page = await make_fetcher(client).fetch(web.url("/d"))

    assert page.body == ARTICLE


@pytest.mark.parametrize(
    ("encoding", "body", "reason"),
    [
        ("br", b"\x0b\x02\x80hello\x03", "unsupported content encoding: br"),
        ("gzip", b"this is not gzip at all", "could not decompress the response"),
    ],
)
async def test_bad_content_encoding(
    web: WebServer, client: httpx.AsyncClient, encoding: str, body: bytes, reason: str
) -> None:
    web.route("/e", body, headers={"Content-Encoding": encoding})

    error = await refused(make_fetcher(client), web.url("/e"))

    assert error.reason == reason


async def test_unwanted_content_type_is_refused(web: WebServer, client: httpx.AsyncClient) -> None:
    web.route("/bin", b"\x7fELF", content_type="application/octet-stream")

    error = await refused(make_fetcher(client), web.url("/bin"))

    assert error.reason == "unsupported content type: application/octet-stream"


@pytest.mark.parametrize(("status", "retries"), [(404, 2), (501, 2), (500, 0), (503, 0)])
async def test_error_status(web: WebServer, client: httpx.AsyncClient, status: int, retries: int) -> None:
    # 404 and 501 will not change, so are not retried; 500 and 503 are not when there are no retries.
    web.route("/x", b"nope", status=status)

    error = await refused(make_fetcher(client, retries=retries), web.url("/x"))

    assert error.reason == f"HTTP {status}"
    assert len(web.requests) == 1


def test_client_that_trusts_the_environment_is_rejected() -> None:
    with pytest.raises(ValueError, match="must not trust the environment"):
        SafeFetcher(
            httpx.AsyncClient(),
            max_bytes=1,
            timeout=1,
            connect_timeout=1,
            max_redirects=0,
            user_agent=UA,
        )


# Retries: 429 and 5xx answers and refused or reset connections are tried again, within the time cap.


# The test server closes the connection after a handler's answer; saying so keeps the client from sending
# the next request on a connection being closed, which it would see as dropped and try again.
CLOSE = {"Connection": "close"}


def answers(*responses: tuple[int, dict[str, str]]) -> Handler:
    """Answer with each (status, headers) in turn, then 200 and the article for every later request."""
    lock = threading.Lock()
    served = 0

    def handler(ex: Exchange) -> None:
        nonlocal served
        with lock:
            index, served = served, served + 1
        status, headers = responses[index] if index < len(responses) else (200, {})
        body = ARTICLE if status == 200 else b"try later"
        ex.start(status, {"Content-Length": str(len(body)), **CLOSE, **headers})
        ex.write(body)

    return handler


async def test_503_with_retry_after_seconds_then_200(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/busy", answers((503, {"Retry-After": "1"})))
    began = time.monotonic()

    page = await make_fetcher(client, timeout=5.0).fetch(web.url("/busy"))

    assert page.body == ARTICLE
    assert len(web.requests) == 2
    assert 0.9 < time.monotonic() - began < 4.5  # it waited as asked, and not much longer


async def test_429_without_retry_after_backs_off_then_200(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/limited", answers((429, {})))

    page = await make_fetcher(client).fetch(web.url("/limited"))

    assert page.body == ARTICLE
    assert len(web.requests) == 2


async def test_retry_after_as_an_http_date(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/past", answers((503, {"Retry-After": formatdate(time.time() - 60, usegmt=True)})))
    web.handle("/future", answers((503, {"Retry-After": formatdate(time.time() + 3600, usegmt=True)})))
    fetcher = make_fetcher(client)

    page = await fetcher.fetch(web.url("/past"))  # a date gone by: try again at once
    error = await refused(fetcher, web.url("/future"))

    assert page.body == ARTICLE
    assert error.reason.startswith("HTTP 503 (gave up: Retry-After 3")
    assert error.reason.endswith(" s is past the time limit)")
    assert [r.path for r in web.requests] == ["/past", "/past", "/future"]


async def test_always_500_gives_up_after_the_retries(web: WebServer, client: httpx.AsyncClient) -> None:
    web.route("/broken", b"oops", status=500)
    fetcher = SafeFetcher.from_settings(client, fetch_settings(fetch_retries=2))

    error = await refused(fetcher, web.url("/broken"))

    assert error.reason == "HTTP 500 after 3 tries"
    assert error.url == web.url("/broken")
    assert len(web.requests) == 1 + 2


async def test_retry_after_past_the_time_cap_gives_up_at_once(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/down", answers((503, {"Retry-After": "120"})))
    began = time.monotonic()

    error = await refused(make_fetcher(client, timeout=2.0), web.url("/down"))

    assert error.reason == "HTTP 503 (gave up: Retry-After 120 s is past the time limit)"
    assert time.monotonic() - began < 1.5  # did not sit out the time cap
    assert len(web.requests) == 1


async def test_retries_are_per_fetch_across_hops(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/a", answers((503, {}), (302, {"Location": "/b"})))
    web.handle("/b", answers((503, {}), (503, {})))

    error = await refused(make_fetcher(client, retries=2), web.url("/a"))

    assert error.reason == "HTTP 503 after 2 tries"  # the second hop had one retry of the two left
    assert [r.path for r in web.requests] == ["/a", "/a", "/b", "/b"]


async def test_a_dropped_connection_is_tried_again(web: WebServer, client: httpx.AsyncClient) -> None:
    calls = 0

    def drop_first(ex: Exchange) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:  # the first connection is closed without an answer
            ex.start(headers={"Content-Length": str(len(ARTICLE)), **CLOSE})
            ex.write(ARTICLE)

    web.handle("/flaky", drop_first)

    page = await make_fetcher(client).fetch(web.url("/flaky"))

    assert page.body == ARTICLE
    assert len(web.requests) == 2


async def test_a_refused_connection_gives_up_after_the_retries(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:  # a port that nothing listens on once this socket is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    error = await refused(make_fetcher(client, retries=2), f"http://127.0.0.1:{port}/")

    assert error.reason.startswith("could not connect after 3 tries: ")


# Concurrency limits: per fetcher, and per host name.


class InFlight:
    """A handler that takes `seconds` per request and records the most requests in flight at once,
    in total and per host name (from the Host header, lower-case, without port or trailing dot)."""

    def __init__(self, seconds: float = 0.3) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.peak_total = 0

    def __call__(self, ex: Exchange) -> None:
        host = ex.headers["host"].rsplit(":", 1)[0].lower().rstrip(".")
        with self._lock:
            self._now[host] += 1
            self.peak[host] = max(self.peak[host], self._now[host])
            self.peak_total = max(self.peak_total, self._now.total())
        try:
            ex.sleep(self.seconds)
        finally:
            with self._lock:  # before answering: the client may send its next request as soon as it reads
                self._now[host] -= 1
        ex.start(headers={"Content-Length": str(len(ARTICLE)), **CLOSE})
        ex.write(ARTICLE)


NAMES = ["a.example", "b.example", "c.example"]


async def test_per_host_limit(web: WebServer, client: httpx.AsyncClient) -> None:
    recorder = InFlight()
    web.handle("/slow", recorder)
    # Spellings of one host name share its slots: case and a trailing dot do not make another host.
    table = {"a.example": ["127.0.0.1"], "a.example.": ["127.0.0.1"]}
    fetcher = SafeFetcher.from_settings(
        client, fetch_settings(fetch_per_host=2, fetch_allow_hosts=["a.example"]), resolver=fake_resolver(table)
    )
    urls = [f"http://{name}:{web.port}/slow" for name in ["a.example", "A.EXAMPLE", "a.example."] * 2]

    async with asyncio.timeout(15):
        pages = await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    assert all(page.body == ARTICLE for page in pages)
    assert len(web.requests) == 6
    assert recorder.peak["a.example"] == 2  # never more than 2, and the 2 did overlap
    assert fetcher._slots._hosts == {}  # no per-host entry outlives its last user


async def test_per_host_limit_is_per_name(web: WebServer, client: httpx.AsyncClient) -> None:
    recorder = InFlight()
    web.handle("/slow", recorder)
    resolver = fake_resolver({name: ["127.0.0.1"] for name in NAMES})
    fetcher = SafeFetcher.from_settings(client, fetch_settings(fetch_per_host=2, fetch_allow_hosts=NAMES), resolver)
    urls = [f"http://{name}:{web.port}/slow" for name in ["a.example", "b.example"] * 3]

    async with asyncio.timeout(15):
        await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    assert recorder.peak["a.example"] == 2
    assert recorder.peak["b.example"] == 2
    assert recorder.peak_total > 2  # two names, although one address: each name has its own 2
    assert fetcher._slots._hosts == {}


async def test_global_limit(web: WebServer, client: httpx.AsyncClient) -> None:
    recorder = InFlight()
    web.handle("/slow", recorder)
    resolver = fake_resolver({name: ["127.0.0.1"] for name in NAMES})
    settings = fetch_settings(fetch_concurrency=3, fetch_per_host=10, fetch_allow_hosts=NAMES)
    fetcher = SafeFetcher.from_settings(client, settings, resolver)
    urls = [f"http://{name}:{web.port}/slow" for name in NAMES * 3]

    async with asyncio.timeout(15):
        await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    assert len(web.requests) == 9
    assert recorder.peak_total == 3
    assert fetcher._slots._hosts == {}


async def test_the_client_carries_every_fetch_the_fetcher_allows(web: WebServer) -> None:
    # Each request waits until all are in flight together: a client pool smaller than the fetcher's limit (it
    # was fixed at 50) would hold some back, the barrier would break and every request get a 503.
    concurrency = 60
    everyone = threading.Barrier(concurrency, timeout=10)

    def together(ex: Exchange) -> None:
        try:
            everyone.wait()
        except threading.BrokenBarrierError:
            ex.start(503, {"Content-Length": "0"})
            return
        ex.start(headers={"Content-Length": str(len(ARTICLE))})
        ex.write(ARTICLE)

    web.handle("/together", together)
    settings = fetch_settings(
        fetch_concurrency=concurrency,
        fetch_per_host=concurrency,
        fetch_timeout_seconds=30.0,
        fetch_connect_timeout_seconds=10.0,
        fetch_retries=0,
    )
    async with new_http_client(connections=concurrency) as client:
        fetcher = SafeFetcher.from_settings(client, settings)
        async with asyncio.timeout(30):
            outcomes = await asyncio.gather(
                *(fetcher.fetch(web.url("/together")) for _ in range(concurrency)), return_exceptions=True
            )
    assert not everyone.broken
    assert [getattr(outcome, "status", outcome) for outcome in outcomes] == [200] * concurrency


async def test_waiting_for_a_slot_counts_against_the_time_cap(web: WebServer, client: httpx.AsyncClient) -> None:
    web.handle("/silent", hang())
    fetcher = make_fetcher(client, per_host=1, timeout=0.5)
    began = time.monotonic()

    async with asyncio.timeout(15):
        results = await asyncio.gather(*(fetcher.fetch(web.url("/silent")) for _ in range(5)), return_exceptions=True)

    reasons = [result.reason for result in results if isinstance(result, FetchError)]
    assert len(reasons) == 5
    assert all(reason.startswith("timed out after 0.5 s") for reason in reasons)
    assert "timed out after 0.5 s waiting for a free slot for 127.0.0.1" in reasons
    # One after another (each with its own 0.5 s) would take 2.5 s; sharing one deadline, about 0.5 s.
    assert time.monotonic() - began < 2.0
    assert fetcher._slots._hosts == {}  # fetches cancelled while waiting let go of the host too


# Every hostile endpoint at once, through one fetcher.


def _connection_threads() -> set[threading.Thread]:
    # Only the test servers' connection threads tell whether the fetcher hung up. Other threads may start
    # meanwhile and stay (the event loop's default executor grows when getaddrinfo calls overlap).
    return {thread for thread in threading.enumerate() if thread.name.endswith("(process_request_thread)")}


async def test_hostile_endpoints_all_at_once(web: WebServer, client: httpx.AsyncClient, gzip_bomb: bytes) -> None:
    web.handle("/trickle", trickle(interval=1.0))
    web.handle("/huge", stream(zeros(50 * 1024 * 1024)))
    web.route("/bomb", gzip_bomb, headers={"Content-Encoding": "gzip"})
    web.redirect("/metadata", "http://169.254.169.254/latest/meta-data/")
    web.redirect("/loop", "/loop")
    web.route("/binary", b"\x7fELF", content_type="application/octet-stream")
    web.handle("/down", answers(*[(503, {"Retry-After": "120"})] * 10))
    web.route("/fine", ARTICLE)
    fetcher = make_fetcher(
        client, max_bytes=200_000, timeout=1.0, resolver=fake_resolver({"evil.example": ["127.0.0.1"]})
    )
    expected = {
        web.url("/trickle"): "timed out after 1.0 s",
        web.url("/huge"): "too large: more than 200000 bytes",
        web.url("/bomb"): "too large: more than 200000 bytes",
        web.url("/metadata"): "blocked: 169.254.169.254 is a link-local address",
        web.url("/loop"): "too many redirects (3)",
        web.url("/binary"): "unsupported content type: application/octet-stream",
        web.url("/down"): "HTTP 503 (gave up: Retry-After 120 s is past the time limit)",
        f"http://evil.example:{web.port}/": "blocked: evil.example resolves to 127.0.0.1, which is a loopback address",
    }
    earlier = _connection_threads()  # an earlier test's server may still be winding down: not ours

    began = time.monotonic()
    tracemalloc.start()
    try:
        async with asyncio.timeout(15):
            urls = [*expected, web.url("/fine")]
            results = await asyncio.gather(*(fetcher.fetch(url) for url in urls), return_exceptions=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - began

    *failures, fine = results
    assert isinstance(fine, FetchedPage) and fine.body == ARTICLE  # the one good page still came through
    assert {url: getattr(error, "reason", error) for url, error in zip(expected, failures, strict=True)} == expected
    assert elapsed < 4  # each ended within the 1 s cap (generous bound)
    assert peak < 30_000_000
    assert fetcher._slots._hosts == {}
    # No connection left open: once the server's connection threads notice the hang-ups, they end.
    for _ in range(200):
        if not _connection_threads() - earlier:
            break
        await asyncio.sleep(0.05)
    assert not _connection_threads() - earlier


# HTTPS: TLS is verified against the host name although the connection goes to the pinned address.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for a.example and b.example only (no IP address in it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = (
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=a.example "
        "-addext subjectAltName=DNS:a.example,DNS:b.example"
    )
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
async def tls_client(certificate: tuple[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client(verify=ssl.create_default_context(cafile=certificate[0])) as client:
        yield client


@pytest.fixture
def tls_web(certificate: tuple[str, str]) -> Iterator[WebServer]:
    with serve(tls=certificate) as server:
        yield server


def tls_fetcher(client: httpx.AsyncClient) -> SafeFetcher:
    names = ["a.example", "b.example", "c.example"]
    resolver = fake_resolver({name: ["127.0.0.1"] for name in names})
    return make_fetcher(client, allow_hosts=names, resolver=resolver)


async def test_https_verifies_the_name_and_sends_it_as_sni(tls_web: WebServer, tls_client: httpx.AsyncClient) -> None:
    tls_web.route("/", ARTICLE)
    fetcher = tls_fetcher(tls_client)

    page_a = await fetcher.fetch(f"https://a.example:{tls_web.port}/")
    page_b = await fetcher.fetch(f"https://b.example:{tls_web.port}/")

    assert page_a.body == page_b.body == ARTICLE
    # Two handshakes: the second name did not ride on the connection verified for the first.
    assert tls_web.sni_names == ["a.example", "b.example"]
    assert [r.headers["host"] for r in tls_web.requests] == [
        f"a.example:{tls_web.port}",
        f"b.example:{tls_web.port}",
    ]


async def test_https_refuses_a_certificate_for_another_name(tls_web: WebServer, tls_client: httpx.AsyncClient) -> None:
    tls_web.route("/", ARTICLE)

    error = await refused(tls_fetcher(tls_client), f"https://c.example:{tls_web.port}/")

    assert error.reason.startswith("could not connect: ")
    assert "c.example" in error.reason or "certificate" in error.reason.lower()
    assert tls_web.requests == []
    assert len(tls_web.sni_names) == 1  # a certificate that does not fit is not tried again


# The address check on its own.


@pytest.mark.parametrize(
    "ip",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::5db8:d822", "::ffff:93.184.216.34"],
)
def test_public_addresses(ip: str) -> None:
    assert is_public_address(ip)
    assert address_problem(ip) is None


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2001:db8::1",
    ],
)
def test_non_public_addresses(ip: str) -> None:
    assert not is_public_address(ip)


# Text of a fetched page.


def test_text_uses_the_declared_charset() -> None:
    page = FetchedPage("http://x/", 200, "text/plain", "café".encode("latin-1"), "iso-8859-1")
    assert page.text() == "café"


def test_text_falls_back_to_meta_charset_then_utf8() -> None:
    meta = FetchedPage("http://x/", 200, "text/html", b'<meta charset="windows-1252">caf\xe9', None)
    unknown = FetchedPage("http://x/", 200, "text/html", "café".encode(), "x-no-such-charset")
    assert meta.text().endswith("café")
    assert unknown.text() == "café"
