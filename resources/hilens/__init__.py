"""HiLens (edge) resources: workspaces, devices, secrets, configmaps, deployments."""
