"""Portal settings, read from settings.REXIAN with documented defaults (docs/channels.md)."""

from dataclasses import dataclass

from django.conf import settings

from rexian.channels.ratelimit import Limit

HOUR, DAY = 3600, 86400


@dataclass(frozen=True)
class PortalSettings:
    photo_max_bytes: int
    photo_max_count: int
    challenge_max_age: int  # seconds a form (and its arithmetic question) stays valid
    submit_per_ip: Limit
    submit_per_phone: Limit
    lookup_per_ip: Limit
    lookup_failures_per_code: Limit
    rating_closes_callback: bool


def portal_settings() -> PortalSettings:
    config = getattr(settings, "REXIAN", {})

    def number(key, default):
        return int(config.get(key, default))

    return PortalSettings(
        photo_max_bytes=number("PORTAL_PHOTO_MAX_MB", 5) * 1024 * 1024,
        photo_max_count=number("PORTAL_PHOTO_MAX_COUNT", 3),
        challenge_max_age=number("PORTAL_FORM_MAX_AGE_MINUTES", 120) * 60,
        submit_per_ip=Limit("portal-submit-ip", number("PORTAL_SUBMITS_PER_IP_HOUR", 20), HOUR),
        submit_per_phone=Limit("portal-submit-phone", number("PORTAL_SUBMITS_PER_PHONE_DAY", 5), DAY),
        lookup_per_ip=Limit("portal-lookup-ip", number("PORTAL_LOOKUPS_PER_IP_HOUR", 30), HOUR),
        lookup_failures_per_code=Limit("portal-lookup-code", number("PORTAL_LOOKUP_FAILURES_PER_CODE_HOUR", 5), HOUR),
        rating_closes_callback=bool(config.get("PORTAL_RATING_CLOSES_CALLBACK", True)),
    )
