"""The assistant: understanding questions and answering them from the data."""
