"""The PDF book: geometry and editions, what book.html sees, Chinese typesetting, and the render
(one WeasyPrint pass, or split into parts on every core: ``split/``)."""
