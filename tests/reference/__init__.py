"""Reference implementations the tests compare the project against (read from installed wheels)."""
