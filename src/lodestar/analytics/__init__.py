"""Analytics: incremental daily roll-ups of the event store and the metric library over several engines."""
