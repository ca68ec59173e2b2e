# The command lines docs/schema.md shows; docs/examples/schema_commands.py runs each of them.

# --8<-- [start:inspect]
directus-orm inspect                    # every user collection, to standard output
directus-orm inspect docs_schema_books -o models.py   # it and every collection it relates to
# --8<-- [end:inspect]

# --8<-- [start:migrate]
directus-orm migrate myapp.models --plan   # what would change; nothing is sent
directus-orm migrate myapp.models          # apply it, one request a step, with progress on stderr
directus-orm migrate myapp/models.py --prune --json
# --8<-- [end:migrate]

# --8<-- [start:check]
directus-orm check myapp.models            # exit 1 and one line per difference
directus-orm check myapp.models --json     # [{"drift": "field_missing", "collection": ..., "field": ...}]
# --8<-- [end:check]
