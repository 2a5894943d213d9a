"""Prediction: stream new articles through a model, in local processes or on Dask."""
