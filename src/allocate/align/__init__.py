"""The alignment workflow: organization model, solver pipeline, contiguity stages."""
