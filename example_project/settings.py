"""Settings module for the example project (named by DIRECTUS_SETTINGS_MODULE=example_project.settings).

The URL and token come from the environment the demo sets after starting the local Directus.
"""

import os

DIRECTUS = {
    "default": {
        "url": os.environ.get("DIRECTUS_URL", "http://127.0.0.1:8055"),
        "token": os.environ.get("DIRECTUS_TOKEN", ""),
        "page_size": 200,
    },
}
