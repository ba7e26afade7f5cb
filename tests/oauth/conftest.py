"""The end-to-end `world` fixture (emulator + throwaway Pulumi project), shared with tests/e2e."""

from tests.e2e.worlds import world  # noqa: F401 - re-exported as a fixture for this directory
