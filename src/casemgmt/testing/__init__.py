"""Test support for hosts' own property tests (needs the ``testing`` extra: hypothesis).

The strategies live in :mod:`casemgmt.testing.strategies`.
"""

__all__: list[str] = []
