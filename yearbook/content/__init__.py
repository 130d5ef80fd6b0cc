"""Load and check the content tree (config, articles, regions, topics, pages) and build the model
(:class:`model.Yearbook`) that the site and the book are made from. Nothing here writes files."""
