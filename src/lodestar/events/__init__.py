"""Usage events: Segment-compatible ingestion and the Parquet event store."""
