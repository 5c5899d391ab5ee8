"""A port: what a lower app asks of a higher one, filled in by the higher app (docs/architecture.md).

The lower app declares the port and calls it; the higher app registers the one object that answers,
from its AppConfig.ready(). So the lower app imports nothing of the higher one, and a missing app is
a clear error at the first call rather than an ImportError.
"""

from typing import Generic, TypeVar

T = TypeVar("T")


class Port(Generic[T]):
    def __init__(self, name: str, *, provided_by: str):
        self.name = name
        self.provided_by = provided_by
        self.registered: T | None = None

    def register(self, provider: T) -> None:
        """Called once, from the providing app's AppConfig.ready()."""
        self.registered = provider

    def __call__(self) -> T:
        if self.registered is None:
            raise LookupError(f"No {self.name} registered: is the {self.provided_by} app in INSTALLED_APPS?")
        return self.registered
