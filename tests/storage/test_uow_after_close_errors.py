"""A unit of work's after-close work never hides the body's own error: when the body raised, a failure of that
work is logged by kind only and the body's error is what the caller gets (a 422 stays a 422, not a 500)."""

from __future__ import annotations

import logging

import pytest

from eenplan.domain.errors import ValidationFailed

SECRET_WORDS = "ZEGEL-9912-inhoud"


async def test_the_bodys_validation_error_leaves_and_the_after_close_failure_is_logged_by_kind(services, caplog):
    ran: list[str] = []

    async def failing_work() -> None:
        ran.append("failing")
        raise RuntimeError(SECRET_WORDS)

    async def later_work() -> None:
        ran.append("later")

    caplog.set_level(logging.ERROR, logger="eenplan.storage")
    with pytest.raises(ValidationFailed) as raised:
        async with services.plan._uow(write=True) as uow:
            uow.after_close(failing_work)
            uow.after_close(later_work)
            raise ValidationFailed.one("naam", "must not be empty")
    assert raised.value.problems[0].field == "naam"
    assert ran == ["failing", "later"]  # the rest of the work still runs
    logged = [r.getMessage() for r in caplog.records if r.name == "eenplan.storage"]
    assert any("RuntimeError" in m for m in logged), logged
    assert not any(SECRET_WORDS in m for m in logged)


async def test_without_an_error_of_the_body_the_after_close_failure_still_leaves(services):
    async def failing_work() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        async with services.plan._uow() as uow:
            uow.after_close(failing_work)
