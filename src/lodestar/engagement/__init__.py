"""Touches, tickets and survey answers: how the customer and the CS team interact."""
