"""newsrag for agents: one MCP server (``server.py``: the read tools of ``tools.py``, the
resources of ``resources.py``, the write tool of ``writes.py``) on stdio (``stdio.py``,
``newsrag mcp``) and on ``newsrag serve`` at ``/mcp`` (``http.py``, streamable HTTP)."""
