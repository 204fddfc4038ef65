"""Training data for ray_toolace: the synthetic sample generator and the bundled splits it wrote."""
