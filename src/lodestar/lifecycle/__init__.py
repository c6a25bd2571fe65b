"""Lifecycle (生命周期): stage models as configuration and the stage engine with hysteresis."""
