"""The aiohttp server: REST API, Rasa-compatible endpoints, probes and OpenAPI.

``assistant.server.app.create_app(settings)`` is the composition root; ``routes.ROUTES`` is
the route table that the router and ``/api/openapi.json`` are both built from.
"""
