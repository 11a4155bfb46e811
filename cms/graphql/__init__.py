"""The GraphQL API (Strawberry only): it adapts services, converts rows and authorises."""
