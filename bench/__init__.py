"""The benchmark suite of issue 7: directus-orm against raw httpx and py-directus (see README.md)."""
