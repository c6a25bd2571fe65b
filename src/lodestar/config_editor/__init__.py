"""Every configuration kind as a form beside its YAML (a composer: it reads all kinds)."""
