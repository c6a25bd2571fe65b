"""SOP playbooks: stage goals, tasks for CSMs, compliance (检核) and effectiveness (品检)."""
