"""Framework-free image and licence logic: no HTTP, no GraphQL, no database."""
