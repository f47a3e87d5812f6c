"""Deterministic synthetic population generator for demos, tests and benchmarks."""

from phm.synth.build import build_demo

__all__ = ["build_demo"]
