"""Graph passes: each is a function ``pass(graph, ctx) -> bool`` (changed?) listed once in pipeline.py."""
