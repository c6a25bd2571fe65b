"""Lifecycle (生命周期): stage models as configuration, contract phases, the stage engine, stage history."""
