"""Parameter uncertainty and global sensitivity (experiment=sensitivity): priors from the
provenance tags, the study designs (Latin hypercube, Morris, Sobol on SALib) and their evaluations."""
