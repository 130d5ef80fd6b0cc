"""A large book laid out in parts on every core, then joined into the book a single pass makes."""
