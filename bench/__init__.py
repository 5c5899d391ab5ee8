"""Load benchmark for Cocreate: see bench/README.md."""
