"""Business rules as plain functions: connection or session first, keyword-only arguments after."""
