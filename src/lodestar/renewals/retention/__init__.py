"""Retention metrics from contracts: GRR, NRR, logo retention, renewal rate; the renewal analysis report."""
