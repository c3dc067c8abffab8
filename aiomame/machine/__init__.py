"""One emulated machine: stepping it, its frames, memory, inputs and saved states."""
