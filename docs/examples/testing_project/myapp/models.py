"""The app under test in docs/examples/testing_app.py: one model."""

from directus_orm import DirectusModel


class Ticket(DirectusModel):
    id: int | None = None
    title: str
    open: bool = True

    class Meta:
        collection = "docs_testing_tickets"
