"""One API process: `python -m services.api.serve [--fd N]`.

`factcheck run` starts several (FACTCHECK_API_PROCESSES) on the one port. It opens their listening
sockets itself, one per process, all bound with SO_REUSEPORT, and hands each process its own as `--fd`:
the kernel then spreads new connections evenly across the processes by address and port. (One socket
shared by all would not: whichever process wakes first takes the connection, and 16 keep-alive clients
were seen to land 16 on one process and none on the other.) The supervisor keeps the sockets open, so a
process started again after a crash serves the connections that waited meanwhile, and the port is never
free for another program in between.

Without `--fd` the process binds `--host`/`--port` (FACTCHECK_HOST:FACTCHECK_PORT by default) itself:
`make api`, docker-compose, the tests.
"""

from __future__ import annotations

import argparse
import socket

import uvicorn

from shared import logs
from shared.config import get_settings


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets listening on host:port together. Raises OSError when the port is taken, also by
    another `factcheck run` (whose SO_REUSEPORT sockets this one could otherwise silently join)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    socket.create_server((host, port), family=family).close()  # a plain bind: fails on any taker
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sockets.append(socket.create_server((host, port), family=family, reuse_port=True, backlog=2048))
            sockets[-1].set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one API process.")
    parser.add_argument("--host", help="address to bind (default: FACTCHECK_HOST)")
    parser.add_argument("--port", type=int, help="port to bind (default: FACTCHECK_PORT)")
    parser.add_argument("--fd", type=int, help="serve on this inherited listening socket instead of binding")
    args = parser.parse_args(argv)
    settings = get_settings()
    config = uvicorn.Config(
        "services.api.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        access_log=False,  # every request is counted in /metrics; errors are logged by the app, once
        log_config=str(logs.CONFIG),
    )
    server = uvicorn.Server(config)
    server.run(sockets=[socket.socket(fileno=args.fd)] if args.fd is not None else None)


if __name__ == "__main__":
    main()
