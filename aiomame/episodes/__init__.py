"""Episodes over a machine: GameEnv, their bookkeeping and a two-player game's opponent."""
