"""Usage events: Segment-compatible ingestion (ingest/), write keys, ingestion statistics, the event store."""
