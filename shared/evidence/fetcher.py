"""The one SSRF-safe way this service fetches a URL.

Evidence URLs come from search results and from article text, so they are attacker-controlled. A fetch
must never reach the cloud metadata service, the database, or anything else on a private network, and
must never let a slow or huge response tie up a worker. Every hop of a fetch therefore:

1. accepts only http(s) URLs;
2. resolves the host name ONCE and refuses unless every address is public (unless the host is
   allow-listed);
3. connects to the very address it checked ("pinning"), so a DNS answer that changes between the check
   and the connect (DNS rebinding) cannot redirect the connection;
4. follows redirects by hand, so each new location goes through steps 1-3 again.

Bodies are streamed and counted after decompression, content types are allow-listed before any body
byte is read, and one deadline covers all hops, retries, and the waits for a free slot.

Politeness and resilience: a fetcher lets at most `concurrency` requests be in flight at once, and at most
`per_host` to one host name. A 429 or 5xx answer, or a connection that is refused or reset, is tried
again (all fetches are idempotent GETs) up to `retries` times per fetch, after the server's Retry-After
or else an exponential backoff with jitter, but never past the deadline.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import math
import random
import re
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from shared.config import Settings

DEFAULT_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/json",
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
    }
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# 5xx answers that say "this will not change": trying again is pointless.
_PERMANENT_5XX = frozenset({501, 505})
_MAX_BACKOFF = 10.0  # seconds: the longest wait between tries when the server gives no Retry-After

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""host, port -> the IP addresses (as strings) to check and connect to."""

_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # embeds an IPv4 address in the last 32 bits


class FetchError(Exception):
    """A fetch failed; `reason` is a sentence a person can read, `url` the URL of the failing hop."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason} [{url}]")
        self.reason = reason
        self.url = url


@dataclass(frozen=True)
class FetchedPage:
    url: str  # the final URL, after redirects, with the host name (not the pinned address)
    status: int
    content_type: str  # the media type only, lower-case, e.g. "text/html"
    body: bytes  # decompressed
    encoding: str | None  # the charset the server declared, if any

    def text(self) -> str:
        """The body as text: declared charset, else a <meta charset> in HTML, else UTF-8; never raises."""
        encoding = self.encoding or _sniff_meta_charset(self.body) or "utf-8"
        try:
            return self.body.decode(encoding, errors="replace")
        except LookupError:  # a charset name Python does not know
            return self.body.decode("utf-8", errors="replace")


# Addresses.


def address_problem(ip: str | IPAddress) -> str | None:
    """Why `ip` must not be fetched ("a private address", ...), or None if it is a public address.

    Addresses that embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
    2002::/16) are judged by the embedded address, since that is where the packets end up.
    """
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            problem = address_problem(embedded)
            return None if problem is None else f"{problem} (embeds {embedded})"
    for kind, matches in _NOT_PUBLIC:
        if matches(ip):
            return kind
    return None


def is_public_address(ip: str | IPAddress) -> bool:
    return address_problem(ip) is None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


# Checked in order; the first that matches names the problem. The last one catches every remaining
# special-purpose range (documentation, benchmarking, ...) that Python knows is not globally reachable.
_NOT_PUBLIC: list[tuple[str, Callable[[IPAddress], bool]]] = [
    ("an unspecified address", lambda ip: ip.is_unspecified),
    ("a loopback address", lambda ip: ip.is_loopback),
    ("a link-local address", lambda ip: ip.is_link_local),
    ("a multicast address", lambda ip: ip.is_multicast),
    ("a shared (carrier-grade NAT) address", lambda ip: ip in _SHARED_ADDRESS_SPACE),
    ("a private address", lambda ip: ip.is_private),
    ("a site-local address", lambda ip: isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
    ("a reserved address", lambda ip: ip.is_reserved),
    ("not a public address", lambda ip: not ip.is_global),
]


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system, in a thread of the default pool (min(32, cores + 4) threads), as asyncio's
    own ``loop.getaddrinfo`` does: uvloop's, the worker's loop, would queue every lookup for libuv's pool of 4."""
    call = functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    infos = await asyncio.get_running_loop().run_in_executor(None, call)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))  # unique, in the OS's preferred order


