"""Backoff with full jitter, the token bucket, Retry-After, the secret box: plain values, no clocks."""

from __future__ import annotations

import random
from datetime import timedelta
from email.utils import format_datetime

import pytest

from lodestar.kit.time import utcnow
from lodestar.notifications.channels.courier import retry_after_seconds
from lodestar.notifications.channels.secret_box import SecretUnreadable, mask_secret, mask_url, seal, unseal
from lodestar.notifications.pacing import TokenBucket, backoff_s


def test_backoff_doubles_its_ceiling_per_failure_up_to_the_cap() -> None:
    rng = random.Random(3)
    waits = {n: [backoff_s(n, 10.0, 3600.0, rng) for _ in range(2000)] for n in (1, 2, 5, 12)}
    assert [max(w) <= c for w, c in zip(waits.values(), (10, 20, 160, 3600), strict=True)] == [True] * 4
    assert [round(max(w), -1) for w in waits.values()] == [10, 20, 160, 3600]  # the ceiling is reached
    assert all(min(w) >= 0 for w in waits.values())
    assert 70 <= sum(waits[5]) / 2000 <= 90  # full jitter: the mean is half the ceiling


def test_the_bucket_spaces_messages_evenly_at_its_rate() -> None:
    bucket = TokenBucket(20, stamp=100.0)
    assert bucket.available(100.0) == 1
    bucket.take(1, 100.0)
    assert (bucket.available(101.0), round(bucket.wait_s(101.0), 3)) == (0, 2.0)
    assert bucket.available(103.0) == 1 and bucket.available(1000.0) == 1  # no burst saved up


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    assert retry_after_seconds("30") == 30.0
    later = retry_after_seconds(format_datetime(utcnow() + timedelta(seconds=90), usegmt=True))
    assert later is not None and 85 <= later <= 90
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_sealed_secrets_open_only_with_the_same_key_and_are_shown_masked() -> None:
    sealed = seal("k" * 32, "SEC0123456789abcdef")
    assert "SEC0123" not in sealed and unseal("k" * 32, sealed) == "SEC0123456789abcdef"
    with pytest.raises(SecretUnreadable, match="LODESTAR_SECRET_KEY changed"):
        unseal("other-key-of-32-characters......", sealed)
    assert mask_secret("SEC0123456789abcdef") == "••••cdef" and mask_secret("short") == "••••"
    assert (
        mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
        == "https://qyapi.weixin.qq.com/cgi-bin/…(masked)…"
    )
    assert mask_url("ops@example.com, cs@example.org") == "…(masked)…@example.com, …(masked)…@example.org"
