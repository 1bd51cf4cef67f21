"""``python -m preserve``: the same as the ``preserve`` command."""
from .launch import main

if __name__ == "__main__":  # pragma: no cover
    main()
