"""Output analysis on stored runs (warm-up checks); reads run directories, never simulates."""
