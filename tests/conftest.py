"""Shared by every test folder: `tests/` itself is on the import path, so helpers such as `ptyrun` import plainly."""
