"""Renewal records: one per contract from its renewal window on, the CSM's forecast, the proposal, and the
outcome derived from the contract chain (or closed by hand) with the ARR change and the reasons."""
