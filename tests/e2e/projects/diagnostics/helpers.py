"""A helper module of the program, so that a traceback has frames of the program's own files."""


def check_replicas(replicas: int) -> int:
    if replicas < 1:
        raise ValueError(f"replicas must be at least 1, got {replicas}")
    return replicas
