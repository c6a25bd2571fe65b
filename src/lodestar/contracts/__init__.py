"""Contracts (subscriptions) and the retention metrics derived from them."""
