"""The benchmark suite: a realistic data set loaded with COPY, a real server, real HTTP load."""
