"""Hand labels: the codebook, the label store, agreement, sampling orders, the labelling session, decisions
recorded outside it, Label Studio and table import."""
