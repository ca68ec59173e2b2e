"""``python3 -m devtools demo`` runs this: start a local Directus, seed it, tour the ORM, serve the app.

    python3 -m example_project [--no-serve] [--port 8000]

With a Directus already running, set DIRECTUS_URL and DIRECTUS_TOKEN and it is used instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import Iterator

from directus_orm import Directus, connections


@contextlib.contextmanager
def _directus() -> Iterator[None]:
    if os.environ.get("DIRECTUS_URL"):
        yield
        return
    from directus_orm.testing.server import DirectusServer

    with DirectusServer() as server:
        os.environ["DIRECTUS_URL"] = server.url
        os.environ["DIRECTUS_TOKEN"] = server.admin_token
        print(f"Directus {server.version} running at {server.url}")
        print(f"  admin login: {server.admin_email} / {server.admin_password}")
        yield


async def _seed_and_tour() -> None:
    from .demo import tour
    from .seed import seed

    async with Directus(os.environ["DIRECTUS_URL"], token=os.environ["DIRECTUS_TOKEN"]) as conn:
        await seed(conn)
    await tour()
    await connections.aclose_all()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 -m example_project")
    parser.add_argument("--no-serve", action="store_true", help="run the tour and exit")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    os.environ.setdefault("DIRECTUS_SETTINGS_MODULE", "example_project.settings")
    with _directus():
        asyncio.run(_seed_and_tour())
        from .demo import sync_tour

        sync_tour()
        app_module = "example_project.app"
        try:
            import importlib.util

            has_app = importlib.util.find_spec(app_module) is not None
        except ImportError:
            has_app = False
        if args.no_serve or not has_app:
            return 0
        import signal
        import sys

        import uvicorn

        # uvicorn re-raises SIGTERM after its own shutdown; turn it into SystemExit so the `with` above
        # still stops the Directus child (which runs in its own session and would be left behind).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

        print(f"\nServing example_project.app on http://127.0.0.1:{args.port}/docs (Ctrl-C stops)")
        uvicorn.run(f"{app_module}:app", host="127.0.0.1", port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
