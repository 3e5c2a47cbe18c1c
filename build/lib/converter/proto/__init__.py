"""Protobuf schemas we write ourselves (.proto) and their generated, committed *_pb2 modules.

Regenerate with ``python tools/compile_protos.py``; a test checks the modules are up to date.
"""
