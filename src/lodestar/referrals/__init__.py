"""Referrals (转介绍): leads an account brought us, and what they became."""
