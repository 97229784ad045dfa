"""The framework-free domain core: values, entities and errors. No I/O, no frameworks."""
