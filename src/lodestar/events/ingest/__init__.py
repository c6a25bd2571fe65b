"""Segment-compatible ingestion: the durable log and its mark, the receiver, the mover and its process."""
