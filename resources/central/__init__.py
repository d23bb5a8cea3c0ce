"""Central compute platform (T/BAX) resources: clusters, nodes, workloads, algorithm packages, services, tasks."""
