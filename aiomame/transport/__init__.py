"""The wire to one MAME: the protocol, the MAME process and its private files."""
