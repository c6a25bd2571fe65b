"""Health scores (健康分): models as configuration, vectorised scoring and explanations."""
