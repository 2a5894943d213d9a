"""Evaluation: grouped cross-validation, per-collection and time-forward tests, baselines, thresholds, learning
curves; the experiment run (train + evaluate); labelling simulations and suspect labels."""
