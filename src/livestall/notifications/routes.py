"""HTTP routes for notifications: the feed and its badge, settings, push subscriptions, following and profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from livestall.accounts import follows
from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.accounts.schemas import FollowerCount, FollowKind, FollowRead
from livestall.db import SessionDep
from livestall.notifications import follows as notification_follows
from livestall.notifications import service
from livestall.notifications.channels import email_configured, push_configured
from livestall.notifications.schemas import (
    MarkRead,
    NotificationPage,
    NotificationSettingsIn,
    NotificationSettingsRead,
    Profile,
    PushKey,
    PushSubscriptionIn,
    UnreadCount,
)

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/me/notifications", response_model=NotificationPage)
async def feed(user: CurrentUser, session: SessionDep, unread: bool = False,
               page: Annotated[int, Query(ge=1)] = 1, per_page: Annotated[int, Query(ge=1, le=100)] = 20):
    """The caller's notifications, newest first, with the unread count."""
    items, total = await service.list_feed(session=session, user=user, unread_only=unread, page=page,
                                           per_page=per_page)
    return NotificationPage(items=items, total=total, unread=await service.count_unread(session=session, user=user),
                            page=page, per_page=per_page)


@router.get("/me/notifications/unread", response_model=UnreadCount)
async def unread(user: CurrentUser, session: SessionDep):
    """The badge: how many notifications are unread."""
    return UnreadCount(unread=await service.count_unread(session=session, user=user))


@router.post("/me/notifications/read", response_model=UnreadCount)
async def mark_read(body: MarkRead, user: CurrentUser, session: SessionDep):
    """Mark the given notifications (or all, without `ids`) read; the unread count after."""
    await service.do_mark_read(session=session, user=user, ids=body.ids)
    return UnreadCount(unread=await service.count_unread(session=session, user=user))


async def _settings_read(request: Request, session, user_id: int) -> NotificationSettingsRead:
    settings = request.app.state.settings
    values = await service.get_settings(session=session, user_id=user_id)
    return NotificationSettingsRead(user_id=user_id, **values, push_available=push_configured(settings),
                                    email_available=email_configured(settings))


@router.get("/users/{user_id}/notification-settings", response_model=NotificationSettingsRead)
async def get_settings(user_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """A user's channels per kind of notification (their own only)."""
    service.check_own_settings(user=user, user_id=user_id)
    return await _settings_read(request, session, user_id)


@router.put("/users/{user_id}/notification-settings", response_model=NotificationSettingsRead)
async def put_settings(user_id: int, settings_in: NotificationSettingsIn, request: Request, user: CurrentUser,
                       session: SessionDep):
    """Switch channels on and off per kind (their own only: 403 own_settings for anyone else)."""
    service.check_own_settings(user=user, user_id=user_id)
    await service.do_update_settings(session=session, user_id=user_id, settings_in=settings_in)
    return await _settings_read(request, session, user_id)


@router.get("/notifications/push-key", response_model=PushKey)
async def push_key(request: Request):
    """The VAPID public key browsers subscribe with (disabled when Web Push is not configured)."""
    settings = request.app.state.settings
    return PushKey(enabled=push_configured(settings), public_key=settings.vapid_public_key)


@router.post("/me/push-subscriptions", status_code=201)
async def subscribe(sub_in: PushSubscriptionIn, request: Request, user: CurrentUser, session: SessionDep) -> dict:
    """Remember this browser's push subscription."""
    sub = await service.do_subscribe_push(session=session, user=user, sub_in=sub_in,
                                          allow_private=request.app.state.settings.webhooks_allow_private)
    return {"id": sub.id, "endpoint": sub.endpoint}


@router.delete("/me/push-subscriptions", status_code=204)
async def unsubscribe(user: CurrentUser, session: SessionDep,
                      endpoint: Annotated[str | None, Query(min_length=1, max_length=1000)] = None) -> None:
    """Forget a push subscription of the caller's (all of them, without `endpoint`)."""
    await service.do_unsubscribe_push(session=session, user=user, endpoint=endpoint)


@router.get("/profiles/{kind}/{target_id}", response_model=Profile)
async def profile(kind: FollowKind, target_id: int, user: OptionalUser, session: SessionDep):
    """A host's or a shop's name and follower count, and whether the caller follows it."""
    return await service.get_profile(session=session, kind=kind, target_id=target_id, viewer=user)


@router.put("/me/follows/{kind}/{target_id}", status_code=204)
async def follow(kind: FollowKind, target_id: int, user: CurrentUser, session: SessionDep) -> None:
    """Follow a host or a shop."""
    await notification_follows.do_follow(session=session, user=user, kind=kind, target_id=target_id)


@router.delete("/me/follows/{kind}/{target_id}", status_code=204)
async def unfollow(kind: FollowKind, target_id: int, user: CurrentUser, session: SessionDep) -> None:
    """Stop following a host or a shop."""
    await follows.do_unfollow(session=session, user=user, kind=kind, target_id=target_id)


@router.get("/me/follows", response_model=list[FollowRead])
async def my_follows(user: CurrentUser, session: SessionDep):
    """The hosts and shops the user follows."""
    return await follows.list_following(session=session, user=user)


@router.get("/followers/{kind}/{target_id}", response_model=FollowerCount)
async def follower_count(kind: FollowKind, target_id: int, session: SessionDep):
    """How many people follow a host or a shop."""
    return FollowerCount(kind=kind, target_id=target_id,
                         followers=await follows.count_followers(session=session, kind=kind, target_id=target_id))
