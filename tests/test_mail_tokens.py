"""Mail link tokens: signed, bound to the address, and (for confirmations) expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.errors import Invalid
from cms.models import utcnow
from cms.services import mail_tokens


def test_a_confirmation_token_works_for_its_address_until_it_expires() -> None:
    now = utcnow()
    token = mail_tokens.confirm_token("k", subscriber_id=7, address_key="a@example.org", now=now, days=7)
    parsed = mail_tokens.parse(token, "c")
    mail_tokens.verify("k", parsed, address_key="a@example.org", now=now)
    for secret, address, when in (
        ("other", "a@example.org", now),
        ("k", "b@example.org", now),  # the same id given to someone else later
        ("k", "a@example.org", now + timedelta(days=7, seconds=1)),
    ):
        with pytest.raises(Invalid):
            mail_tokens.verify(secret, parsed, address_key=address, now=when)


def test_an_unsubscribe_token_names_its_lists_and_cannot_be_altered() -> None:
    token = mail_tokens.unsubscribe_token("k", subscriber_id=3, address_key="a@example.org", list_ids=[5, 2])
    parsed = mail_tokens.parse(token, "u")
    assert parsed.list_ids == [2, 5]
    mail_tokens.verify("k", parsed, address_key="a@example.org", now=utcnow())
    widened = token.replace(".2-5.", ".all.")
    with pytest.raises(Invalid):
        mail_tokens.verify("k", mail_tokens.parse(widened, "u"), address_key="a@example.org", now=utcnow())
    every = mail_tokens.unsubscribe_token("k", subscriber_id=3, address_key="a@example.org")
    assert mail_tokens.parse(every, "u").list_ids is None


@pytest.mark.parametrize("bad", ["", "u.1.all", "c.1.all.AAAAAAAAAAAAAAAAAAAAAA", "x" * 2000, "u.0.all.abc"])
def test_malformed_tokens_are_refused_before_anything_is_read(bad: str) -> None:
    for purpose in ("c", "u"):
        with pytest.raises(Invalid):
            mail_tokens.parse(bad, purpose)
    with pytest.raises(Invalid):  # a confirmation token is not an unsubscribe token
        mail_tokens.parse(mail_tokens.unsubscribe_token("k", subscriber_id=1, address_key="a@b.org"), "c")
