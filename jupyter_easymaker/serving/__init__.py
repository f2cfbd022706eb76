"""Model serving: artifacts checked per framework, models loaded per framework, OIP v1 / v2 on one data plane."""
