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

# example_project.app: where the per-request credentials may come from, besides the Bearer header.
DIRECTUS_FASTAPI = {
    "session_cookie": "directus_session_token",   # set by POST /login with mode "session"
    "access_cookie": "directus_access_token",     # an access token a front end keeps in a cookie
}
