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
byte is read, and one deadline covers all hops.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
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
    """Resolve with the operating system (non-blocking, via the event loop's thread pool)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))  # unique, in the OS's preferred order


# The fetcher.


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
    ) -> None:
        if client.trust_env:
            # An HTTP(S)_PROXY from the environment would make the proxy, not us, connect: no pinning.
            raise ValueError("the fetcher's client must not trust the environment; use new_http_client()")
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
        )

    async def fetch(self, url: str, *, accept: str | None = None) -> FetchedPage:
        """GET `url`, following redirects safely. Raises FetchError with a readable reason."""
        hops: list[str] = [url]  # the URL of each hop, so a timeout can say where it happened
        try:
            async with asyncio.timeout(self._timeout):
                return await self._follow(url, accept, hops)
        except TimeoutError:
            raise FetchError(f"timed out after {self._timeout} s", hops[-1]) from None

    async def _follow(self, url: str, accept: str | None, hops: list[str]) -> FetchedPage:
        current = _parse_url(url)
        # The allow list opens non-public hosts to URLs that name them, not to any public page that
        # redirects there: later hops may use it only if the first hop did.
        may_use_allow_list = self._is_allowed(current)
        for _ in range(self._max_redirects + 1):
            hops.append(str(current))
            request = await self._pinned_request(current, accept, may_use_allow_list)
            response = await self._send(request, current)
            try:
                location = _redirect_location(response, current)
                if location is None:
                    return await self._read(response, current)
            finally:
                await response.aclose()  # a redirect's body is never read
            current = location
        raise FetchError(f"too many redirects ({self._max_redirects})", str(current))

    async def _pinned_request(self, url: httpx.URL, accept: str | None, may_use_allow_list: bool) -> httpx.Request:
        """Check the host's addresses and build a request that connects to the one checked.

        httpx connects to whatever host is in the request URL, so the URL gets the checked IP address;
        the server still sees the real name in the Host header, and for https the TLS handshake sends the
        name as SNI (the `sni_hostname` extension) and verifies the certificate against the name.
        """
        ip = await self._checked_address(url, may_use_allow_list)
        headers = {
            "Host": url.netloc.decode("ascii"),  # name[:port], exactly as httpx would have sent it
            "User-Agent": self._user_agent,
            "Accept": accept or self._accept,
            "Accept-Encoding": "gzip, deflate",  # what _Decoder undoes (httpx would add br/zstd if installed)
        }
        extensions = {}
        if url.scheme == "https":
            extensions["sni_hostname"] = url.raw_host.decode("ascii")
            # The connection pool is keyed by (scheme, IP, port), not by name: a kept-alive connection
            # verified for a.example could otherwise carry a request for b.example on the same IP.
            headers["Connection"] = "close"
        return self._client.build_request(
            "GET",
            url.copy_with(host=ip),
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
        # Retries with backoff on 429/5xx and connect errors belong here, in a later change: one hop,
        # same pinned request, within the total deadline that `fetch` already enforces.
        try:
            return await self._client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectTimeout:
            raise FetchError(f"connect timed out after {self._request_timeout.connect} s", str(url)) from None
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self._timeout} s", str(url)) from None
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


def new_http_client(*, verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    """The one way the process creates its shared HTTP client (for SafeFetcher and nothing unsafe).

    trust_env=False: never use proxies or certificates from environment variables (a proxy would make
    the connection, defeating address pinning). follow_redirects=False: the fetcher checks every hop.
    No cookies are kept: the client is shared by unrelated fetches, and requests go to pinned IP
    addresses, so a cookie jar would mix sites. `verify` exists for tests (an SSLContext with a test CA).
    """
    return httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        http2=False,  # one request per connection at a time (see SafeFetcher._pinned_request on pooling)
        verify=verify,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=10, keepalive_expiry=15.0),
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


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
