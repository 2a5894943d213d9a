"""Reading the corpus: folders of articles and tables, in chunks; paragraphs with stable ids; boilerplate dropped."""
