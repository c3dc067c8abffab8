"""Many machines from one asyncio process: EnvPool, its batches and restarts."""