# The fetcher.


@dataclass
class _Progress:
    """Where one fetch is: what a timeout reports, and what is left of its budgets."""

    url: str  # the current hop
    deadline: float  # event-loop time by which the whole fetch must end
    retries_left: int
    waiting_for: str | None = None  # set while queued for a slot, so a timeout there can say so


class _Transient(Exception):
    """A failure that may go away if tried again: a 429 or 5xx answer, or a refused or reset connection."""

    def __init__(self, what: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(what + detail)
        self.what = what  # "HTTP 503", "could not connect"
        self.detail = detail  # ": [Errno 111] Connection refused"
        self.retry_after = retry_after  # seconds the server asked us to wait, if it did

    def reason(self, tries: int, gave_up: str | None = None) -> str:
        after = f" after {tries} tries" if tries > 1 else ""
        why = f" (gave up: {gave_up})" if gave_up else ""
        return f"{self.what}{after}{self.detail}{why}"


@dataclass
class _HostSlots:
    semaphore: asyncio.Semaphore
    users: int = 0  # fetches holding or waiting for one of this host's slots


@dataclass
class _Slots:
    """At most `total` requests in flight at once, and at most `per_host` to one host name."""

    total: int
    per_host: int
    _all: asyncio.Semaphore = field(init=False)
    # Only hosts in use: an entry is dropped when its last user leaves, so the map never grows for ever.
    _hosts: dict[str, _HostSlots] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._all = asyncio.Semaphore(self.total)

    @asynccontextmanager
    async def hold(self, host: str, progress: _Progress) -> AsyncIterator[None]:
        # The host's slot first, then one of all: a fetch queued behind a busy host holds none of the
        # global slots meanwhile, so one slow host cannot starve the others. A fetch holds at most one
        # host's slot at a time (it lets go between hops and between tries), so there is no deadlock.
        entry = self._hosts.get(host)
        if entry is None:
            entry = self._hosts[host] = _HostSlots(asyncio.Semaphore(self.per_host))
        entry.users += 1
        try:
            progress.waiting_for = f"a free slot for {host}"
            async with entry.semaphore:
                progress.waiting_for = "a free fetch slot"
                async with self._all:
                    progress.waiting_for = None
                    yield
        finally:
            # waiting_for is left as it is: a timeout that struck while waiting reports it.
            entry.users -= 1
            if entry.users == 0:
                del self._hosts[host]


async def url_problem(url: str, allow_hosts: Iterable[str], resolver: Resolver | None = None) -> str | None:
    """Why `url` may not be sent to (not http(s), a host that is not public and not allowed), else None.

    For URLs stored now and fetched later (webhook subscriptions): the fetcher checks again when it sends,
    since a name may resolve elsewhere by then.
    """
    try:
        parsed = _parse_url(url)
    except FetchError as e:
        return e.reason
    raw_host = parsed.raw_host.decode("ascii")
    if {_normalise_host(parsed.host), _normalise_host(raw_host)} & {_normalise_host(h) for h in allow_hosts}:
        return None
    literal = _ip_literal(raw_host)
    try:
        answers = (
            [literal]
            if literal
            else await (resolver or system_resolver)(raw_host, parsed.port or _default_port(parsed))
        )
        addresses = [_canonical(ipaddress.ip_address(a)) for a in answers]
    except (OSError, ValueError, UnicodeError):
        addresses = []
    if not addresses:
        return f"could not resolve host: {raw_host}"
    for ip in addresses:
        problem = address_problem(ip)
        if problem is not None:
            return f"{raw_host} is {problem}" if literal else f"{raw_host} resolves to {ip}, which is {problem}"
    return None


class SafeFetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_hosts: Iterable[str] = (),
        max_bytes: int,
        timeout: float,
        connect_timeout: float,
        max_redirects: int,
        user_agent: str,
        content_types: Iterable[str] = DEFAULT_CONTENT_TYPES,
        resolver: Resolver | None = None,
        concurrency: int = 32,
        per_host: int = 4,
        retries: int = 2,
        retry_backoff: float = 0.25,
    ) -> None:
        if client.trust_env:
            # An HTTP(S)_PROXY from the environment would make the proxy, not us, connect: no pinning.
            raise ValueError("the fetcher's client must not trust the environment; use new_http_client()")
        if concurrency < 1 or per_host < 1 or retries < 0 or retry_backoff < 0:
            raise ValueError("concurrency and per_host must be at least 1, retries and retry_backoff at least 0")
        self._client = client
        self._allow_hosts = frozenset(_normalise_host(h) for h in allow_hosts)
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._max_redirects = max_redirects
        self._user_agent = user_agent
        self._content_types = frozenset(t.lower() for t in content_types)
        self._resolver = resolver or system_resolver
        self._accept = ", ".join(sorted(self._content_types)) + ";q=0.9, */*;q=0.1"
        # The total deadline is enforced by `fetch`; these bound each single connect and read.
        self._request_timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._slots = _Slots(concurrency, per_host)  # one fetcher per worker process: the limits are its
        self._retries = retries
        self._retry_backoff = retry_backoff  # the first retry's delay (before jitter); doubles each time

    @classmethod
    def from_settings(
        cls, client: httpx.AsyncClient, settings: Settings, resolver: Resolver | None = None
    ) -> SafeFetcher:
        return cls(
            client,
            allow_hosts=settings.fetch_allow_hosts,
            max_bytes=settings.fetch_max_bytes,
            timeout=settings.fetch_timeout_seconds,
            connect_timeout=settings.fetch_connect_timeout_seconds,
            max_redirects=settings.fetch_max_redirects,
            user_agent=settings.fetch_user_agent,
            resolver=resolver,
            concurrency=settings.fetch_concurrency,
            per_host=settings.fetch_per_host,
            retries=settings.fetch_retries,
        )

    async def fetch(self, url: str, *, accept: str | None = None) -> FetchedPage:
        """GET `url`, following redirects safely. Raises FetchError with a readable reason.

        One deadline (`timeout`) covers everything: waiting for a slot, every hop, every retry and the
        waits between them.
        """
        deadline = asyncio.get_running_loop().time() + self._timeout
        progress = _Progress(url, deadline, self._retries)
        try:
            async with asyncio.timeout_at(deadline):
                return await self._follow(url, accept, progress)
        except TimeoutError:
            waiting = f" waiting for {progress.waiting_for}" if progress.waiting_for else ""
            raise FetchError(f"timed out after {self._timeout} s{waiting}", progress.url) from None

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, timeout: float | None = None
    ) -> tuple[int, float | None]:
        """POST `body` to `url` once: (status, Retry-After in seconds or None). Raises FetchError.

        For webhook deliveries: the address is checked as for a GET, redirects are not followed (the
        status is returned as it is), nothing is retried here (the caller's schedule retries) and the
        answer's body is not read. `timeout` (else the fetcher's) bounds the whole of it.
        """
        current = _parse_url(url)
        timeout = timeout or self._timeout
        try:
            async with asyncio.timeout(timeout):
                ip = await self._checked_address(current, self._is_allowed(current))
                request = self._pinned_request(current, ip, None, method="POST", content=body, headers=headers)
                response = await self._send(request, current)
                await response.aclose()
        except TimeoutError:
            raise FetchError(f"timed out after {timeout} s", url) from None
        except _Transient as failure:
            raise FetchError(failure.reason(1), url) from None
        return response.status_code, _retry_after(response.headers.get("retry-after"))

    async def _follow(self, url: str, accept: str | None, progress: _Progress) -> FetchedPage:
        current = _parse_url(url)
        # The allow list opens non-public hosts to URLs that name them, not to any public page that
        # redirects there: later hops may use it only if the first hop did.
        may_use_allow_list = self._is_allowed(current)
        for _ in range(self._max_redirects + 1):
            progress.url = str(current)
            # Resolved and checked once per hop, before queueing for a slot (a blocked URL waits for
            # nothing); every try of the hop connects to this same address.
            ip = await self._checked_address(current, may_use_allow_list)
            outcome = await self._hop(current, ip, accept, progress)
            if isinstance(outcome, FetchedPage):
                return outcome
            current = outcome
        raise FetchError(f"too many redirects ({self._max_redirects})", str(current))

    async def _hop(self, url: httpx.URL, ip: str, accept: str | None, progress: _Progress) -> FetchedPage | httpx.URL:
        """The page at `url`, or where it redirects to, trying again on a transient failure.

        Retrying is safe because every request is an idempotent GET. Slots are let go between tries, so
        a fetch waiting out a Retry-After holds none.
        """
        host = _normalise_host(url.raw_host.decode("ascii"))
        tries = 0
        while True:
            tries += 1
            try:
                async with self._slots.hold(host, progress):
                    return await self._try(url, ip, accept)
            except _Transient as failure:
                delay = self._delay_before_retry(failure, tries, progress, url)
            await asyncio.sleep(delay)

    def _delay_before_retry(self, failure: _Transient, tries: int, progress: _Progress, url: httpx.URL) -> float:
        """How long to wait before trying again; raises FetchError if the fetch should give up instead."""
        if progress.retries_left <= 0:
            raise FetchError(failure.reason(tries), str(url))
        time_left = progress.deadline - asyncio.get_running_loop().time()
        if failure.retry_after is not None:
            delay = failure.retry_after
            if delay >= time_left:
                gave_up = f"Retry-After {math.ceil(delay)} s is past the time limit"
                raise FetchError(failure.reason(tries, gave_up), str(url))
        else:
            # Exponential backoff with jitter, so that fetches that failed together do not retry together.
            ceiling = min(_MAX_BACKOFF, self._retry_backoff * 2 ** (tries - 1))
            delay = ceiling / 2 + random.uniform(0, ceiling / 2)
            if delay >= time_left:
                raise FetchError(failure.reason(tries, "no time left to try again"), str(url))
        progress.retries_left -= 1
        return delay

    async def _try(self, url: httpx.URL, ip: str, accept: str | None) -> FetchedPage | httpx.URL:
        """One request: the page, or the next hop. Raises _Transient for what may be worth another try."""
        response = await self._send(self._pinned_request(url, ip, accept), url)
        try:
            status = response.status_code
            if status == 429 or (500 <= status <= 599 and status not in _PERMANENT_5XX):
                raise _Transient(f"HTTP {status}", retry_after=_retry_after(response.headers.get("retry-after")))
            location = _redirect_location(response, url)
            if location is None:
                return await self._read(response, url)
            return location
        finally:
            await response.aclose()  # a redirect's or a failure's body is never read

    def _pinned_request(
        self,
        url: httpx.URL,
        ip: str,
        accept: str | None,
        *,
        method: str = "GET",
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Request:
        """A request for `url` that connects to `ip`, the address that was checked.

        httpx connects to whatever host is in the request URL, so the URL gets the checked IP address;
        the server still sees the real name in the Host header, and for https the TLS handshake sends the
        name as SNI (the `sni_hostname` extension) and verifies the certificate against the name.
        """
        headers = {
            "Host": url.netloc.decode("ascii"),  # name[:port], exactly as httpx would have sent it
            "User-Agent": self._user_agent,
            "Accept": accept or self._accept,
            "Accept-Encoding": "gzip, deflate",  # what _Decoder undoes (httpx would add br/zstd if installed)
            **(headers or {}),
        }
        extensions = {}
        if url.scheme == "https":
            extensions["sni_hostname"] = url.raw_host.decode("ascii")
            # The connection pool is keyed by (scheme, IP, port), not by name: a kept-alive connection
            # verified for a.example could otherwise carry a request for b.example on the same IP.
            headers["Connection"] = "close"
        return self._client.build_request(
            method,
            url.copy_with(host=ip),
            content=content,
            headers=headers,
            timeout=self._request_timeout,
            extensions=extensions,
        )

    async def _checked_address(self, url: httpx.URL, may_use_allow_list: bool) -> str:
        """Resolve the host once; refuse unless every address is public. Returns the address to use."""
        host = url.raw_host.decode("ascii")
        literal = _ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            addresses = await self._resolve(host, url.port or _default_port(url), url)
        if not (may_use_allow_list and self._is_allowed(url)):
            for ip in addresses:
                problem = address_problem(ip)
                if problem is not None:
                    who = host if literal is not None else f"{host} resolves to {ip}, which"
                    raise FetchError(f"blocked: {who} is {problem}", str(url))
        return str(addresses[0])

    def _is_allowed(self, url: httpx.URL) -> bool:
        # Both spellings of an international name (Unicode and xn--) may appear in the setting.
        names = {_normalise_host(url.host), _normalise_host(url.raw_host.decode("ascii"))}
        return not names.isdisjoint(self._allow_hosts)

    async def _resolve(self, host: str, port: int, url: httpx.URL) -> list[IPAddress]:
        try:
            answers = await self._resolver(host, port)
            addresses = [_canonical(ipaddress.ip_address(a)) for a in answers]
        except (OSError, ValueError, UnicodeError):
            addresses = []
        if not addresses:
            raise FetchError(f"could not resolve host: {host}", str(url))
        return addresses

    async def _send(self, request: httpx.Request, url: httpx.URL) -> httpx.Response:
        try:
            return await self._client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectTimeout:
            raise FetchError(f"connect timed out after {self._request_timeout.connect} s", str(url)) from None
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self._timeout} s", str(url)) from None
        except (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
            # Refused, reset, or closed before answering: maybe worth another try. A TLS failure (a bad
            # certificate, a wrong name) is not: it will fail the same way again.
            if _caused_by(exc, ssl.SSLError):
                raise FetchError(f"could not connect: {_describe(exc)}", str(url)) from None
            raise _Transient("could not connect", f": {_describe(exc)}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"could not connect: {_describe(exc)}", str(url)) from None
        except httpx.InvalidURL:
            # httpx prepares the next request of a redirect even when not following it, and fails on
            # some Locations (e.g. "javascript:alert(1)"); the Location is gone with the response.
            raise FetchError("redirect to an invalid or non-http(s) URL", str(url)) from None

    async def _read(self, response: httpx.Response, url: httpx.URL) -> FetchedPage:
        if not 200 <= response.status_code < 300:
            raise FetchError(f"HTTP {response.status_code}", str(url))
        media_type, charset = _parse_content_type(response.headers.get("content-type", ""))
        if media_type not in self._content_types:
            raise FetchError(f"unsupported content type: {media_type or 'none given'}", str(url))
        body = await self._read_capped(response, url)
        return FetchedPage(str(url), response.status_code, media_type, body, charset)

    async def _read_capped(self, response: httpx.Response, url: httpx.URL) -> bytes:
        too_large = FetchError(f"too large: more than {self._max_bytes} bytes", str(url))
        decoder = _Decoder.for_response(response, url)
        # An uncompressed body that announces its size can be refused before reading it. A compressed
        # one cannot: the count that matters is after decompression.
        declared = response.headers.get("content-length", "")
        if decoder.identity and declared.isdigit() and int(declared) > self._max_bytes:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        try:
            async for raw in response.aiter_raw():
                # Never inflate more than one byte past the cap, so a gzip bomb costs no memory.
                chunk = decoder.decode(raw, self._max_bytes - size + 1)
                size += len(chunk)
                if size > self._max_bytes:
                    raise too_large
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self._timeout} s", str(url)) from None
        except zlib.error:
            raise FetchError("could not decompress the response", str(url)) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"connection failed while reading: {_describe(exc)}", str(url)) from None
        return b"".join(chunks)


