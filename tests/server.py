"""A real HTTP server (uvicorn) on 127.0.0.1 and a free port, for tests that go over the wire."""

from api.serving import serving

__all__ = ["serving"]
