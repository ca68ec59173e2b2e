"""A small project using directus-orm: models, settings-based configuration and a seeded Directus."""
