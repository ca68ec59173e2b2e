# --8<-- [start:conftest]
pytest_plugins = ["directus_orm.testing.plugin"]
# --8<-- [end:conftest]
