"""The service's routes, one module per resource; each route's name is its entry in api.access."""
