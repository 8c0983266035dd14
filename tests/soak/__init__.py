"""`make soak`: the whole service under a steady mixed load for minutes, watched for errors, a queue that does
not drain and memory that grows (run.py)."""
