"""Playbooks: what each playbook asks (configuration kind `sop`), when it fires, and its editor."""
