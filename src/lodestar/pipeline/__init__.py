"""The daily pipeline: each step in order (snapshot, SOP triggers, digest), and the scheduler that runs it."""
