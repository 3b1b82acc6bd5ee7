"""newsrag's interfaces: the ``newsrag`` CLI, the HTTP API and the chat UI."""
