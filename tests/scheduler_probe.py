"""A job function for the scheduler tests: it appends a line to the file it is given."""


def record(path: str) -> None:
    with open(path, "a") as handle:
        handle.write("ran\n")
