"""The .om offline model: container, IR <-> ge.proto ModelDef mapping, reader, writer and JSON dump."""
