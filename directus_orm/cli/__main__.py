"""``python -m directus_orm.cli``: the same as the ``directus-orm`` console script."""

from .main import main

if __name__ == "__main__":
    raise SystemExit(main())
