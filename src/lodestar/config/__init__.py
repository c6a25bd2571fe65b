"""Configuration as data: health models, lifecycle, tiers and metrics, versioned, exported as YAML."""
