"""Measurement of the SOP work: compliance (检核), effectiveness (品检), top performers, lifecycle shape."""
