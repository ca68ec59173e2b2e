"""The tests docs/testing.md shows; docs/examples/testing_app.py runs them with pytest."""

# --8<-- [start:tests]
import pytest

from myapp.models import Ticket


@pytest.mark.directus_models([Ticket])          # a list: pytest would decorate a lone class
async def test_close_a_ticket(directus):
    ticket = await Ticket.objects.create(title="Printer on fire")
    ticket.open = False
    await ticket.save()
    assert await Ticket.objects.filter(open=True).count() == 0


@pytest.mark.directus_models([Ticket])
def test_sync_code_too(directus):
    Ticket.objects.sync.create(title="Coffee machine")
    assert Ticket.objects.filter(open=True).sync.count() == 1
# --8<-- [end:tests]
