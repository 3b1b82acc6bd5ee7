"""What route handlers are given by FastAPI's ``Depends``: the server's ``Services``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ui.services import Services


def services_of(request: Request) -> Services:
    """The ``Services`` the server was built with (``app.state.services``)."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(services_of)]
