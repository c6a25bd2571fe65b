"""The modelling core every prediction shares: a table in, typed features, candidate models chosen by an
out-of-sample evaluation, calibrated probabilities and the figures that say how far to trust them."""