class _Decoder:
    """Undoes a gzip or deflate Content-Encoding, producing at most the bytes asked for per chunk.

    httpx's own decoding (`aiter_bytes`) inflates each 64 KB network read in full, which for a gzip
    bomb is about 64 MB at once (we measured a 150 MB peak for a 100 KB bomb against a 1 MB cap).
    Bounding zlib's output keeps a bomb as cheap as any other too-large body.
    """

    def __init__(self, encoding: str) -> None:
        self.identity = encoding in ("", "identity")
        self._deflate = encoding == "deflate"
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._zlib = None if self.identity else zlib.decompressobj(wbits)

    @classmethod
    def for_response(cls, response: httpx.Response, url: httpx.URL) -> _Decoder:
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported content encoding: {encoding}", str(url))
        return cls(encoding)

    def decode(self, data: bytes, max_length: int) -> bytes:
        """Up to `max_length` (> 0) bytes of output. Any input left over means the output went on."""
        if self._zlib is None:
            return data
        if self._deflate:
            # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate; tell by trying.
            self._deflate = False
            try:
                return self._zlib.decompress(data, max_length)
            except zlib.error:
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        return self._zlib.decompress(data, max_length)


def new_http_client(*, connections: int = 50, verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    """The one way the process creates its shared HTTP client (for SafeFetcher and nothing unsafe).

    trust_env=False: never use proxies or certificates from environment variables (a proxy would make
    the connection, defeating address pinning). follow_redirects=False: the fetcher checks every hop.
    No cookies are kept: the client is shared by unrelated fetches, and requests go to pinned IP
    addresses, so a cookie jar would mix sites. `verify` exists for tests (an SSLContext with a test CA).
    `connections`: at least as many as the process may have requests in flight (fetches and webhook deliveries);
    with fewer, the rest wait for one inside their own time cap. Each may be kept alive for the next request.
    """
    return httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        http2=False,  # one request per connection at a time (see SafeFetcher._pinned_request on pooling)
        verify=verify,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=15.0),
        timeout=httpx.Timeout(10.0, connect=3.0),
    )


