"""GraphQL object types; each converts rows to what clients see."""
