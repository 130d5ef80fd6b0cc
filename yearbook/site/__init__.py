"""The HTML site: URLs, what templates see, the pages and the search index, as RenderedFiles."""
