"""The model: feature blocks (TF-IDF, attribution, lexicons), the classifier per dimension and its artifact,
the exact fast path and the lean workers' compiled copy, article-level decisions."""
