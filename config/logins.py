"""Logins that cannot be guessed.

django-axes counts failed logins (on `/api/auth/token/`, `/admin/login/` and the API browser's
login alike, since all go through `django.contrib.auth.authenticate`) in the database, and after
`AXES_FAILURE_LIMIT` failures refuses that username, from any address, and that address, for any
username, until `LOGIN_COOLOFF_MINUTES` after the last failure. Failures are kept in the database
rather than the cache so a cache outage neither unlocks nor breaks logins; staff see them (and
can lift a lockout) in the admin under "Axes".

A password change deletes the user's API token: a client holding the old one must log in again
with the new password (`/api/auth/token/` then issues a new key).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken

LOCKED_OUT = "Too many failed logins for this account or from this address. Try again after {when} (in {minutes})."


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind `TRUSTED_PROXY_COUNT` proxies that append
    to X-Forwarded-For, the address the outermost trusted proxy saw (what a client writes into
    the header itself is ignored)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def lockout_ends(request, username: str | None) -> datetime:
    """When the lockout holding this username or this address ends (the cool-off counts from the
    last recorded failure of either)."""
    from axes.models import AccessAttempt

    matching = Q(ip_address=client_ip(request))
    if username:
        matching |= Q(username=username)
    last = AccessAttempt.objects.filter(matching).aggregate(last=Max("attempt_time"))["last"] or timezone.now()
    return last + settings.AXES_COOLOFF_TIME


def lockout_message(ends: datetime) -> str:
    seconds = max(0, (ends - timezone.now()).total_seconds())
    minutes = max(1, math.ceil(seconds / 60))
    when = ends.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return LOCKED_OUT.format(when=when, minutes=f"{minutes} minute" + ("" if minutes == 1 else "s"))


def lockout_response(request, original_response=None, credentials=None):
    """The admin's (and the API browser's) page for a locked-out login (AXES_LOCKOUT_CALLABLE)."""
    username = (credentials or {}).get("username") or request.POST.get("username")
    ends = lockout_ends(request, username)
    context = {
        "title": "Login locked",
        "site_header": "Guildhall back office",
        "site_title": "Guildhall",
        "message": lockout_message(ends),
    }
    return render(request, "guildhall/locked_out.html", context, status=429)


class LockedOut(exceptions.APIException):
    """429 with Retry-After (DRF's handler sets the header from `wait`)."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self, *, wait: int, detail: str):
        super().__init__(detail, "locked_out")
        self.wait = wait


class LoginTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (created on first use, kept until the
    password changes). Locked out after repeated failures, per username and per address: then 429
    with `Retry-After`, whatever the password."""

    throttle_scope = "login"

    def get_throttles(self):
        from rest_framework.throttling import ScopedRateThrottle

        return [ScopedRateThrottle()]

    @extend_schema(summary="Log in: a username and password for an API token")
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # axes marks the request it refused (or the failure that reached the limit).
            if getattr(request, "axes_locked_out", False):
                raise self._locked_out(request) from None
            raise

    def _locked_out(self, request) -> LockedOut:
        ends = lockout_ends(request, request.data.get("username") if hasattr(request.data, "get") else None)
        wait = max(1, math.ceil((ends - timezone.now()).total_seconds()))
        return LockedOut(wait=wait, detail=lockout_message(ends))


@receiver(pre_save, sender=get_user_model(), dispatch_uid="guildhall.rotate_token_on_password_change")
def _rotate_token_on_password_change(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
