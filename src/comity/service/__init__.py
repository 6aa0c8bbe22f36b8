"""The HTTP service (`comity serve`): comity for case systems in any language.

An ASGI application on Starlette, served by uvicorn: appends decoded by comity's own
codec, reads of the findings store, a stream of changes (Server-Sent Events),
bearer tokens with roles, every read recorded in the disclosure record, errors as
RFC 9457 problems, and an OpenAPI 3.1 description at `/openapi.json`. Starlette and
uvicorn come with the `serve` extra (`pip install 'comity[serve]'`); the token tables
(:mod:`comity.service.tokens`) need neither, so `comity token` works without them.

    from comity.service.app import create_app
    from comity.service.runtime import Settings

    app = create_app(Settings(store_url="comity.db"))
"""

__all__: list[str] = []