# Small helpers.


def _parse_url(raw: str, *, as_written: str | None = None) -> httpx.URL:
    """`raw` as an http(s) URL with a host; `as_written` is what error messages quote (a Location)."""
    shown = as_written if as_written is not None else raw
    shown = shown if len(shown) <= 200 else shown[:200] + "..."
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError(f"not a valid URL: {shown}", raw) from None
    if url.scheme not in ("http", "https"):
        raise FetchError(f"not http(s): {shown}", raw)
    if not url.raw_host:
        raise FetchError(f"no host in URL: {shown}", raw)
    return url


def _redirect_location(response: httpx.Response, current: httpx.URL) -> httpx.URL | None:
    """The next hop if `response` is a redirect (relative locations resolve against the current URL)."""
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("location")
    if not location:
        raise FetchError(f"HTTP {response.status_code} without a Location header", str(current))
    try:
        target = current.join(location)
    except (httpx.InvalidURL, ValueError):
        raise FetchError(f"redirect to an invalid URL: {location[:200]}", str(current)) from None
    return _parse_url(str(target), as_written=location)


def _normalise_host(host: str) -> str:
    """Lower-case, no brackets, no trailing dot; IP addresses in their canonical form."""
    host = host.strip().lower().strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return _canonical(ipaddress.ip_address(host))
    except ValueError:
        return None


def _canonical(ip: IPAddress) -> IPAddress:
    """Drop an IPv6 scope (fe80::1%eth0) and unwrap ::ffff:a.b.c.d, so checks and connects are simple."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped  # connect over IPv4: works without a dual-stack socket
        if ip.scope_id:
            return ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    return ip


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _parse_content_type(value: str) -> tuple[str, str | None]:
    media_type, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'") or None
    return media_type.strip().lower(), charset


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _sniff_meta_charset(body: bytes) -> str | None:
    if body.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    match = _META_CHARSET.search(body[:2048])
    return match.group(1).decode("ascii") if match else None


def _retry_after(value: str | None) -> float | None:
    """The seconds a Retry-After header asks for (a number of seconds or an HTTP date), None if unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return min(float(value), 1e9)  # float() takes any length; no absurd numbers past here
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": HTTP dates are in GMT anyway
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether `exc` or any exception it was raised from or during is a `kind`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
