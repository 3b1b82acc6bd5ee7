"""The HTTP API: routes, their request and reply models, errors, guards, SSE, /cite pages."""
