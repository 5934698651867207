"""Publishing a planned broadcast to YouTube (``streamer plan publish``).

The scheduled broadcast is created with ``liveBroadcasts.insert`` on the channel
the OAuth token belongs to, and the returned video id is stored on the plan's
YouTube target, so the collector matches the stream by id, not by time. The 50
units it costs go into the quota ledger under ``oauth``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import httpx

import schedules
from collectors.youtube import YouTubeAdapter, load_user_credentials
from collectors.youtube_quota import quota_day
from streamer.clock import Clock
from streamer.config import Config
from streamer.errors import UserError
from streamer.models import Broadcast, BroadcastStatus, Target
from streamer.store import CycleWrite, Store

INSERT_UNITS = 50


def publish(
    config: Config, store: Store, broadcast_id: str, privacy: str, clock: Clock
) -> tuple[Broadcast, str]:
    """Create the broadcast on YouTube; returns the updated broadcast and the video id."""
    item = schedules.stored(store, broadcast_id)
    target = _pending_target(item)
    youtube = config.platforms["youtube"]
    if youtube.oauth_token_file is None:
        raise UserError(
            "publishing needs OAuth: set platforms.youtube.oauth_token_file to an "
            "authorized-user token file"
        )
    credentials = load_user_credentials(youtube.oauth_token_file)
    timeout = config.collector.request_timeout
    with httpx.Client(timeout=timeout) as unused_feed_client:
        adapter = YouTubeAdapter(
            [], rss_client=unused_feed_client, api_endpoint=youtube.api_endpoint,
            timeout=timeout, clock=clock, require_keys=False,
        )  # fmt: skip
        try:
            video_id = adapter.publish(item.title, item.start, privacy, credentials)
        finally:
            adapter.close()
        store.commit_cycle(CycleWrite(quota={(quota_day(clock.now()), "oauth"): INSERT_UNITS}))
    updated = store.change_plan(lambda plan: [_with_video(plan, broadcast_id, target, video_id)])
    return updated[0], video_id


def _pending_target(item: Broadcast) -> Target:
    if item.status is not BroadcastStatus.PLANNED:
        raise UserError(f"broadcast {item.id} is {item.status.value}; only planned ones publish")
    targets = [t for t in item.targets if t.platform == "youtube"]
    if not targets:
        raise UserError(f"broadcast {item.id} has no YouTube target; add one to publish it")
    for target in targets:
        if target.external_id is None:
            return target
    raise UserError(f"broadcast {item.id} is already published as {targets[0].external_id}")


def _with_video(
    plan: Mapping[str, Broadcast], broadcast_id: str, target: Target, video_id: str
) -> Broadcast:
    item = plan[broadcast_id]
    targets = tuple(replace(t, external_id=video_id) if t == target else t for t in item.targets)
    return replace(item, targets=targets)
