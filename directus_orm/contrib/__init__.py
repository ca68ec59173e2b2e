"""Optional integrations (each needs its extra: ``directus-orm[fastapi]`` ...)."""
