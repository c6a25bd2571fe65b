"""The metric registry: one module per family, each metric one definition that every engine runs."""
