"""Frontends: one package per source framework, each turning a model file into an ir.Graph."""
