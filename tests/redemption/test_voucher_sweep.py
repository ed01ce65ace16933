"""Every voucher of ours can be found: the hold stores its voucher's code before Saleor is asked for it,
so the scheduled jobs find an ended hold's voucher by id, or by that code when Saleor's answer to
voucherCreate was lost (such a voucher has no id on our side and no metadata tag either), and delete it
even when the outbox message that should have deleted it is gone. Once Saleor confirms a hold's voucher
gone, the hold says so and the sweep never asks about it again."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.jobs.doctor import find_problems
from app.outbox.models import OutboxMessage
from app.redemption.lifecycle import DELETE_VOUCHER
from app.redemption.sweeps import SWEEP_GRACE
from app.settings import Settings
from tests.fake_saleor import FakeSaleor
from tests.redemption.conftest import Worker, give_points, holds, points
from tests.redemption.test_failures import inject, lojal_vouchers
from tests.redemption.test_paths import redeem

REDEMPTIONS = 4


async def lose_outbox_messages(database: Database) -> int:
    """The voucher deletions the outbox owes, lost (a restored backup, a bug, an operator's DELETE)."""
    async with database.transaction() as session:
        lost = await session.execute(
            sa.delete(OutboxMessage).where(OutboxMessage.kind == DELETE_VOUCHER).returning(OutboxMessage.id)
        )
        return len(list(lost.scalars()))


def searches(saleor: FakeSaleor) -> int:
    return [name for name, _ in saleor.calls].count("LojalVoucherSearch")


class TestVouchersFoundByCode:
    @pytest.mark.parametrize("how", ["voucher_create_answer_lost", "tag_and_deletion_failed"])
    async def test_no_voucher_of_ours_survives_the_jobs_even_without_the_outbox(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        how: str,
    ) -> None:
        await give_points(client, installed, 1000)
        for _ in range(REDEMPTIONS):
            checkout_id = installed.add_checkout()
            if how == "voucher_create_answer_lost":
                # Saleor makes the voucher but Lojal never learns its id: untagged, unknown to the tag sweep.
                inject(installed, settings, "LojalVoucherCreate", "lost_response")
            else:
                # Lojal knows the id but the tag write fails, and so does the immediate deletion.
                inject(installed, settings, "LojalUpdateMetadata", "http_500")
                inject(installed, settings, "LojalVoucherDelete", "http_500")
            assert (await redeem(client, installed, checkout_id, points=100)).status_code == 502
        orphans = lojal_vouchers(installed)
        assert len(orphans) == REDEMPTIONS
        assert all(voucher["metadata"] == {} for voucher in orphans)  # no tag: invisible to the tag sweep
        released = await holds(database)
        assert [hold.status for hold in released] == ["released"] * REDEMPTIONS
        assert all(hold.voucher_gone_at is None for hold in released)
        assert all((hold.voucher_id is None) == (how == "voucher_create_answer_lost") for hold in released)
        assert await lose_outbox_messages(database) == REDEMPTIONS

        # Right after: a voucherCreate whose answer was lost may still be under way, so nothing is decided.
        report = await worker.jobs()
        assert report["hold_vouchers_deleted"] == 0
        assert len(lojal_vouchers(installed)) == REDEMPTIONS

        clock.travel(SWEEP_GRACE + timedelta(minutes=1))
        report = await worker.jobs()

        assert report["hold_vouchers_deleted"] == REDEMPTIONS
        assert lojal_vouchers(installed) == []
        assert all(hold.voucher_gone_at is not None for hold in await holds(database))
        asked = searches(installed)
        assert asked == (REDEMPTIONS if how == "voucher_create_answer_lost" else 0)
        again = await worker.jobs()  # confirmed gone: Saleor is not asked about them again
        assert again["hold_vouchers_deleted"] == 0
        assert searches(installed) == asked
        state = await points(client, installed)
        assert (state["available"], state["held"]) == (1000, 0)
        assert await find_problems(database) == []

    async def test_the_outbox_deleting_a_voucher_marks_its_hold(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
    ) -> None:
        await give_points(client, installed, 1000)
        inject(installed, settings, "LojalVoucherCreate", "lost_response")
        assert (await redeem(client, installed, installed.add_checkout(), points=100)).status_code == 502
        await worker.drain()  # finds the voucher by code and deletes it
        assert lojal_vouchers(installed) == []
        [hold] = await holds(database)
        assert hold.voucher_gone_at is not None
        clock.travel(SWEEP_GRACE + timedelta(minutes=1))
        asked = searches(installed)
        assert (await worker.jobs())["hold_vouchers_deleted"] == 0
        assert searches(installed) == asked  # nothing left to look for

    async def test_a_search_that_finds_nothing_yet_is_not_taken_as_proof(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
    ) -> None:
        """voucherCreate timed out before Saleor did anything: the outbox's search finds nothing, which
        could also mean the voucher is still being made; the sweep confirms it after the grace."""
        await give_points(client, installed, 1000)
        inject(installed, settings, "LojalVoucherCreate", "timeout")
        assert (await redeem(client, installed, installed.add_checkout(), points=100)).status_code == 502
        await worker.drain()
        [hold] = await holds(database)
        assert hold.voucher_gone_at is None
        clock.travel(SWEEP_GRACE + timedelta(minutes=1))
        assert (await worker.jobs())["hold_vouchers_deleted"] == 0
        [hold] = await holds(database)
        assert hold.voucher_gone_at is not None

    async def test_a_hold_whose_deletion_the_outbox_still_owes_is_left_to_it(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
    ) -> None:
        """The outbox takes the code off the checkout before deleting the voucher; the sweep must not
        delete the voucher first."""
        await give_points(client, installed, 1000)
        inject(installed, settings, "LojalVoucherCreate", "lost_response")
        assert (await redeem(client, installed, installed.add_checkout(), points=100)).status_code == 502
        clock.travel(SWEEP_GRACE + timedelta(minutes=1))
        await worker.jobs()  # before the worker got to its outbox message
        [hold] = await holds(database)
        assert hold.voucher_gone_at is None
        assert searches(installed) == 0
        assert len(lojal_vouchers(installed)) == 1
        await worker.drain()
        assert lojal_vouchers(installed) == []
        [hold] = await holds(database)
        assert hold.voucher_gone_at is not None
