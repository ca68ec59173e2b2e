"""``python -m directus_orm.testing provision|run``: see :func:`directus_orm.testing.server.main`."""

from .server import main

if __name__ == "__main__":
    raise SystemExit(main())
