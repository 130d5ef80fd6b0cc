"""``yearbook serve``: the live preview (server, rebuild loop, watcher, live reload, background jobs)."""
