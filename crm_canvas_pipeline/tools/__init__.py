"""Plain helpers that are no model: the input checks every concern runs on
the values it reads, the SQL of the install, and the database defaults a
registry without this module relies on (schema)."""
