"""Which MAME, and what it knows: its systems, ROM sets, software lists and media."""
