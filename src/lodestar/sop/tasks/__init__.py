"""Tasks: the playbook runs and tasks made from the playbooks, the inbox, evidence and the e-mail digest."""
