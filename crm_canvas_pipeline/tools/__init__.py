"""Plain helpers that are no model: the input checks every concern runs on
the values it reads, and the SQL of the install."""
