"""The portfolio: the viewer's accounts with health, stage and tier, composed above the domains."""
